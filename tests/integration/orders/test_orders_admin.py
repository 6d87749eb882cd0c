"""Orders and the exchange's order settings are usable in the admin."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from cml_exchange.models import ExchangeSettings, Order, OrderStatus
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_order_list_finds_by_1c_number_and_shows_what_1c_has(admin_client: Client) -> None:
    OrderFactory.create(number="1001", number_1c="СА-013838")
    OrderFactory.create(number="1002")
    url = reverse("admin:cml_exchange_order_changelist")
    page = admin_client.get(url, {"q": "СА-013838"})
    assert page.context["cl"].result_count == 1
    assert "1001" in page.content.decode()
    order = Order.objects.get(number="1002")
    page = admin_client.get(reverse("admin:cml_exchange_order_change", args=[order.pk]))
    assert page.status_code == 200
    assert "Ботинки женские, 38" in page.content.decode()  # the lines inline


def test_order_settings_are_saved_from_the_settings_page(admin_client: Client) -> None:
    settings = ExchangeSettings.load()
    url = reverse("admin:cml_exchange_exchangesettings_change", args=[settings.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        catalog_groups=[],
        sale_groups=[],
        export_storefronts=[],
        number_prefix="ИМ-",
        export_paid_only="on",
        export_from_status=OrderStatus.objects.get(code="P").pk,
        shipment_status=OrderStatus.objects.get(code="F").pk,
        orders_encoding="utf-8",
    )
    for flag in ("use_zip", "use_checksums", "slug_on_add", "slug_on_update"):
        data[flag] = "on"
    data = {key: value for key, value in data.items() if value is not False}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    settings.refresh_from_db()
    assert settings.number_prefix == "ИМ-" and settings.export_paid_only
    assert settings.export_from_status is not None and settings.export_from_status.code == "P"
    assert settings.orders_encoding == "utf-8"
    assert settings.replace_currency == "руб."  # Bitrix's default kept


def test_export_to_1c_again_makes_confirmed_orders_due(admin_client: Client) -> None:
    sent = OrderFactory.create(number="1")
    other = OrderFactory.create(number="2")
    Order.objects.update(exported_version=F("version"))
    page = admin_client.post(
        reverse("admin:cml_exchange_order_changelist"),
        {"action": "export_again", "_selected_action": [sent.pk]},
        follow=True,
    )
    assert page.status_code == 200
    sent.refresh_from_db()
    other.refresh_from_db()
    assert sent.due_for_1c and not other.due_for_1c


def test_an_order_edited_in_the_admin_goes_to_1c_with_its_new_status(admin_client: Client) -> None:
    order = OrderFactory.create(number="3")
    Order.objects.update(exported_version=F("version"))
    url = reverse("admin:cml_exchange_order_change", args=[order.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if not isinstance(value, bool)
    }
    data.update(
        {name: "on" for name, value in form.initial.items() if value is True},
        status=OrderStatus.objects.get(code="P").pk,
        created_0="2026-11-20",
        created_1="14:30:05",
        **{"lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"},
    )
    for name in ("paid_at", "delivery_allowed_at", "shipped_at", "canceled_at"):
        data.pop(name, None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.status is not None and order.status.code == "P"
    assert order.status_changed is not None
    assert order.due_for_1c
