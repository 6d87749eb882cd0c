"""The orders writer: declaration and encodings, options and errors, streaming.

No database and no Django: these tests only use ``cml_exchange.commerceml``.
The documents come from ``writer_cases.py``, shared with the round-trip tests;
the shapes per schema version and XSD validity are in ``test_writer_shapes.py``.
"""

import datetime as dt
import io
import itertools
from decimal import Decimal
from typing import BinaryIO

import pytest
from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Counterparty,
    Document,
    OrderLine,
    Unit,
)
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.writing.writer import (
    SCHEMA_VERSIONS,
    OrdersWriter,
    write_orders,
)
from tests.unit.commerceml.writer_cases import (
    ENCODINGS,
    child_tags,
    find,
    full_document,
    lines_of,
    local,
    write,
)

# --------------------------------------------------------------------------
# The declaration, the BOM and the bytes
# --------------------------------------------------------------------------


def test_cp1251_declaration_and_no_bom():
    data = write([full_document()])
    assert data.startswith(b'<?xml version="1.0" encoding="windows-1251"?>\n<')


def test_a_bom_is_never_written_in_cp1251():
    data = write([full_document()], encoding="windows-1251", bom=True)
    assert data.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')


def test_utf8_declaration_without_bom_by_default():
    data = write([full_document()], encoding="utf-8")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<')


def test_utf8_with_bom_when_asked():
    data = write([full_document()], encoding="utf-8", bom=True)
    assert data.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<')


def test_cp1251_bytes_really_are_cp1251():
    data = write([full_document()])
    assert "Заказ товара".encode("cp1251") in data
    assert "Заказ товара".encode() not in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert etree.fromstring(data).get(T.SCHEMA_VERSION) == "2.05"


def test_utf8_bytes_really_are_utf8():
    data = write([full_document()], encoding="utf-8")
    assert "Заказ товара".encode() in data
    data.decode("utf-8")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_characters_cp1251_lacks_survive_as_references(encoding):
    text = "Цена в ₽, отличный чайник 😀 «ёлка» €"
    document = full_document(comment=text)
    lines_of(document)[1].name = text
    lines_of(document)[1].unit = Unit(code="796", name_full=text, name_short="шт")
    document.counterparties[0].name = text
    data = write([document], encoding=encoding)

    if encoding == "windows-1251":
        assert b"&#8381;" in data
        assert b"&#128512;" in data
        assert "«ёлка»".encode("cp1251") in data  # representable: written as bytes
    root = etree.fromstring(data)
    assert root.findtext("Документ/Комментарий") == text
    assert root.findtext("Документ/Товары/Товар[2]/Наименование") == text
    assert find(root, "Документ/Товары/Товар[2]/БазоваяЕдиница").get(T.UNIT_FULL_NAME) == text
    assert root.findtext("Документ/Контрагенты/Контрагент/Наименование") == text


def test_characters_xml_cannot_carry_are_dropped():
    document = full_document(comment="a\x01b\x0bc\ud800d")
    lines_of(document)[1].unit = Unit(name_short="ш\x00т")
    root = etree.fromstring(write([document]))
    assert root.findtext("Документ/Комментарий") == "abcd"
    assert root.findtext("Документ/Товары/Товар[2]/БазоваяЕдиница") == "шт"


def test_an_invalid_namespace_is_refused():
    with pytest.raises(WriterError, match="Пространство имен"):
        OrdersWriter(io.BytesIO(), namespace='urn:x"<y>')


# --------------------------------------------------------------------------
# Options, the container and errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_container_wraps_each_document(version):
    root = etree.fromstring(write([full_document("1"), full_document("2")], container=True,
                                  schema_version=version))  # fmt: skip
    assert child_tags(root) == [T.CONTAINER, T.CONTAINER]
    assert [child_tags(container) for container in root] == [[T.DOCUMENT], [T.DOCUMENT]]


@pytest.mark.parametrize("version", ["2.03", "2.09", "3.0", "3", ""])
def test_unknown_schema_version_is_refused_in_russian(version):
    with pytest.raises(WriterError, match=r"Версия схемы CommerceML .* не поддерживается"):
        OrdersWriter(io.BytesIO(), schema_version=version)


