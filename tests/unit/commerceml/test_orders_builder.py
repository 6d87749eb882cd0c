"""``build_document``: a shop's order becomes the ``Документ`` 1C-Bitrix would write."""

import copy
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from lxml import etree

from cml_exchange.commerceml import order_requisites
from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Counterparty, OrderLine, Requisite, Unit
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.values import parse_datetime
from cml_exchange.commerceml.writing.orders import PIECE, SiteOrder, build_document
from cml_exchange.commerceml.writing.writer import NAMESPACE, SCHEMA_VERSIONS, write_orders
from tests.paths import DATA_DIR, sample

CREATED = dt.datetime(2021, 2, 11, 18, 45, 21, 123456)


def order(**changes: object) -> SiteOrder:
    """Order 132 of 1C-Bitrix's sample answer (``bitrix-query-response-full.xml``)."""
    fields: dict[str, object] = {
        "id": "132",
        "number": "132",
        "created": CREATED,
        "currency": "руб",
        "total": Decimal("231.7400"),
        "customer": Counterparty(id="38#catalog_exchange#"),
        "lines": [
            OrderLine(
                id="910e89e5-205e-4d95-872a-0a0255c42f02",
                catalog_id="42475bb5-958f-40dc-a99f-9ad996a27af1",
                name="Hello Kitty toothbrush for 3~6 years old,2pcs",
                price=Decimal("231.7400"),
                quantity=Decimal("1.0000"),
                amount=Decimal("231.74"),
            )
        ],
        "delivery_name": "Самовывоз",
        "delivery_id": "5",
        "payment_name": "При получении наличными или картой",
        "payment_method_id": "2",
        "status_id": "N",
        "status_name": "Принят, ожидается оплата",
        "status_changed_at": dt.datetime(2021, 2, 11, 18, 45, 21),
        "customer_comment": "Я повелитель порошочков",
        "site_id": "s1",
        "site_name": "Сайт по умолчанию",
    }
    fields.update(changes)
    return SiteOrder(**fields)  # type: ignore[arg-type]


def requisites(items: list[Requisite]) -> list[tuple[str, str]]:
    return [(item.name, item.value) for item in items]


def test_requisite_names_have_no_latin_look_alikes():
    names = {
        name: value for name, value in vars(order_requisites).items() if name.startswith("REQ_")
    }
    names["DELIVERY_LINE_NAME"] = order_requisites.DELIVERY_LINE_NAME
    assert len(names) == 24
    for name, value in names.items():
        assert re.fullmatch(r"[А-Яа-яЁё ]+", value), name


def test_the_header_is_bitrix_s():
    document = build_document(order(prefix="ИМ-"), "2.05")
    assert document.id == "132"
    assert document.number == "ИМ-132"
    assert document.date == dt.date(2021, 2, 11)
    assert document.time == dt.time(18, 45, 21)
    assert document.operation == "Заказ товара"
    assert document.role == "Продавец"
    assert document.currency == "руб"
    assert document.exchange_rate == 1
    assert document.amount == Decimal("231.74")
    assert document.version is None and document.number_1c is None
    assert document.subordinates == []


def test_the_number_defaults_to_the_id():
    assert build_document(order(number=None, prefix="A"), "2.05").number == "A132"


def test_the_buyer_gets_its_role_without_touching_the_input():
    source = order()
    document = build_document(source, "2.05")
    assert document.counterparties == [Counterparty(id="38#catalog_exchange#", role="Покупатель")]
    assert source.customer.role is None
    kept = build_document(order(customer=Counterparty(id="x", role="Плательщик")), "2.05")
    assert kept.counterparties[0].role == "Плательщик"


def test_goods_lines_get_bitrix_requisites_and_a_piece_unit():
    source = order()
    document = build_document(source, "2.05")
    assert document.lines is not None and len(document.lines) == 1  # free pickup: no delivery
    line = document.lines[0]
    assert requisites(line.requisites) == [
        ("ВидНоменклатуры", "Товар"),
        ("ТипНоменклатуры", "Товар"),
    ]
    assert line.unit == Unit(
        code="796", name_full="Штука", international_abbr="PCE", name_short="шт"
    )
    assert source.lines[0].requisites == [] and source.lines[0].unit is None


def test_a_line_keeps_its_own_unit_and_kind():
    own = OrderLine(
        id="p",
        unit=Unit(code="166", name_short="кг"),
        requisites=[Requisite(name="ВидНоменклатуры", value="Весовой")],
    )
    line = build_document(order(lines=[own]), "2.05").lines[0]
    assert line.unit == Unit(code="166", name_short="кг")
    assert requisites(line.requisites) == [
        ("ТипНоменклатуры", "Товар"),
        ("ВидНоменклатуры", "Весовой"),
    ]


