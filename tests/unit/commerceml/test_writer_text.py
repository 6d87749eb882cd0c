"""The writer's text is lxml's: the same bytes as ``etree.indent`` and ``etree.tostring`` give.

The writer writes each document's text itself rather than through an lxml tree
(issue 17, for speed), and its answers must stay byte for byte what they were.
Two checks hold it to lxml: a written file, parsed by lxml and serialised again
by lxml, comes out the same bytes (indentation, empty elements, escaping and
encoding); and every character there is, in text and in an attribute, in both
encodings, is written as lxml writes it (a reference, dropped, or as it is).
"""

import itertools
import re

import pytest
from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Counterparty, Document, OrderLine, Requisite, Unit
from cml_exchange.commerceml.writing import _pieces
from cml_exchange.commerceml.writing.writer import SCHEMA_VERSIONS
from tests.unit.commerceml.writer_cases import (
    ENCODINGS,
    full_document,
    seller,
    subordinate_documents,
    write,
)

#: Characters XML 1.0 cannot carry (the writer drops them, as the lxml writer did).
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def lxml_bytes(data: bytes, encoding: str) -> bytes:
    """``data`` parsed and written again by lxml, as the writer once wrote every document."""
    root = etree.fromstring(data)
    parts = []
    for child in root:
        etree.indent(child, space="  ", level=1)
        child.tail = "\n"
        parts.append(b"  " + etree.tostring(child, encoding=encoding, xml_declaration=False))
    return b"".join(parts)


def documents_part(data: bytes) -> bytes:
    """The bytes between the root's start tag and its end tag."""
    start = data.index(b">\n", data.index(b"?>") + 2) + 2
    end = data.rindex(b"</")
    return data[start:end]


def odd_document(order_id: str, text: str) -> Document:
    """A document with ``text`` in element text and in attributes, and empty elements."""
    return Document(
        id=order_id,
        number=text,
        comment=text,
        counterparties=[Counterparty(id=text, name=text, full_name="", role=text)],
        lines=[
            OrderLine(
                id=text,
                name=text,
                unit=Unit(code=text, name_full=text, international_abbr=text, name_short=text),
            ),
            OrderLine(id="", name="", unit=Unit(code="796")),
        ],
    )


HOSTILE = "a&b<c>d\"e'f\r\ng\th ₽ 😀 «ёлка» € ]]> \u00a0\u2028\ufeff\x01\x0b\ud800\ufffe"


@pytest.mark.parametrize(
    ("version", "encoding", "container"),
    list(itertools.product(SCHEMA_VERSIONS, ENCODINGS, [False, True])),
)
def test_the_documents_are_what_lxml_writes(version, encoding, container):
    documents = [
        full_document("1"),
        full_document("2", subordinates=subordinate_documents("2")),
        full_document("3", counterparties=[seller()], lines=[]),
        Document(id="4"),
        odd_document("5", HOSTILE),
        odd_document("6", "   "),
    ]
    data = write(documents, schema_version=version, encoding=encoding, container=container)
    assert documents_part(data) == lxml_bytes(data, encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_character_is_written_as_lxml_writes_it(encoding):
    characters = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    for start in range(0, len(characters), 20_000):
        text = characters[start : start + 20_000]
        data = write([odd_document("1", text)], encoding=encoding)

        element = etree.Element(T.COMMENT)
        element.text = NOT_XML.sub("", text)
        assert etree.tostring(element, encoding=encoding, xml_declaration=False) in data
        element = etree.Element(T.BASE_UNIT, {T.UNIT_FULL_NAME: NOT_XML.sub("", text)})
        attribute = etree.tostring(element, encoding=encoding, xml_declaration=False)
        assert attribute[len(f"<{T.BASE_UNIT}".encode(encoding)) : -2] in data


def test_tag_characters_are_dropped_in_cp1251_as_libxml2_drops_them():
    text = "a\U000e0041\U000e007fb ₽"
    data = write([odd_document("1", text)])
    assert "<Комментарий>ab &#8381;</Комментарий>".encode("cp1251") in data
    assert "\U000e0041".encode() in write([odd_document("1", text)], encoding="utf-8")


def test_a_value_with_nothing_xml_can_carry_leaves_an_empty_text_as_lxml_did():
    # lxml wrote an element whose text was set to "" as <a></a>, not <a/>.
    element = etree.Element(T.COMMENT)
    element.text = ""
    assert etree.tostring(element, encoding="utf-8") == "<Комментарий></Комментарий>".encode()
    data = write([odd_document("1", "\x01\x02")], encoding="utf-8")
    assert "<Комментарий></Комментарий>".encode() in data
    assert "<Номер></Номер>".encode() in data


def test_pieces_that_never_repeat_keep_the_writer_small_and_are_written_right():
    """Units and requisites are rendered once each, in a store that cannot outgrow its limit."""
    count = _pieces.PIECES_LIMIT + 500
    documents = [
        Document(
            id=str(number),
            requisites=[Requisite(name="Дата оплаты", value=f"2026-01-01 {number}")],
            lines=[OrderLine(id="l", name="Товар", unit=Unit(code=str(number), name_short="шт"))],
        )
        for number in range(count)
    ]
    data = write(documents, encoding="utf-8")
    assert len(_pieces.PIECES) <= _pieces.PIECES_LIMIT
    assert documents_part(data) == lxml_bytes(data, "utf-8")
    assert data.count("<Значение>2026-01-01 ".encode()) == count
