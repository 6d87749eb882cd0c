"""Order documents and helpers shared by the writer tests and the round-trip tests.

Every document here uses values that fit the official 2.08/2.10 XSDs, so the
XSD tests can validate what the writer makes of them.
"""

import datetime as dt
import io
from decimal import Decimal

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Address,
    AddressField,
    Characteristic,
    Contact,
    Counterparty,
    Discount,
    Document,
    OrderLine,
    Representative,
    Requisite,
    Tax,
    TaxRate,
    Unit,
    Warehouse,
)
from cml_exchange.commerceml.writing.writer import (
    write_orders,
)
from tests.paths import DATA_DIR

GENERATED_AT = dt.datetime(2024, 3, 1, 12, 30, 45)
ENCODINGS = ("windows-1251", "utf-8")
XSD_VERSIONS = ("2.08", "2.10")


GENERATED_AT = dt.datetime(2024, 3, 1, 12, 30, 45)
ENCODINGS = ("windows-1251", "utf-8")
XSD_VERSIONS = ("2.08", "2.10")


def buyer() -> Counterparty:
    """A person, with every field the schema has for one."""
    return Counterparty(
        id="17#ivanov#Иванов Иван",
        name="Иванов Иван",
        full_name="Иванов Иван Иванович",
        role=T.ROLE_BUYER,
        last_name="Иванов",
        first_name="Иван",
        middle_name="Иванович",
        inn="771234567890",
        registration_address=Address(
            presentation="101000, Москва, Мясницкая ул., 1",
            fields=[
                AddressField(type="Почтовый индекс", value="101000"),
                AddressField(type="Город", value="Москва"),
                AddressField(type="Улица", value="Мясницкая ул."),
            ],
        ),
        address=Address(presentation="Москва, до востребования"),
        contacts=[
            Contact(type="Почта", value="ivanov@example.com"),
            Contact(type="Телефон рабочий", value="+7 495 000-00-00"),
        ],
        representatives=[
            Representative(relation="Контактное лицо", id="rep-1", name="Петров Пётр"),
        ],
    )


def seller() -> Counterparty:
    """A company, with every field the schema has for one."""
    return Counterparty(
        id="shop",
        name="ООО «Ромашка»",
        official_name="Общество с ограниченной ответственностью «Ромашка»",
        role=T.ROLE_SELLER,
        inn="7701234567",
        kpp="770101001",
        okpo="12345678",
        legal_address=Address(presentation="Москва, Тверская ул., 7"),
    )


def goods_line(index: int = 1) -> OrderLine:
    return OrderLine(
        id=f"0a1b2c3d-0000-4000-8000-{index:012d}#red",
        name=f"Чайник электрический №{index}",
        catalog_id="cat-1",
        article=f"KT-{index}",
        unit=Unit(code="796", name_full="Штука", international_abbr="PCE", name_short="шт"),
        price=Decimal("1500.50"),
        quantity=Decimal("2"),
        amount=Decimal("2901.00"),
        coefficient=Decimal("1"),
        discounts=[
            Discount(name="Скидка на товар", amount=Decimal("100.00"), included=True),
        ],
        tax_rates=[TaxRate(name="НДС", rate="20")],
        taxes=[Tax(name="НДС", included=True, amount=Decimal("483.50"), rate="20")],
        requisites=[
            Requisite(name=T.REQ_ITEM_KIND, value=T.REQ_ITEM_GOODS),
            Requisite(name=T.REQ_ITEM_TYPE, value=T.REQ_ITEM_GOODS),
        ],
        characteristics=[Characteristic(name="Цвет", value="Красный", id="red")],
    )


def delivery_line() -> OrderLine:
    return OrderLine(
        id=T.DELIVERY_LINE_ID,
        name="Доставка заказа",
        unit=Unit(code="796", name_full="Штука", international_abbr="PCE", name_short="шт"),
        price=Decimal("340.00"),
        quantity=Decimal("1"),
        amount=Decimal("340.00"),
        requisites=[
            Requisite(name=T.REQ_ITEM_KIND, value=T.REQ_ITEM_SERVICE),
            Requisite(name=T.REQ_ITEM_TYPE, value=T.REQ_ITEM_SERVICE),
        ],
    )


def full_document(order_id: str = "1001", **changes: object) -> Document:
    """An order with every field the 2.08/2.10 XSD can carry, with values valid there."""
    document = Document(
        id=order_id,
        number=f"A-{order_id}",
        date=dt.date(2024, 2, 29),
        time=dt.time(18, 45, 21),
        operation=T.OPERATION_ORDER,
        role=T.ROLE_SELLER,
        currency="RUB",
        exchange_rate=Decimal("1"),
        amount=Decimal("3241.00"),
        comment="Позвонить перед доставкой",
        payment_due=dt.date(2024, 3, 5),
        counterparties=[buyer(), seller()],
        lines=[delivery_line(), goods_line(1), goods_line(2)],
        taxes=[Tax(name="НДС", included=True, amount=Decimal("540.17"))],
        discounts=[Discount(name="Скидка на заказ", amount=Decimal("0"), included=False)],
        warehouses=[Warehouse(id="wh-1", name="Основной склад", address="Москва", comment="1")],
        requisites=[
            Requisite(name="Заказ оплачен", value="false"),
            Requisite(name="Статус заказа", value="[N] Принят"),
            Requisite(name="Комментарии покупателя", value=""),
        ],
    )
    for name, value in changes.items():
        setattr(document, name, value)
    return document


def subordinate_documents(order_id: str = "1001") -> list[Document]:
    """A 2.10 payment and shipment for ``full_document`` (``basis`` left to the nesting)."""
    payment = Document(
        id=f"{order_id}-payment",
        number="П-1",
        date=dt.date(2024, 3, 1),
        operation=T.OPERATION_CASHLESS_PAYMENT,
        role=T.ROLE_SELLER,
        currency="RUB",
        exchange_rate=Decimal("1"),
        amount=Decimal("3241.00"),
        counterparties=[buyer()],
        time=dt.time(9, 0, 0),
        requisites=[Requisite(name="Метод оплаты", value="Банковской картой")],
    )
    shipment = Document(
        id=f"{order_id}-shipment",
        number="О-1",
        date=dt.date(2024, 3, 2),
        operation=T.OPERATION_SHIPMENT,
        lines=[goods_line(1)],
        requisites=[Requisite(name="Способ доставки", value="Курьер")],
    )
    return [payment, shipment]


def write(documents: list[Document], **options: object) -> bytes:
    stream = io.BytesIO()
    options.setdefault("generated_at", GENERATED_AT)
    count = write_orders(stream, documents, **options)  # type: ignore[arg-type]
    assert count == len(documents)
    return stream.getvalue()


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def child_tags(element: etree._Element) -> list[str]:
    return [local(child) for child in element]


def find(element: etree._Element, path: str) -> etree._Element:
    """``element.find(path)``, which must exist."""
    found = element.find(path)
    assert found is not None, path
    return found


def lines_of(document: Document) -> list[OrderLine]:
    assert document.lines is not None
    return document.lines


def schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA_DIR / "xsd" / f"commerceml-{version}.xsd")))