def test_delivery_is_the_first_line():
    document = build_document(order(delivery_price=Decimal("340.00")), "2.05")
    assert document.lines is not None
    delivery = document.lines[0]
    assert delivery.id == "ORDER_DELIVERY" and delivery.is_delivery
    assert delivery.name == "Доставка заказа"
    assert (delivery.price, delivery.quantity, delivery.amount) == (340, 1, 340)
    assert delivery.unit == PIECE
    assert requisites(delivery.requisites) == [
        ("ВидНоменклатуры", "Услуга"),
        ("ТипНоменклатуры", "Услуга"),
    ]


@pytest.mark.parametrize("price", [None, Decimal(0)])
def test_no_delivery_line_without_a_delivery_price(price):
    document = build_document(order(delivery_price=price), "2.05")
    assert [line.id for line in document.lines or []] == ["910e89e5-205e-4d95-872a-0a0255c42f02"]


def test_requisites_match_bitrix_sample_answer():
    reference = etree.parse(str(sample("dobromyslov__commerceml-parser__data__bitrix"))).getroot()
    expected = [
        (item.findtext(T.NAME), item.findtext(T.VALUE))
        for item in reference.iterfind(f"{T.DOCUMENT}[1]/{T.REQUISITES}/{T.REQUISITE}")
    ]
    ours = requisites(build_document(order(), "2.05").requisites)

    assert [name for name, _ in ours] == [name for name, _ in expected]
    for (name, value), (_, reference_value) in zip(ours, expected, strict=True):
        if name == "Дата изменения статуса":  # Bitrix writes the site's locale format
            assert value == "2021-02-11 18:45:21"
            assert parse_datetime(value) == parse_datetime(reference_value)
        else:
            assert value == reference_value, name


def test_every_requisite_of_a_paid_shipped_canceled_order():
    document = build_document(
        order(
            paid=True,
            paid_at=dt.datetime(2021, 2, 12, 9, 0, 0),
            payment_number="ПП-7",
            delivery_allowed=True,
            delivery_allowed_at=dt.date(2021, 2, 13),
            canceled=True,
            canceled_at=dt.datetime(2021, 2, 14, 10, 0, 0),
            cancel_reason="Передумал",
            final=True,
            status_id="F",
            status_name="Выполнен",
            extra_requisites=[Requisite(name="Телефон", value="+7 900 000-00-00")],
            delivery_address="Москва, Тверская, 1",
        ),
        "2.08",
    )
    assert requisites(document.requisites) == [
        ("Дата оплаты", "2021-02-12 09:00:00"),
        ("Номер платежного документа", "ПП-7"),
        ("Дата разрешения доставки", "2021-02-13"),
        ("Способ доставки", "Самовывоз"),
        ("Метод доставки ИД", "5"),
        ("Метод оплаты", "При получении наличными или картой"),
        ("Метод оплаты ИД", "2"),
        ("Заказ оплачен", "true"),
        ("Доставка разрешена", "true"),
        ("Отменен", "true"),
        ("Финальный статус", "true"),
        ("Статус заказа", "[F] Выполнен"),
        ("Статуса заказа ИД", "F"),
        ("Дата отмены заказа", "2021-02-14 10:00:00"),
        ("Причина отмены", "Передумал"),
        ("Дата изменения статуса", "2021-02-11 18:45:21"),
        ("Комментарии покупателя", "Я повелитель порошочков"),
        ("Сайт", "[s1] Сайт по умолчанию"),
        ("Телефон", "+7 900 000-00-00"),
        ("Адрес доставки", "Москва, Тверская, 1"),
    ]


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("N", "Принят", "[N] Принят"),
        (None, "Принят", "Принят"),
        ("N", None, "[N]"),
        (None, None, None),
    ],
)
def test_status_is_code_in_brackets_and_name(code, name, expected):
    document = build_document(order(status_id=code, status_name=name), "2.05")
    assert document.requisite("Статус заказа") == expected


@pytest.mark.parametrize("version", ["2.08", "2.10"])
def test_version_and_1c_number_only_after_2_05(version):
    source = order(version="7", number_1c="ТД-1")
    assert build_document(source, version).version == "7"
    assert build_document(source, version).number_1c == "ТД-1"
    assert build_document(source, "2.05").version is None


