"""Orders and the exchange's order settings are usable in the admin."""

from __future__ import annotations

import pytest
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
