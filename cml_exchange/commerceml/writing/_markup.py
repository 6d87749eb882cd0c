"""The markup of the order writer's text: elements, escaping and values, as libxml2 writes them.

Each element on a line of its own, two spaces a level (``etree.indent(space="  ")``
as a child of the root), ``<Тег/>`` when empty; ``& < >`` and a carriage return
escaped in text, those and ``"``, a line feed and a tab in attributes;
characters XML cannot carry (control characters, lone surrogates, U+FFFE and
U+FFFF) dropped. ``tests/unit/commerceml/test_writer_text.py`` holds it to lxml.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Final

from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.values import format_bool, format_decimal

#: The pieces of a document's text, joined by the writer.
Out = list[str]

#: Characters XML 1.0 cannot carry, not even as references.
NOT_XML: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: The indentation of each level: the root is level 0, a document level 1.
INDENT: Final = tuple("  " * level for level in range(32))
TRUE: Final = format_bool(True)


def xml_text(value: str) -> str:
    """``value`` as element text, as libxml2 writes it.

    A printable string (the usual case: no control characters, line breaks,
    surrogates or non-characters) without ``& < >`` is written as it is; the
    test is repeated in :func:`add` and :func:`optional`, which save a call so.
    """
    if not value.isprintable() or "&" in value or "<" in value or ">" in value:
        return escaped(value)
    return value


def escaped(value: str) -> str:
    """``value`` without what XML cannot carry, ``& < >`` and carriage returns escaped."""
    return (
        NOT_XML.sub("", value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
    )


def xml_attribute(value: str) -> str:
    """``value`` as an attribute value in double quotes, as libxml2 writes it."""
    value = NOT_XML.sub("", value) if not value.isprintable() else value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def add(out: Out, level: int, tag: str, value: str | None = None) -> None:
    """Write ``tag`` with ``value`` as text, empty without one (a required element)."""
    if value:
        if not value.isprintable() or "&" in value or "<" in value or ">" in value:
            value = escaped(value)
        out.append(f"{INDENT[level]}<{tag}>{value}</{tag}>\n")
    else:
        out.append(f"{INDENT[level]}<{tag}/>\n")


def optional(out: Out, level: int, tag: str, value: str | None) -> None:
    """Write ``tag`` only when ``value`` is neither ``None`` nor empty."""
    if value:
        if not value.isprintable() or "&" in value or "<" in value or ">" in value:
            value = escaped(value)
        out.append(f"{INDENT[level]}<{tag}>{value}</{tag}>\n")


def open_element(out: Out, level: int, tag: str) -> int:
    """Start ``tag``, an element with children; :func:`close_element` ends it."""
    out.append(f"{INDENT[level]}<{tag}>\n")
    return len(out)


def close_element(out: Out, level: int, tag: str, mark: int) -> None:
    """End what :func:`open_element` started (at ``mark``): ``<tag/>`` if nothing went in."""
    if len(out) == mark:
        out[-1] = f"{INDENT[level]}<{tag}/>\n"
    else:
        out.append(f"{INDENT[level]}</{tag}>\n")


def number_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not value.is_finite():
        raise WriterError(f"Число {value} нельзя записать в документ CommerceML.")
    return format_decimal(value)


def flag_text(value: bool | None) -> str | None:
    return None if value is None else format_bool(value)


def date_text(value: dt.date | None) -> str | None:
    if value is None:
        return None
    if type(value) is dt.date and value.year >= 1000:
        return value.isoformat()  # what strftime gives, three times faster
    return value.strftime("%Y-%m-%d")


def time_text(value: dt.time | None) -> str | None:
    if value is None:
        return None
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
