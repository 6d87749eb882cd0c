"""Oscar's orders to 1C and 1C's changes back, over the endpoint with the built-in client."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.contrib.oscar.models import OrderState
from cml_exchange.contrib.oscar.orders import OscarOrderAdapter, site_order
from cml_exchange.models import ExchangeSettings
from tests.integration.protocol.exchange import new_1c
from tests.oscar.cml import clothes
from tests.oscar.test_catalog import import_shop, oscar

pytestmark = pytest.mark.django_db

Basket: Any = get_model("basket", "Basket")
Country: Any = get_model("address", "Country")
ShippingAddress: Any = get_model("order", "ShippingAddress")
Order: Any = get_model("order", "Order")
Selector: Any = get_class("partner.strategy", "Selector")


@pytest.fixture
def order(tmp_path: Path, admin_user: Any, upload_root: Path) -> Any:
    """A buyer's checkout in Oscar: the coat and two small shirts, from the catalog 1C sent."""
    import_shop(tmp_path, clothes())
    basket = Basket.objects.create(owner=admin_user)
    basket.strategy = Selector().strategy()
    basket.add_product(oscar("Пальто шерстяное"), 1)
    basket.add_product(oscar("Рубашка льняная").children.get(title__endswith="(S)"), 2)
    country = Country.objects.create(iso_3166_1_a2="RU", name="Россия", is_shipping_country=True)
    address = ShippingAddress.objects.create(
        first_name="Иван",
        last_name="Петров",
        line1="ул. Ленина, 1",
        line4="Москва",
        postcode="101000",
        country=country,
    )
    placed = create_order(basket=basket, user=admin_user, shipping_address=address)
    placed.refresh_from_db()
    return placed


def documents(xml: bytes) -> list[Any]:
    root = etree.fromstring(xml)
    return [el for el in root.iter() if etree.QName(el).localname == "Документ"]


def text(element: Any, name: str) -> str | None:
    for child in element:
        if etree.QName(child).localname == name:
            return str(child.text)
    return None


def goods(document: Any) -> dict[str, tuple[str, str]]:
    found = {}
    for el in document.iter():
        if etree.QName(el).localname == "Товар" and text(el, "Ид") != "ORDER_DELIVERY":
            found[str(text(el, "Ид"))] = (str(text(el, "Количество")), str(text(el, "Сумма")))
    return found


def reply(order: Any, *requisites: tuple[str, str]) -> bytes:
    """1C's orders file about ``order``: the requisites 1C sets after it has worked on it."""
    values = "".join(
        f"<ЗначениеРеквизита><Наименование>{name}</Наименование><Значение>{value}</Значение>"
        "</ЗначениеРеквизита>"
        for name, value in requisites
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08" '
        'ДатаФормирования="2026-11-22T10:00:00">'
        f"<Документ><Ид>{order.pk}</Ид><Номер>{order.number}</Номер><Дата>2026-11-22</Дата>"
        "<ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><Валюта>руб</Валюта>"
        f"<Курс>1</Курс><Сумма>{order.total_incl_tax}</Сумма>"
        f"<ЗначенияРеквизитов>{values}</ЗначенияРеквизитов></Документ>"
        "</КоммерческаяИнформация>"
    ).encode()


def test_an_oscar_checkout_goes_to_1c_and_comes_back_paid_and_shipped(order: Any) -> None:
    settings = ExchangeSettings.load()
    settings.change_status_from_1c = True
    settings.save()
    onec = new_1c()
    sent = onec.exchange_orders(version="2.08")
    [document] = documents(sent.document)
    assert text(document, "Номер") == order.number
    assert Decimal(str(text(document, "Сумма"))) == order.total_incl_tax == Decimal("15981.00")
    assert goods(document) == {"coat": ("1", "12000.00"), "shirt#s": ("2", "3981.00")}
    assert documents(new_1c().exchange_orders(version="2.08").document) == []  # 1C has it

    answer = reply(
        order,
        ("Номер по 1С", "ЗК-000123"),
        ("Дата оплаты по 1С", "2026-11-22T10:00:00"),
        ("Номер оплаты по 1С", "ПП-17"),
        ("Дата отгрузки по 1С", "2026-11-23T09:00:00"),
        ("Статуса заказа ИД", "Отгружен"),
    )
    back = new_1c().exchange_orders(version="2.08", send=answer)
    assert back.errors == []
    order.refresh_from_db()
    [payment] = order.payment_events.all()
    assert (payment.event_type.name, payment.amount, payment.reference) == (
        "Оплачен в 1С",
        Decimal("15981.00"),
        "ПП-17",
    )
    [shipment] = order.shipping_events.all()
    assert shipment.event_type.name == "Отгружен в 1С"
    assert sorted(shipment.line_quantities.values_list("quantity", flat=True)) == [1, 2]
    # The shipment's status of the settings ("Выполнен", F), then the one 1C named.
    assert order.status == "Отгружен"
    assert list(order.status_changes.order_by("pk").values_list("new_status", flat=True)) == [
        "Выполнен",
        "Отгружен",
    ]
    assert order.cml_state.number_1c == "ЗК-000123"
    # 1C's own changes are not sent back; the site's next one is.
    assert documents(new_1c().exchange_orders(version="2.08").document) == []
    order.set_status("Выполнен")
    [again] = documents(new_1c().exchange_orders(version="2.08").document)
    assert text(again, "Номер") == order.number
    assert "true" in etree.tostring(again, encoding="unicode")  # paid, shipped


def apply(order_id: str, **fields: Any) -> list[str]:
    return OscarOrderAdapter().apply(OrderChanges(id=order_id, **fields), ExchangeSettings.load())


