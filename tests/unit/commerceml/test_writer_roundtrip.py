"""Documents written by the writer and read back by the reader equal the originals.

Every schema version × encoding (and BOM, namespace, container) is covered.
What one version cannot carry is not asked of it: 2.05 and 2.08 have no
subordinate documents, and no version writes the 2.09 ``Оплаты`` block.
"""

import copy
import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest

from cml_exchange.commerceml import read
from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Counterparty,
    Document,
    FileInfo,
    OrderLine,
    Requisite,
    Unit,
    Warehouse,
)
from cml_exchange.commerceml.writing.orders import SiteOrder, build_document
from cml_exchange.commerceml.writing.writer import (
    NAMESPACE,
    SCHEMA_3_1,
    SCHEMA_VERSIONS,
    write_orders,
)
from tests.unit.commerceml.writer_cases import (
    ENCODINGS,
    GENERATED_AT,
    buyer,
    full_document,
    goods_line,
    lines_of,
    seller,
    subordinate_documents,
)


def documents_for(version: str) -> list[Document]:
    """Documents using every field ``version`` can carry, including those outside the XSD."""
    first = full_document("1001")
    second = full_document(
        "1002",
        version="AAAAEAAAAAA=",
        deleted=True,
        number_1c="ТДЦУ-000001",
        date_1c=dt.date(2024, 3, 1),
        basis="1000",
        counterparties=[
            seller(),
            dataclasses.replace(buyer(), version="AAAAAQAAAG4=", deleted=True),
        ],
        warehouses=[Warehouse(id="wh-2", version="v1", deleted=True)],
        lines=[
            goods_line(3),
            OrderLine(id="bare", name="Без единицы"),
            OrderLine(id="odd-unit", name="Единица без кода", unit=Unit(name_short="уп")),
        ],
    )
    status_only = Document(
        id="1003",
        number="A-1003",
        date=dt.date(2024, 3, 1),
        operation=T.OPERATION_ORDER,
        role=T.ROLE_SELLER,
        currency="RUB",
        exchange_rate=Decimal("1.0000"),
        amount=Decimal("0"),
        counterparties=[Counterparty(id="c-1", name="Покупатель", role=T.ROLE_BUYER)],
        requisites=[Requisite(name="Отменен", value="true")],
    )
    empty_order = dataclasses.replace(status_only, id="1004", lines=[])
    if version in ("2.10", SCHEMA_3_1):
        first.subordinates = subordinate_documents("1001")
    return [first, second, status_only, empty_order]


def as_read(documents: list[Document], version: str) -> list[Document]:
    """What reading ``documents`` back gives: in 3.1 each order's subordinates follow it.

    A 3.1 ``Контейнер`` holds the order and, beside it, its payments and
    shipments, each with the order's ``Ид`` as ``Основание``; a reader meets
    them as documents of their own, all inside a container.
    """
    if version != SCHEMA_3_1:
        return documents
    result: list[Document] = []
    for document in documents:
        result.append(dataclasses.replace(document, subordinates=[], in_container=True))
        result.extend(
            dataclasses.replace(subordinate, basis=document.id, in_container=True)
            for subordinate in document.subordinates
        )
    return result


def comparable(documents: list) -> list:
    """Copies with the subordinates' ``basis`` cleared.

    The 2.10 XSD links a subordinate to its order by nesting only, so whether
    ``basis`` comes back as ``None`` or as the parent's id is the reader's
    choice; ``test_subordinate_basis_comes_back_from_the_nesting`` pins it.
    """
    result = copy.deepcopy(documents)
    for document in result:
        for subordinate in getattr(document, "subordinates", []):
            subordinate.basis = None
    return result


def written_and_read(documents: list[Document], **options: object) -> tuple[FileInfo, list]:
    stream = io.BytesIO()
    write_orders(stream, documents, generated_at=GENERATED_AT, **options)  # type: ignore[arg-type]
    entities = list(read(io.BytesIO(stream.getvalue()), name="orders.xml"))
    info, rest = entities[0], entities[1:]
    assert isinstance(info, FileInfo)
    return info, rest


@pytest.mark.parametrize("namespace", [None, NAMESPACE])
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_documents_come_back_equal(version, encoding, namespace):
    documents = documents_for(version)
    info, read_back = written_and_read(
        documents, schema_version=version, encoding=encoding, namespace=namespace
    )

    assert info.schema_version == version
    assert info.generated_at == "2024-03-01T12:30:45"
    assert info.namespace == namespace
    assert info.encoding is not None and info.encoding.lower() == encoding
    assert comparable(read_back) == comparable(as_read(documents, version))


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_utf8_with_bom_comes_back_equal(version):
    documents = documents_for(version)
    _, read_back = written_and_read(documents, schema_version=version, encoding="utf-8", bom=True)
    assert comparable(read_back) == comparable(as_read(documents, version))


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_documents_in_containers_come_back_marked(version):
    documents = documents_for(version)
    _, read_back = written_and_read(documents, schema_version=version, container=True)
    expected = [
        dataclasses.replace(document, in_container=True) for document in as_read(documents, version)
    ]
    assert comparable(read_back) == comparable(expected)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_characters_cp1251_lacks_come_back_equal(encoding):
    text = "₽ 😀 € ёлка «кавычки» & <тег>"
    document = full_document(comment=text)
    document.counterparties[0].name = text
    lines_of(document)[1].requisites.append(Requisite(name="СвойствоКорзины#NAME", value=text))
    lines_of(document)[1].unit = Unit(code="796", name_full=text, name_short="₽")
    _, read_back = written_and_read([document], encoding=encoding)
    assert read_back == [document]


@pytest.mark.parametrize("version", ["2.05", "2.08"])
def test_subordinates_are_dropped_before_2_10(version):
    document = full_document(subordinates=subordinate_documents())
    _, read_back = written_and_read([document], schema_version=version)
    assert read_back == [dataclasses.replace(document, subordinates=[])]


def test_subordinate_basis_comes_back_from_the_nesting():
    document = full_document(subordinates=subordinate_documents())
    for subordinate in document.subordinates:
        subordinate.basis = document.id
    _, read_back = written_and_read([document], schema_version="2.10")
    assert read_back == [document]


def site_order() -> SiteOrder:
    return SiteOrder(
        id="132",
        number="132",
        prefix="ИМ-",
        created=dt.datetime(2021, 2, 11, 18, 45, 21),
        currency="руб",
        total=Decimal("571.74"),
        customer=Counterparty(id="38#catalog_exchange#", name="Каталог", full_name="Каталог"),
        lines=[goods_line(1)],
        delivery_name="Курьер",
        delivery_id="5",
        delivery_price=Decimal("340.00"),
        payment_name="Банковской картой онлайн",
        payment_method_id="3",
        paid=True,
        paid_at=dt.datetime(2021, 2, 12, 9, 11, 4),
        payment_number="77",
        status_id="P",
        status_name="Оплачен",
        status_changed_at=dt.datetime(2021, 2, 12, 9, 11, 4),
        site_id="s1",
        site_name="Сайт по умолчанию",
        customer_comment="Я повелитель порошочков",
        version="3",
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_built_orders_come_back_equal(version, encoding):
    document = build_document(site_order(), version)
    _, read_back = written_and_read([document], schema_version=version, encoding=encoding)
    assert comparable(read_back) == comparable(as_read([document], version))