def test_2_10_moves_payment_number_and_delivery_permission_to_subordinates():
    source = order(
        paid=True,
        paid_at=dt.datetime(2021, 2, 12, 9, 11, 4),
        payment_number="ПП-7",
        delivery_allowed=True,
        shipment_number="О-3",
        shipment_date=dt.date(2021, 2, 13),
        delivery_price=Decimal("340.00"),
        payment_operation=T.OPERATION_ACQUIRING,
    )
    document = build_document(source, "2.10")
    names = [item.name for item in document.requisites]
    assert "Номер платежного документа" not in names and "Доставка разрешена" not in names
    assert "Заказ оплачен" in names

    payment, shipment = document.subordinates
    assert payment.id == "132-payment" and shipment.id == "132-shipment"
    assert payment.basis == shipment.basis == "132"
    assert payment.operation == "Эквайринговая операция"
    assert (payment.number, payment.date, payment.time) == (
        "ПП-7",
        dt.date(2021, 2, 12),
        dt.time(9, 11, 4),
    )
    assert payment.amount == source.total and payment.lines is None
    assert requisites(payment.requisites) == [
        ("Метод оплаты ИД", "2"),
        ("Метод оплаты", "При получении наличными или картой"),
        ("Оплачен", "true"),
        ("Дата оплаты", "2021-02-12 09:11:04"),
        ("Номер платежного документа", "ПП-7"),
        ("Отменен", "false"),
    ]
    assert shipment.operation == "Отпуск товара"
    assert (shipment.number, shipment.date, shipment.time) == ("О-3", dt.date(2021, 2, 13), None)
    assert shipment.lines == document.lines and shipment.lines is not document.lines
    assert requisites(shipment.requisites)[:3] == [
        ("Метод доставки ИД", "5"),
        ("Способ доставки", "Самовывоз"),
        ("Доставка разрешена", "true"),
    ]


def test_3_1_builds_what_2_10_builds():
    """The writer, not the builder, puts 3.1's payment and shipment beside the order."""
    source = order(paid=True, paid_at=dt.datetime(2021, 2, 12, 9, 11, 4), delivery_allowed=True)
    built = build_document(source, "3.1")
    assert built == build_document(source, "2.10")
    assert [document.operation for document in built.subordinates] == [
        "Выплата безналичных денег",
        "Отпуск товара",
    ]


def test_2_10_without_payment_or_delivery_has_no_subordinates():
    bare = order(delivery_name=None, delivery_id=None, payment_name=None, payment_method_id=None)
    assert build_document(bare, "2.10").subordinates == []


def test_unknown_schema_version_is_refused():
    with pytest.raises(WriterError, match="не поддерживается"):
        build_document(order(), "2.09")


@pytest.mark.parametrize("version", ["2.08", "2.10"])
def test_built_documents_validate_against_the_official_xsd(version):
    source = order(
        currency="RUB",
        customer=Counterparty(id="38#catalog_exchange#", name="Иван", full_name="Иван Иванов"),
        total=Decimal("571.74"),
        delivery_price=Decimal("340.00"),
        paid=True,
        paid_at=dt.datetime(2021, 2, 12, 9, 11, 4),
        delivery_allowed=True,
    )
    stream = io.BytesIO()
    write_orders(
        stream, [build_document(source, version)], schema_version=version, namespace=NAMESPACE
    )
    xsd = etree.XMLSchema(etree.parse(str(DATA_DIR / "xsd" / f"commerceml-{version}.xsd")))
    assert xsd.validate(etree.fromstring(stream.getvalue())), xsd.error_log


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_the_input_order_is_never_changed(version):
    source = order(delivery_price=Decimal(10), paid=True)
    before = copy.deepcopy(source)
    document = build_document(source, version)
    for line in document.lines or []:
        line.requisites.clear()
        line.unit = None
    document.counterparties[0].name = "changed"
    document.requisites.clear()
    assert source == before


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_without_copies_the_input_order_is_still_not_changed_by_the_build(version):
    """``copy=False`` shares the order's entities; the goods lines it adds to are new objects."""
    source = order(delivery_price=Decimal(10), paid=True)
    before = copy.deepcopy(source)
    document = build_document(source, version, copy=False)
    assert source == before
    goods = [line for line in document.lines or [] if line.id == source.lines[0].id]
    assert goods and goods[0] is not source.lines[0] and goods[0].unit is not None


def test_the_exchange_s_prefix_and_currency_leave_the_adapter_s_order_as_it_is():
    source = order()
    before = copy.deepcopy(source)
    exported = source.exported("ИМ-", "руб.")
    assert (exported.full_number, exported.currency) == ("ИМ-132", "руб.")
    assert exported.lines == source.lines and source == before
    assert source.exported("", "") is source  # nothing to change: no copy
    assert source.exported("", "руб").currency == "руб"
    kept = source.exported("ИМ-")
    assert (kept.full_number, kept.currency) == ("ИМ-132", "руб")