def test_unknown_encoding_is_refused():
    with pytest.raises(WriterError, match="Кодировка «koi8-r» не поддерживается"):
        OrdersWriter(io.BytesIO(), encoding="koi8-r")


def test_encoding_aliases():
    assert OrdersWriter(io.BytesIO(), encoding="CP1251").encoding == "windows-1251"
    assert OrdersWriter(io.BytesIO(), encoding="utf8").encoding == "UTF-8"


def test_write_outside_the_with_block_is_refused():
    writer = OrdersWriter(io.BytesIO())
    with pytest.raises(WriterError):
        writer.write(full_document())
    with writer:
        writer.write(full_document())
    with pytest.raises(WriterError):
        writer.write(full_document())
    with pytest.raises(WriterError), writer:
        pass


def test_an_empty_file_is_well_formed():
    root = etree.fromstring(write([]))
    assert local(root) == T.ROOT and len(root) == 0


def test_an_exception_leaves_the_file_unfinished():
    stream = io.BytesIO()
    with pytest.raises(RuntimeError), OrdersWriter(stream) as writer:
        writer.write(full_document())
        raise RuntimeError("database went away")
    assert f"</{T.ROOT}>".encode("cp1251") not in stream.getvalue()
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(stream.getvalue())


def test_generated_at_defaults_to_now():
    stream = io.BytesIO()
    before = dt.datetime.now().replace(microsecond=0)
    write_orders(stream, [])
    stamp = dt.datetime.fromisoformat(etree.fromstring(stream.getvalue()).get(T.GENERATED_AT, ""))
    assert before <= stamp <= dt.datetime.now()


def mixed_counterparty() -> Document:
    return full_document(counterparties=[Counterparty(id="x", full_name="A", official_name="B")])


def foreign_subordinate() -> Document:
    subordinate = Document(id="p", basis="someone-else")
    return full_document(subordinates=[subordinate])


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (lambda: Document(id=""), "без Ид"),
        (lambda: full_document(amount=Decimal("NaN")), "нельзя записать"),
        (mixed_counterparty, "и юридического, и"),
        (foreign_subordinate, "ссылается на документ someone-else"),
    ],
)
def test_a_document_that_cannot_be_written_is_skipped_whole(broken, message):
    stream = io.BytesIO()
    with OrdersWriter(stream, schema_version="2.10") as writer:
        writer.write(full_document("1"))
        with pytest.raises(WriterError, match=message):
            writer.write(broken())
        writer.write(full_document("2"))
    assert writer.count == 2
    root = etree.fromstring(stream.getvalue())
    assert [document.findtext(T.ID) for document in root] == ["1", "2"]


# --------------------------------------------------------------------------
# Streaming
# --------------------------------------------------------------------------


class CountingStream:
    """A binary file that counts what is written to it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.written = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        return self.stream.write(data)


@pytest.mark.parametrize("version", ["2.10", "3.1"])
def test_twenty_thousand_documents_stream_from_a_generator(tmp_path, version):
    total = 20_000
    written_before = []
    path = tmp_path / "orders.xml"

    with path.open("wb") as raw:
        stream = CountingStream(raw)

        def documents():
            template = Document(
                id="",
                number="1",
                date=dt.date(2024, 1, 1),
                operation=T.OPERATION_ORDER,
                role=T.ROLE_SELLER,
                currency="RUB",
                exchange_rate=Decimal(1),
                amount=Decimal("10.00"),
                counterparties=[Counterparty(id="c", name="Покупатель", role=T.ROLE_BUYER)],
                lines=[OrderLine(id="p", name="Товар", quantity=Decimal(1), amount=Decimal(10))],
            )
            for number in range(total):
                written_before.append(stream.written)
                template.id = str(number)
                yield template

        assert write_orders(stream, documents(), schema_version=version) == total

    # Each document reached the stream before the next one was even produced.
    assert all(earlier < later for earlier, later in itertools.pairwise(written_before))
    seen = 0
    for _, element in etree.iterparse(str(path), tag=T.DOCUMENT):
        assert element.findtext(T.ID) == str(seen)
        seen += 1
        element.clear(keep_tail=False)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]
    assert seen == total
