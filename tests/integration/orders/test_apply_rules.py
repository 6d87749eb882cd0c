"""The rules of applying 1C's changes, one at a time, with documents made for the purpose."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import F

from cml_exchange.commerceml.entities import Document, OrderLine, Requisite
from cml_exchange.commerceml.reading.order_changes import read_changes
from cml_exchange.commerceml.writing.writer import write_orders
from cml_exchange.models import ExchangeSettings, Order, OrderStatus
from cml_exchange.orders.apply import apply_changes
from cml_exchange.orders.exchange import import_step
from tests.factories import OrderFactory, status_code
from tests.paths import sample

pytestmark = pytest.mark.django_db


def order_document(order_id: str, *requisites: tuple[str, str], **fields: object) -> Document:
    return Document(
        id=order_id,
        number=order_id,
        operation="Заказ товара",
        requisites=[Requisite(name=name, value=value) for name, value in requisites],
        **fields,  # type: ignore[arg-type]
    )


def apply(document: Document, **options: object) -> list[str]:
    settings = ExchangeSettings.load()
    for name, value in options.items():
        setattr(settings, name, value)
    return apply_changes(read_changes(document), settings)


def seen_by_1c(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(exported_version=F("version"))
    order.refresh_from_db()
    return order


def test_cancel_and_uncancel() -> None:
    order = seen_by_1c(OrderFactory.create(id=10))
    apply(order_document("10", ("ПометкаУдаления", "true"), ("Причина отмены", "Нет в наличии")))
    order.refresh_from_db()
    assert order.canceled and order.cancel_reason == "Нет в наличии" and order.canceled_at
    apply(order_document("10", ("Отменен", "false")))
    order.refresh_from_db()
    assert not order.canceled and order.canceled_at is None and order.cancel_reason == ""
    assert not order.due_for_1c


def test_a_site_change_1c_has_not_seen_still_goes_to_1c() -> None:
    order = seen_by_1c(OrderFactory.create(id=11))
    order.customer_comment = "Позвоните заранее"
    order.save()  # the site's change, not yet sent
    apply(order_document("11", ("Проведен", "true")))
    order.refresh_from_db()
    assert order.posted_1c is True
    assert order.due_for_1c  # 1C's change did not swallow the site's


def test_the_shipment_status_is_set_once_when_delivery_becomes_allowed() -> None:
    order = seen_by_1c(OrderFactory.create(id=12))
    shipped = order_document("12", ("Дата отгрузки по 1С", "2026-11-22T08:00:00"))
    apply(shipped)
    order.refresh_from_db()
    assert status_code(order) == "F" and order.delivery_allowed
    later = OrderStatus.objects.create(code="D", name="Доставлен", position=40)
    Order.objects.filter(pk=12).update(status=later)
    apply(shipped)  # 1C sends the same shipment again: the site's later status stays
    order.refresh_from_db()
    assert order.status == later


def test_no_shipment_status_when_the_setting_is_empty() -> None:
    seen_by_1c(OrderFactory.create(id=13))
    apply(order_document("13", ("Отгружен", "true")), shipment_status=None)
    order = Order.objects.get(pk=13)
    assert order.delivery_allowed and status_code(order) == "N"


def test_numbers_with_the_prefix_find_the_order() -> None:
    OrderFactory.create(id=500, number="77")
    document = order_document("1C-GUID", ("Дата оплаты по 1С", "2026-11-22"))
    document.number = "ИМ-77"
    assert apply(document, number_prefix="ИМ-") == []
    order = Order.objects.get(pk=500)
    assert order.paid and order.external_id == "1C-GUID"
    document.number = "other"  # found again by the 1C id it now has
    apply(order_document("1C-GUID", ("Проведен", "false")))
    assert Order.objects.get(pk=500).posted_1c is False


@pytest.mark.parametrize(
    ("document_id", "number", "found"),
    [
        ("1C-GUID", "501", 600),  # 1C's id it stored beats the number of another order
        ("601", "501", 601),  # the site's id beats the number of another order
        ("unknown", "501", 602),  # the number
        ("unknown", "ИМ-602", 604),  # the number without the prefix beats the site's id
        ("unknown", "ИМ-603", 603),  # the number as the site's id
    ],
)
def test_the_surest_way_to_name_an_order_wins(document_id: str, number: str, found: int) -> None:
    """Each order below is named by the document one way; only the surest counts."""
    OrderFactory.create(id=600, number="A-600", external_id="1C-GUID")
    OrderFactory.create(id=601, number="A-601")
    OrderFactory.create(id=602, number="501")
    OrderFactory.create(id=603, number="A-603")
    OrderFactory.create(id=604, number="602")
    OrderFactory.create(id=605, number="A-605", external_id="1C-GUID")  # the lower id wins
    Order.objects.update(exported_version=F("version"))
    document = order_document(document_id, ("Проведен", "true"))
    document.number = number
    assert apply(document, number_prefix="ИМ-") == []
    assert list(Order.objects.filter(posted_1c=True).values_list("pk", flat=True)) == [found]


def test_line_changes_while_the_order_can_change() -> None:
    order = seen_by_1c(OrderFactory.create(id=14))
    goods = [
        OrderLine(
            id="cbcf493f-55bc-11d9-848a-00112f43529a",
            name="Вентилятор",
            price=Decimal(950),
            quantity=Decimal(3),
            amount=Decimal(2850),
        ),
        OrderLine(
            id="new-offer",
            name="Новый товар",
            price=Decimal(100),
            quantity=Decimal(1),
            amount=Decimal(100),
        ),
        OrderLine(
            id="ORDER_DELIVERY",
            name="Доставка",
            price=Decimal(0),
            quantity=Decimal(1),
            amount=Decimal(0),
        ),
    ]
    assert apply(order_document("14", lines=goods, amount=Decimal(2950))) == []
    order.refresh_from_db()
    rows = [(row.external_id, row.quantity, row.price) for row in order.lines.all()]
    assert rows == [
        ("cbcf493f-55bc-11d9-848a-00112f43529a", 3, 950),
        ("new-offer", 1, 100),
    ]  # the boots 1C dropped are gone
    assert (order.delivery_price, order.total) == (Decimal(0), Decimal(2950))
    assert not order.due_for_1c


def test_a_final_status_freezes_the_goods() -> None:
    OrderFactory.create(id=15, status=OrderStatus.objects.get(code="F"))
    goods = [OrderLine(id="x", name="x", price=Decimal(1), quantity=Decimal(1))]
    (message,) = apply(order_document("15", lines=goods))
    assert message.startswith("Заказ №15 не может быть изменен")
    assert Order.objects.get(pk=15).lines.count() == 2


def test_top_level_2_10_payment_documents_pay_their_order(tmp_path: Path) -> None:
    OrderFactory.create(id=16)
    payment = Document(
        id="pay-1",
        number="ПКО-16",
        date=dt.date(2026, 11, 23),
        operation="Выплата наличных денег",
        basis="16",
        requisites=[Requisite(name="Проведен", value="true")],
    )
    orphan = Document(id="pay-2", operation="Выплата наличных денег")
    path = tmp_path / "payments.xml"
    with path.open("wb") as out:
        write_orders(out, [payment, orphan], schema_version="2.10")
    step = import_step(path, ExchangeSettings.load())
    assert step.messages == [
        "Документ с Ид - pay-2. Заказ основание для оплаты или отгрузки не указан."
    ]
    order = Order.objects.get(pk=16)
    assert order.paid and order.payment_number_1c == "ПКО-16"


def test_import_in_steps_resumes_from_the_position() -> None:
    for pk in (36, 92, 93):
        OrderFactory.create(id=pk, number=str(pk), lines=[])
    path = sample("irpsv__commerceml__tests__assets__off-doc-1c__orders")
    settings = ExchangeSettings.load()
    positions = []
    step = import_step(path, settings, budget=1e-9)  # the smallest step: one document
    while step.position is not None:
        positions.append(step.position)
        step = import_step(path, settings, start=step.position, budget=1e-9)
    assert positions == [1, 2]
    assert set(Order.objects.values_list("number_1c", flat=True)) == {"", "MM92", "MM93"}


def test_a_long_numeric_1c_id_is_not_taken_for_a_site_id() -> None:
    OrderFactory.create(id=17, number="17")
    document = order_document("12345678901234567890123", ("Проведен", "true"))
    document.number = "17"
    assert apply(document) == []  # found by its number; the id did not break the lookup
    assert Order.objects.get(pk=17).external_id == "12345678901234567890123"


def test_a_discount_too_large_to_hold_refuses_the_document_with_its_name() -> None:
    """Price and quantity that fit, their product (the line's implied discount) not."""
    order = seen_by_1c(OrderFactory.create(number="40"))
    lines = list(order.lines.values_list("amount", flat=True))
    huge = OrderLine(
        id="x", name="Чайник", price=Decimal("1e14"), quantity=Decimal("1e14"), amount=Decimal(5)
    )
    assert apply(order_document(str(order.pk), lines=[huge])) == [
        f"Заказ №{order.pk} не загружен: скидка на товар «Чайник» «9999999999999999999999999995» "
        "больше допустимого (999 999 999 999 999)."
    ]
    assert list(order.lines.values_list("amount", flat=True)) == lines
