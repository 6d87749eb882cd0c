"""The CommerceML 3.1 file set: one entity kind per file, named and ordered as 1C sends them.

The 1C-Bitrix extension for 1C (БУС) writes a catalog unload as
``<kind>_1_<packet>_<guid>.xml`` files, sent in the order of :data:`KINDS`;
big kinds are cut into packets numbered from 1 (see
``docs/research/commerceml-3.1.md`` §1–2). Every file is a whole document
with its own context header: classifier-type files a ``Каталог`` without
``Товары`` and then a ``Классификатор`` with one section; offer-type files a
``ПакетПредложений``. :class:`FileSet` names and opens the files and keeps
their order; the headers are :func:`catalog_header`, :func:`classifier_open`
and :func:`package_open`. The content is written by
:mod:`benchmarks.generator.classifier31` and :mod:`benchmarks.generator.offers31`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from benchmarks.generator.context import Context
from benchmarks.generator.ids import STREAM_FILES, file_guid, stream_rng
from benchmarks.generator.markup import NL, ROOT_CLOSE, el, open_xml, root_open
from cml_exchange.client.packing import KINDS_3_1

#: The kinds of a 3.1 catalog unload, in the order 1C sends them (the client's list).
KINDS = KINDS_3_1

CATALOG_NAME = "Основной каталог товаров"
CLASSIFIER_NAME = "Классификатор (Основной каталог товаров)"
PACKAGE_NAME = "Пакет предложений (Основной каталог товаров)"
#: 1C writes "true" on every 3.1 catalog file, even in a full unload (research note §0.7).
ONLY_CHANGES = ' СодержитТолькоИзменения="true"'


class FileSet:
    """The 3.1 files of one run in ``out_dir``, named as 1C names them, in the order written.

    The GUIDs in the names come from their own stream
    (:data:`~benchmarks.generator.ids.STREAM_FILES`), so the same run gives
    the same names; each file's ``ДатаФормирования`` is a second after the
    one before.
    """

    def __init__(self, ctx: Context, out_dir: Path) -> None:
        self.ctx = ctx
        self.out_dir = out_dir
        self.names: list[str] = []
        self._packets: Counter[str] = Counter()
        self._rng = stream_rng(ctx.seed, STREAM_FILES, 0)

    @contextmanager
    def open(self, kind: str) -> Iterator[TextIO]:
        """The next packet of ``kind``, with the root element opened and, on leaving, closed."""
        if kind not in KINDS:
            raise ValueError(f"not a 3.1 file kind: {kind}")
        self._packets[kind] += 1
        name = f"{kind}_1_{self._packets[kind]}_{file_guid(self._rng)}.xml"
        self.names.append(name)
        with open_xml(self.out_dir / name, "\n", self.ctx.options.encoding) as out:
            out.write(root_open(self.ctx, seconds=len(self.names)))
            yield out
            out.write(ROOT_CLOSE)


def catalog_header(ctx: Context, *, close: bool) -> str:
    """The ``Каталог`` a file opens with: the context of classifier-type files and of goods.

    ``close`` ends it at once (classifier-type files: a catalog with no
    ``Товары``, context only); else a goods packet goes on with ``Товары``.
    """
    lines = [
        f"\t<Каталог{ONLY_CHANGES}>{NL}",
        el(2, "Ид", ctx.classifier_id),
        el(2, "ИдКлассификатора", ctx.classifier_id),
        el(2, "Наименование", CATALOG_NAME),
    ]
    if close:
        lines.append(f"\t</Каталог>{NL}")
    return "".join(lines)


def classifier_open(ctx: Context) -> str:
    """The opening of the ``Классификатор`` that holds a classifier-type file's one section."""
    return "".join(
        (
            f"\t<Классификатор{ONLY_CHANGES}>{NL}",
            el(2, "Ид", ctx.classifier_id),
            el(2, "Наименование", CLASSIFIER_NAME),
        )
    )


CLASSIFIER_CLOSE = f"\t</Классификатор>{NL}"


def package_open(ctx: Context) -> str:
    """The opening of a ``ПакетПредложений`` (its ``Ид`` hash first, as in 2025 files)."""
    return "".join(
        (
            f"\t<ПакетПредложений{ONLY_CHANGES}>{NL}",
            el(2, "Ид", "#" + ctx.classifier_id),
            el(2, "Наименование", PACKAGE_NAME),
            el(2, "ИдКаталога", ctx.classifier_id),
            el(2, "ИдКлассификатора", ctx.classifier_id),
        )
    )


PACKAGE_CLOSE = f"\t</ПакетПредложений>{NL}"
