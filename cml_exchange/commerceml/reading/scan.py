"""A quick pass over a whole file: is it sound, how much does it hold, will its values fit.

The importer scans a file before it writes anything, so that a truncated or
broken upload is refused whole instead of being imported up to the break,
and so that its progress messages can say "1200 of 5000". The scan parses at
lxml's own speed: it builds no entities, only counts elements.

Given :class:`ValueLimits` (the importer builds them from its models), the
scan also checks every value the importer would write to a column of limited
size: an ``Ид`` longer than its column, a price of ``1e30``. Such a file is
refused whole (:class:`ValueLimitError`), before its first batch, and the
same way on every database, where otherwise PostgreSQL would fail halfway
through the file and SQLite would store what the site then cannot read.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.errors import CommerceMLError
from cml_exchange.commerceml.reading._prolog import (
    SAFE_PARSER_OPTIONS,
    PrefixedStream,
    read_prolog,
    syntax_error,
    unload_date_span,
)
from cml_exchange.commerceml.reading._structure import offer_rows
from cml_exchange.commerceml.reading._value_checks import Checker
from cml_exchange.commerceml.reading._value_limits import (
    MAX_PROBLEMS,
    NUMBER_COLUMNS,
    TEXT_COLUMNS,
    ValueLimits,
    ValueProblem,
)
from cml_exchange.commerceml.reading._xml import local_name, release

__all__ = [
    "MAX_PROBLEMS",
    "NUMBER_COLUMNS",
    "TEXT_COLUMNS",
    "FileScan",
    "ValueLimitError",
    "ValueLimits",
    "ValueProblem",
    "scan",
]

#: What is counted, by element, with the container it must sit in.
_COUNTED = {
    T.GROUP: (T.GROUPS, "groups"),
    T.PROPERTY: (T.PROPERTIES, "properties"),
    T.PRODUCT: (T.PRODUCTS, "products"),
    T.OFFER: (T.OFFERS, "offers"),
    T.DOCUMENT: (None, "documents"),
}
#: Containers, watched only to check their headers and declarations.
_CONTAINERS = (T.CLASSIFIER, T.CATALOG, T.OFFER_PACKAGE, T.OFFER_CHANGES)


class ValueLimitError(CommerceMLError):
    """A file holds values that cannot be stored; it is refused before anything is written.

    ``problem`` is the first such value in the file and ``count`` how many
    there are; ``file``, ``line`` and ``element`` say where the first one is.
    The message is for 1C's log: the file, the value, whose it is, the line
    and the element path.
    """

    def __init__(self, problem: ValueProblem, *, file: str, count: int = 1) -> None:
        self.problem = problem
        self.count = count
        self.file = file
        self.line = problem.line
        self.element = problem.element
        whose = f", {problem.owner}" if problem.owner else ""
        where = f"строка {problem.line}, " if problem.line else ""
        message = (
            f"Файл {file} не загружен: {problem.message}{whose} ({where}элемент {problem.element})."
        )
        if count > 1:
            message += f" Всего таких значений в файле: {count}."
        super().__init__(message + " Исправьте данные в 1С и повторите обмен.")


@dataclass(slots=True)
class FileScan:
    """What a scan found: the schema version and element counts (``products``, ``offers``…).

    With limits, ``problems`` holds the first :data:`MAX_PROBLEMS` values that
    cannot be stored, in the order of the file, and ``problem_count`` counts all.
    """

    name: str
    schema_version: str | None = None
    size: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[ValueProblem] = field(default_factory=list)
    problem_count: int = 0


def scan(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    limits: ValueLimits | None = None,
    refuse: bool = True,
) -> FileScan:
    """Parse the whole file without building entities; raise the reader's errors if it is unsound.

    ``products`` counts ``Каталог/Товары/Товар`` (not order lines), ``offers``
    every ``Предложение`` (and ``prices``, ``stock_rows`` their prices and
    warehouse rows), ``groups`` every ``Группа`` of a classifier,
    ``properties`` every ``Свойство`` definition, ``documents`` every ``Документ``.

    With ``limits``, every value the importer would write is checked as
    well; the whole file is parsed either way, then :class:`ValueLimitError`
    names the first value that cannot be stored (with ``refuse=False`` the
    result lists them instead). Without, nothing but soundness is checked.
    """
    label = name or os.path.basename(os.fspath(path))
    result = FileScan(name=label)
    checker = Checker(limits) if limits is not None else None
    watched = [*_COUNTED, *(_CONTAINERS if checker is not None else ())]
    try:
        raw = cast(BinaryIO, open(path, "rb"))  # noqa: SIM115 (closed below)
    except OSError as error:
        raise CommerceMLError(f"Не удалось открыть файл {label}: {error.strerror}") from error
    with raw:
        result.size = os.fstat(raw.fileno()).st_size
        prolog = read_prolog(raw, label)
        result.schema_version = prolog.schema_version
        stream = PrefixedStream(prolog.head, raw)
        events = etree.iterparse(
            stream, tag=[f"{{*}}{tag}" for tag in watched], **SAFE_PARSER_OPTIONS
        )
        try:
            for _event, element in events:
                tag = local_name(cast(str, element.tag))
                if checker is not None:
                    if tag in _CONTAINERS:
                        checker.container(tag, element)
                        continue
                    checker.entity(tag, element)
                container, counter = _COUNTED[tag]
                parent = element.getparent()
                grandparent = parent.getparent() if parent is not None else None
                in_container = container is None or (
                    parent is not None and local_name(cast(str, parent.tag)) == container
                )
                in_catalog = counter != "products" or (
                    grandparent is not None and local_name(cast(str, grandparent.tag)) == T.CATALOG
                )
                if in_container and in_catalog:  # not an order's lines
                    result.counts[counter] += 1
                    if counter == "offers":
                        prices, stock_rows = offer_rows(element)
                        result.counts["prices"] += prices
                        result.counts["stock_rows"] += stock_rows
                if counter in ("products", "offers", "documents"):
                    release(element)
        except etree.XMLSyntaxError as error:
            raise syntax_error(error, label, None, stream) from error
    if checker is not None:
        # Containers are checked at their end, after their contents: back to the file's order.
        result.problems = sorted(checker.problems, key=lambda problem: problem.line or 0)
        result.problem_count = checker.count
        if refuse and result.problems:
            raise ValueLimitError(result.problems[0], file=label, count=result.problem_count)
    return result


def scan_digest(path: str | os.PathLike[str], limits: ValueLimits) -> str:
    """The SHA-256 of the file's bytes, keyed with the reader's code and ``limits``.

    What a scan found is worth keeping for these bytes under this key only:
    the same bytes read by other code, or checked against other column sizes,
    may scan otherwise.

    The value of the root's ``ДатаФормирования`` is left out (:func:`unload_date_span`):
    nothing reads it, and 1C's next unload of an unchanged catalog differs only
    there, so it is the same file to the scan and to the passing over of its items.
    """
    from cml_exchange.commerceml.reading.digests import code_key  # the builders: not for scans

    sizes = (
        sorted(limits.lengths.items()),
        sorted(limits.decimals.items()),
        sorted(limits.not_negative),
        sorted(limits.numbers_only),
    )
    keyed = hashlib.sha256(code_key() + repr(sizes).encode())
    with open(path, "rb") as file:
        head = file.read(_DIGEST_HEAD)
        span = unload_date_span(head)
        if span is None:
            keyed.update(head)
        else:
            keyed.update(head[: span[0]])
            keyed.update(head[span[1] :])
        return hashlib.file_digest(file, lambda: keyed).hexdigest()


#: How far into a file :func:`scan_digest` looks for the root's ``ДатаФормирования``.
_DIGEST_HEAD = 64 * 1024
