"""The buyer's order page never says a paid order waits for payment, nor the reverse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from cml_exchange.models import Order, OrderStatus
from example_shop.views import buyer_status
from tests.factories import OrderFactory
from tests.integration.orders.test_docs_sample import apply_sample, order_235

pytestmark = pytest.mark.django_db


def order_page(client: Client, order: Order) -> str:
    response = client.get("/order-status/", {"number": order.number, "email": order.customer.email})
    assert response.status_code == 200
    return response.content.decode()


def fact(html: str, element_id: str) -> str:
    """The text of the page's element ``element_id``."""
    found = re.search(rf'id="{element_id}">(.*?)</', html, re.S)
    assert found is not None, element_id
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_a_paid_order_in_n_is_not_awaiting_payment(client):
    order = OrderFactory.create(paid=True)
    assert order.status.name == "Принят, ожидается оплата"  # 1C paid it, the status stayed
    html = order_page(client, order)
    assert fact(html, "order-status") == "Принят"
    assert fact(html, "order-paid").startswith("Оплачен")
    assert "ожидается оплата" not in html.lower()


def test_an_unpaid_order_in_n_still_awaits_payment(client):
    order = OrderFactory.create(paid=False)
    html = order_page(client, order)
    assert fact(html, "order-status") == "Принят, ожидается оплата"
    assert fact(html, "order-paid").startswith("Не оплачен")


def test_a_refunded_order_in_p_is_not_said_to_be_paid(client):
    order = OrderFactory.create(status=OrderStatus.objects.get(code="P"), paid=False, refunded=True)
    html = order_page(client, order)
    assert fact(html, "order-status") == "Формируется к отправке"
    assert fact(html, "order-paid").startswith("Оплата возвращена")


def test_the_docs_sample_pays_order_235_and_its_page_agrees(client: Client, tmp_path: Path) -> None:
    order_235()
    apply_sample(tmp_path)  # docs/orders.md: paid by 1C, the status left at N
    html = order_page(client, Order.objects.get(pk=235))
    assert fact(html, "order-status") == "Принят"
    assert fact(html, "order-paid").startswith("Оплачен 29 июня 2015")
    assert "ожида" not in html


@pytest.mark.parametrize(
    ("name", "paid", "shown"),
    [
        ("Принят, ожидается оплата", True, "Принят"),
        ("Принят, ожидается оплата", False, "Принят, ожидается оплата"),
        ("Ожидает оплаты", True, "Принят"),
        ("Оплачен, формируется к отправке", True, "Оплачен, формируется к отправке"),
        ("Оплачен, формируется к отправке", False, "Формируется к отправке"),
        ("Выполнен", True, "Выполнен"),
        ("Не оплачен; собирается", True, "Собирается"),
    ],
)
def test_the_parts_of_a_status_name_that_say_otherwise_are_left_out(name, paid, shown):
    status = OrderStatus.objects.create(code="X", name=name, position=50)
    assert buyer_status(OrderFactory.build(status=status, paid=paid)) == shown


def test_a_canceled_order_is_canceled(client):
    order = OrderFactory.create(canceled=True, paid=True)
    assert fact(order_page(client, order), "order-status") == "Отменён"


def test_a_nul_character_in_the_number_or_email_finds_nothing(client):
    """What scanners send: PostgreSQL refuses a NUL in a string, the page must not fail."""
    order = OrderFactory.create()
    for number, email in ((f"{order.number}\x00", order.customer.email), ("\x00", "\x00@x.ru")):
        response = client.get("/order-status/", {"number": number, "email": email})
        assert response.status_code == 200
        assert "не найден" in response.content.decode()