def test_1c_cancels_and_restores_an_order(order: Any) -> None:
    assert apply(str(order.pk), canceled=True, cancel_reason="Нет в наличии") == []
    order.refresh_from_db()
    assert order.status == "Отменен"
    assert order.cml_state.cancel_reason == "Нет в наличии"
    assert apply(str(order.pk), canceled=False) == []
    order.refresh_from_db()
    assert order.status == "Принят"


def test_what_1c_is_told(order: Any) -> None:
    assert apply("777") == ["Заказ №777 на сайте не найден."]
    settings = ExchangeSettings.load()
    settings.change_status_from_1c = True
    settings.save()
    assert apply(str(order.pk), number=order.number, status_name="Доставлен") == [
        f"Статус «Доставлен» заказа №{order.number} на сайте не найден; статус не изменен."
    ]
    assert apply(str(order.pk), number=order.number, lines=[]) == [
        f"Заказ №{order.number}: состав заказа в 1С отличается от сайта; на сайте (Oscar) "
        "товары заказа из 1С не меняются."
    ]


def test_a_discount_given_in_1c_is_told_not_dropped(order: Any) -> None:
    """Oscar's lines are not changed from 1C: a lower sum or total is said, as other goods are."""
    lines = site_order(order).lines
    assert (
        apply(str(order.pk), number=order.number, lines=lines, total=order.total_incl_tax) == []
    )  # as sent
    told = [
        f"Заказ №{order.number}: состав заказа в 1С отличается от сайта; на сайте (Oscar) "
        "товары заказа из 1С не меняются."
    ]
    assert lines[0].amount is not None
    cheaper = [dataclasses.replace(lines[0], amount=lines[0].amount - 10), *lines[1:]]
    assert (
        apply(str(order.pk), number=order.number, lines=cheaper, total=order.total_incl_tax - 10)
        == told
    )
    assert (
        apply(str(order.pk), number=order.number, lines=lines, total=order.total_incl_tax - 10)
        == told
    )


def test_an_echo_of_a_discounted_line_without_its_sum_is_no_change(order: Any) -> None:
    """1C gives the price before the discount and the discount, not the line's sum."""
    line = order.lines.first()
    type(line).objects.filter(pk=line.pk).update(
        line_price_incl_tax=line.line_price_incl_tax - 10,
        line_price_excl_tax=line.line_price_excl_tax - 10,
    )
    type(order).objects.filter(pk=order.pk).update(total_incl_tax=order.total_incl_tax - 10)
    order.refresh_from_db()
    bare = [dataclasses.replace(line, amount=None) for line in site_order(order).lines]
    assert apply(str(order.pk), number=order.number, lines=bare, total=order.total_incl_tax) == []


def test_a_document_seen_before_is_skipped(order: Any) -> None:
    apply(str(order.pk), version="5", paid=True)
    OrderState.objects.filter(order=order).update(paid_at=None)
    apply(str(order.pk), version="5", paid=True)
    assert order.payment_events.count() == 1


def test_a_payment_beside_its_order_keeps_the_orders_version(order: Any) -> None:
    apply(str(order.pk), version="5")
    apply(str(order.pk), paid=True)  # 3.1: the payment document of the order's Контейнер
    assert OrderState.objects.get(order=order).version_1c == "5"


def test_found_by_1c_id_once_1c_gave_one(order: Any) -> None:
    apply(str(order.pk), number_1c="ЗК-1")
    apply("1c-guid-1", number=order.number, posted=True)
    assert apply("1c-guid-1", paid=True) == []
    assert order.payment_events.count() == 1


def test_the_surest_way_to_name_an_oscar_order_wins(order: Any) -> None:
    """1C's id beats the site's id, which beats a number another order has."""
    other = Order.objects.get(pk=order.pk)
    other.pk, other.number = None, str(order.pk)
    other.save()
    OrderState.objects.update_or_create(order=order, defaults={"external_id": "1c-guid-1"})

    def posted() -> list[int]:
        return sorted(OrderState.objects.filter(posted_1c=True).values_list("order_id", flat=True))

    assert apply("1c-guid-1", number=other.number, posted=True) == []
    assert posted() == [order.pk]
    OrderState.objects.update(posted_1c=None)
    assert apply(str(other.pk), number=order.number, posted=True) == []
    assert posted() == [other.pk]
    OrderState.objects.update(posted_1c=None)
    assert apply("unknown", number=str(order.pk), posted=True) == []  # the number, not the id
    assert posted() == [other.pk]


def test_the_lists_1c_maps_its_own_to(admin_user: Any, upload_root: Path) -> None:
    onec = new_1c()
    onec.checkauth("sale")
    onec.init("sale", "2.08")
    info = etree.tostring(etree.fromstring(onec.info()), encoding="unicode")
    for status in ("Принят", "Оплачен", "Отгружен", "Выполнен", "Отменен"):
        assert status in info


def test_a_refund_in_1c_unpays_the_oscar_order_and_the_tracking_number_goes_back(
    order: Any,
) -> None:
    apply(str(order.pk), paid=True)
    refund = {"refund_reason": "Возврат товара", "tracking_number": "RA1234RU"}
    assert apply(str(order.pk), refunded=True, **refund) == []

    state = OrderState.objects.get(order=order)
    assert (state.paid_at, state.refund_reason, state.tracking_number) == (
        None,
        "Возврат товара",
        "RA1234RU",
    )
    assert [e.event_type.name for e in order.payment_events.order_by("pk")] == [
        "Оплачен в 1С",
        "Оплата возвращена в 1С",
    ]
    order.refresh_from_db()
    sent = OscarOrderAdapter().pending(ExchangeSettings.load())
    (outgoing,) = [o.order for o in sent if o.key == str(order.pk)]
    assert (outgoing.paid, outgoing.tracking_number) == (False, "RA1234RU")
