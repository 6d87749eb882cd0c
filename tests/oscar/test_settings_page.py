"""The exchange settings page of an Oscar shop: what Oscar's orders do not use is said so."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cml_exchange.models import ExchangeSettings
from tests.integration.settings.test_settings_page import settings_form, settings_url

pytestmark = pytest.mark.django_db

NOT_APPLIED = (
    "export_storefronts",
    "export_delivery_allowed_only",
    "export_from_status",
    "create_orders_from_1c",
)


def _tag(html: str, name: str) -> str:
    """The first input or select the page renders for the field ``name``."""
    found = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
    assert found is not None, name
    return found.group(0)


def test_the_orders_options_oscar_does_not_apply_are_disabled_and_said_so(
    admin_client: Client,
) -> None:
    """An owner ticking "only orders with delivery allowed" saw every Oscar order go to 1C."""
    html = admin_client.get(settings_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    for name in NOT_APPLIED:
        assert " disabled" in _tag(html, name), name
    for name in ("export_paid_only", "number_prefix", "shipment_status"):
        assert " disabled" not in _tag(html, name), name
    note = "Не действует: заказы магазина ведет OscarOrderAdapter"
    assert html.count(note) == len(NOT_APPLIED)


def test_saving_the_page_keeps_what_is_stored_in_the_options_oscar_does_not_apply(
    admin_client: Client,
) -> None:
    settings = ExchangeSettings.load()
    settings.create_orders_from_1c = True
    settings.save()
    form = settings_form(admin_client, number_prefix="OS-")
    form.pop("create_orders_from_1c")  # a disabled box is not sent
    form["export_delivery_allowed_only"] = "on"  # nor taken when a hand-made post sends it
    assert admin_client.post(settings_url(), form).status_code == 302
    settings = ExchangeSettings.load()
    assert settings.number_prefix == "OS-"
    assert settings.create_orders_from_1c is True
    assert settings.export_delivery_allowed_only is False
