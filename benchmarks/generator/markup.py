"""Text helpers that write CommerceML the way 1C does, and the pieces every file shares.

Output shape: one element per line, tab indentation (:data:`TAB`), lines
ended with :data:`NL`, which the file from :func:`open_xml` writes as CRLF, in
UTF-8 with a BOM (or windows-1251, without one). Text escapes only ``&``, ``<``
and ``>`` (attributes also ``"``). Numbers use a decimal dot (:func:`money`);
only the display text of a price (:func:`presentation`) uses 1C's decimal comma
and NBSP thousands.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

from benchmarks.generator.context import ENCODINGS, Context
from benchmarks.generator.vocabulary import Unit

NL = "\n"  # written as CRLF by the file object
TAB = ["\t" * depth for depth in range(16)]

_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _esc(value: str) -> str:
    return value.translate(_TEXT_ESCAPES)


def _attr(value: str) -> str:
    return value.translate(_ATTR_ESCAPES)


def el(depth: int, tag: str, value: str) -> str:
    """One element on its own line; an empty value gives ``<tag/>``."""
    if value:
        return f"{TAB[depth]}<{tag}>{_esc(value)}</{tag}>{NL}"
    return f"{TAB[depth]}<{tag}/>{NL}"


def money(kopecks: int) -> str:
    """Kopecks as 1C writes a number element: ``1719`` or ``1719.5`` style with a dot."""
    rubles, rest = divmod(kopecks, 100)
    return f"{rubles}.{rest:02d}" if rest else str(rubles)


def presentation(kopecks: int, unit_short: str) -> str:
    """The display text of a price: thousands by NBSP, decimal comma (never parse this)."""
    rubles, rest = divmod(kopecks, 100)
    whole = f"{rubles:,}".replace(",", "\u00a0")
    amount = f"{whole},{rest:02d}" if rest else whole
    return f"{amount} руб. за {unit_short}"


def base_unit(unit: Unit, depth: int) -> str:
    """A ``БазоваяЕдиница`` line at ``depth``, with the OKEI code's trailing space 1C writes."""
    return (
        f'{TAB[depth]}<БазоваяЕдиница Код="{unit.code} " НаименованиеПолное="{_attr(unit.full)}" '
        f'МеждународноеСокращение="{unit.intl}">{unit.short}</БазоваяЕдиница>{NL}'
    )


def root_open(ctx: Context, seconds: int = 0) -> str:
    """The XML declaration and the root's opening tag (namespace, schema, generation time).

    The generation time is the run's plus ``seconds`` (3.1 files, one per
    second or so, say when each was written). 3.1 files also carry the
    root ``Ид="Обмен с сайтом"`` the 1C-Bitrix extension writes. The
    declaration names the run's encoding; without ``options.namespace`` the
    root declares no namespace at all.
    """
    stamp = (ctx.generated_at + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    exchange_id = ' Ид="Обмен с сайтом"' if ctx.schema == "3.1" else ""
    namespaces = (
        f'xmlns="{ctx.namespace}" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        if ctx.options.namespace
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="{ENCODINGS[ctx.options.encoding]}"?>{NL}'
        f"<КоммерческаяИнформация {namespaces}"
        f'ВерсияСхемы="{ctx.schema}" ДатаФормирования="{stamp}"{exchange_id}>{NL}'
    )


ROOT_CLOSE = f"</КоммерческаяИнформация>{NL}"


def open_xml(path: Path, line_end: str = "\r\n", encoding: str = "utf-8") -> TextIO:
    """A buffered text file that writes ``line_end`` (CRLF, or LF for 3.1) in ``encoding``.

    ``utf-8`` is written with a BOM, ``cp1251`` without one (as 1C writes
    both); a character windows-1251 lacks (``×``) becomes a character reference.
    """
    return path.open(
        "w",
        encoding="utf-8-sig" if encoding == "utf-8" else encoding,
        errors="xmlcharrefreplace",
        newline=line_end,
        buffering=1 << 20,
    )


def owner_xml(ctx: Context, depth: int) -> str:
    """The ``Владелец`` block (id, name, INN, KPP of the run's owner) at ``depth``."""
    owner_id, name, inn, kpp = ctx.owner
    return "".join(
        (
            f"{TAB[depth]}<Владелец>{NL}",
            el(depth + 1, "Ид", owner_id),
            el(depth + 1, "Наименование", name),
            el(depth + 1, "ОфициальноеНаименование", name),
            el(depth + 1, "ИНН", inn),
            el(depth + 1, "КПП", kpp),
            f"{TAB[depth]}</Владелец>{NL}",
        )
    )
