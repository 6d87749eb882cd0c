"""Each real 1C → site orders file, applied to the site's matching orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from cml_exchange.models import ExchangeSettings, Order, OrderStatus
from cml_exchange.orders.exchange import import_step
from tests.factories import OrderFactory, status_code
from tests.paths import DATA_DIR, sample

pytestmark = pytest.mark.django_db

CML31_FROM_1C = DATA_DIR / "cml31" / "orders_from_1c.xml"


def apply(path: Path, **options: Any) -> list[str]:
    settings = ExchangeSettings.load()
    for name, value in options.items():
        setattr(settings, name, value)
    settings.save()
    step = import_step(path, settings)
    assert step.position is None
    return step.messages


def local(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))  # type: ignore[arg-type]


def line(external_id: str, price: str, quantity: str = "1") -> dict[str, Any]:
    return {
        "external_id": external_id,
        "name": "Товар",
        "price": Decimal(price),
        "quantity": Decimal(quantity),
        "amount": Decimal(price) * Decimal(quantity),
    }


def test_to_xml_pays_allows_delivery_and_finishes_the_order() -> None:
    OrderFactory.create(
        id=20,
        number="20",
        delivery_price=Decimal("348"),
        lines=[line("cbcf498f-55bc-11d9-848a-00112f43529a", "9335.42")],
    )
    Order.objects.update(exported_version=F("version"))  # 1C has had it
    assert (
        apply(sample("carono__yii2-1c-exchange__files__xml__to"), change_status_from_1c=True) == []
    )
    order = Order.objects.get(pk=20)
    assert order.paid and order.paid_at == local(2007, 10, 16, 15, 44, 47)
    assert order.payment_number_1c == "ТК000000026"
    assert order.delivery_allowed and order.delivery_allowed_at == local(2007, 10, 16, 15, 51, 27)
    assert status_code(order) == "F"
    assert not order.canceled
    assert order.external_id == ""  # 1C echoed the site's own id
    assert not order.due_for_1c  # 1C's own change is not sent back to it


def test_unf_order_found_by_number_takes_1c_numbers_and_shipment() -> None:
    OrderStatus.objects.create(code="S", name="Отправлен", position=25)
    OrderFactory.create(
        id=501,
        number="13838",
        delivery_price=Decimal("405"),
        lines=[line("f37c0c86-28f7-11e2-8783-001d607b58e2", "370", "3")],
    )
    assert apply(sample("dicrtarasov"), change_status_from_1c=True) == []
    order = Order.objects.get(pk=501)
    assert order.external_id == "24c82d03-7149-11eb-80c0-7085c2ddb497"
    assert (order.number_1c, order.date_1c, order.posted_1c) == (
        "СА-013838",
        dt.date(2021, 2, 17),
        True,
    )
    assert order.paid and order.payment_number_1c == "НФНФ-000001"
    assert order.delivery_allowed and order.shipment_number_1c == "НФНФ-000001"
    assert order.shipped_at == local(2021, 2, 18, 9, 49, 2)
    assert status_code(order) == "S"  # "Статус заказа" by name
    assert order.lines.get().quantity == Decimal(3)


def test_ut11_statuses_by_id_and_the_shipment_status() -> None:
    OrderFactory.create(
        id=142,
        number="142",
        delivery_price=Decimal(0),
        lines=[
            line("cbcf493f-55bc-11d9-848a-00112f43529a", "3338"),
            line(
                "bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802", "3600"
            ),
        ],
    )
    OrderFactory.create(
        id=235,
        number="235",
        delivery_price=Decimal(500),
        lines=[
            line(
                "bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802", "3600"
            )
        ],
    )
    assert apply(sample("ArgentCrusade")) == []
    shipped, paid = Order.objects.get(pk=142), Order.objects.get(pk=235)
    # Statuses from 1C are off by default: the shipment moves 142 to F (the setting's default).
    assert status_code(shipped) == "F" and shipped.delivery_allowed
    assert shipped.shipment_number_1c == "ТДЦУ-000003"
    assert shipped.version_1c == "AAAAEAAAAAA="
    assert status_code(paid) == "N" and paid.paid and not paid.delivery_allowed
    assert paid.paid_at == local(2015, 6, 29, 16, 36, 25)


def test_ut11_status_ids_apply_when_allowed_and_versions_skip_repeats() -> None:
    OrderFactory.create(id=142, number="142", lines=[])
    OrderFactory.create(id=235, number="235", lines=[])
    apply(sample("ArgentCrusade"), change_status_from_1c=True)
    assert set(Order.objects.values_list("status__code", flat=True)) == {"P"}
    Order.objects.filter(pk=235).update(comment="изменено на сайте")
    versions = dict(Order.objects.values_list("pk", "version"))
    apply(sample("ArgentCrusade"), change_status_from_1c=True)  # same НомерВерсии: skipped
    assert dict(Order.objects.values_list("pk", "version")) == versions


def test_goods_of_a_paid_order_are_not_changed_and_1c_is_told() -> None:
    OrderFactory.create(
        id=142,
        number="142",
        paid=True,
        lines=[line("cbcf493f-55bc-11d9-848a-00112f43529a", "3000")],
    )
    OrderFactory.create(id=235, number="235", lines=[])
    messages = apply(sample("ArgentCrusade"))
    assert messages[0].startswith("Заказ №142 не может быть изменен")
    assert len(messages) == 1  # 235's goods differ too, but it can still change
    order = Order.objects.get(pk=142)
    assert order.lines.get().price == Decimal(3000)
    assert order.delivery_allowed  # the shipment still went in
    changed = Order.objects.get(pk=235)
    assert [(row.external_id, row.price) for row in changed.lines.all()] == [
        ("bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802", 3600)
    ]
    assert changed.delivery_price == Decimal(500)
    assert changed.total == Decimal("4100")


def test_status_only_updates_and_an_unknown_status() -> None:
    for pk in (36, 92, 93):
        OrderFactory.create(id=pk, number=str(pk), lines=[])
    messages = apply(
        sample("irpsv__commerceml__tests__assets__off-doc-1c__orders"), change_status_from_1c=True
    )
    assert messages == [
        "Статус «Открыт» заказа №92 на сайте не найден; статус не изменен.",
        "Статус «Открыт» заказа №93 на сайте не найден; статус не изменен.",
    ]
    status_only = Order.objects.get(pk=92)
    assert (status_only.number_1c, status_only.posted_1c) == ("MM92", True)
    assert status_only.lines.count() == 0  # no Товары: the goods were not touched
    full = Order.objects.get(pk=36)
    assert [row.external_id for row in full.lines.all()] == ["dee6e19a-55bc-11d9-848a-00112f43529a"]
    assert full.delivery_price == Decimal("340.00")


def test_unknown_orders_are_reported_in_bitrix_words() -> None:
    messages = apply(sample("irpsv__commerceml__tests__assets__off-doc-1c__orders"))
    assert messages == [
        "Заказ №36 на сайте не найден.",
        "Заказ №92 на сайте не найден.",
        "Заказ №93 на сайте не найден.",
    ]
    assert not Order.objects.exists()


def test_orders_made_in_1c_are_created_when_the_setting_allows() -> None:
    messages = apply(sample("dicrtarasov"), create_orders_from_1c=True)
    assert messages == []
    order = Order.objects.get()
    assert order.created_by_1c and order.number == "13838"
    assert order.external_id == "24c82d03-7149-11eb-80c0-7085c2ddb497"
    assert order.customer.external_id == "81c6c53b-4490-11e8-90de-b06ebf38f0a3"
    assert order.lines.get().amount == Decimal(1110)
    assert order.total == Decimal(1515) and order.paid
    assert not order.due_for_1c  # never sent back to the 1C that made it


def test_3_1_reply_pays_and_ships_by_the_documents_beside_the_order() -> None:
    """tests/data/cml31/orders_from_1c.xml: order 1001 paid and shipped in its Контейнер."""
    OrderFactory.create(
        id=1001,
        number="1001",
        delivery_price=Decimal(350),
        total=Decimal(12720),
        lines=[
            line("c8e854f8-6d97-11ef-8a1c-00155d0a1b01", "2690", "2"),
            line(
                "b0e02d33-7259-11ef-8a1c-00155d0a1b01#a9e658d8-6ecf-11ef-8a1c-00155d0a1b01", "6990"
            ),
        ],
    )
    Order.objects.update(exported_version=F("version"))  # 1C has had it
    assert apply(CML31_FROM_1C) == []
    order = Order.objects.get(pk=1001)
    assert (order.paid, order.paid_at, order.payment_number_1c) == (
        True,
        local(2025, 10, 15, 9, 12, 40),
        "00ЦБ-000342",
    )
    assert (order.delivery_allowed, order.shipped_at, order.shipment_number_1c) == (
        True,
        local(2025, 10, 15, 14, 5, 0),
        "РТУ-000518",
    )
    assert (order.number_1c, order.date_1c, order.posted_1c) == (
        "ЗК-000217",
        dt.date(2025, 10, 14),
        True,
    )
    assert order.version_1c == "AAAAAAAAAGQ="  # the payment and shipment keep the order's
    assert status_code(order) == "F"  # the shipment status of the settings
    assert order.external_id == "" and not order.due_for_1c

    assert apply(CML31_FROM_1C) == []  # the same file again: nothing is applied twice
    again = Order.objects.get(pk=1001)
    assert (again.version, again.updated) == (order.version, order.updated)
