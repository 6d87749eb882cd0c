"""What the buyer sees when 1C changes things under them.

A price 1C changes while the buyer fills in the checkout form is shown to
them before any order is placed.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from cml_exchange.client import ExchangeClient
from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, Shop
from tests.e2e.catalogs import make_catalog, offers_xml, write_catalog
from tests.e2e.test_sale_exchange import by_number, text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL = "petr.ivanov@example.ru"


def one_c(shop: Shop) -> ExchangeClient:
    return ExchangeClient(f"{shop.url}/1c_exchange.php", ADMIN, ADMIN_PASSWORD, timeout=60)


def fill_checkout(page: Page) -> None:
    page.get_by_label("Ф. И. О.").fill("Иванов Пётр Сергеевич")
    page.get_by_label("Телефон").fill("+7 903 111-22-33")
    page.get_by_label("Электронная почта").fill(EMAIL)
    page.get_by_label("Доставка").select_option(label="Курьер")
    page.get_by_label("Адрес доставки").fill("Тверь, ул. Советская, д. 1")


def test_a_price_1c_changes_during_checkout_is_shown_before_the_order_is_placed(
    shop: Shop, browser: Browser, tmp_path: Path
) -> None:
    catalog = make_catalog("checkout", 2)
    item = catalog.items[1]  # 101,10 ₽, 7 in stock
    one_c(shop).exchange_catalog(write_catalog(catalog, tmp_path / "unload"))

    page = browser.new_page(locale="ru-RU")
    page.goto(shop.url + "/search/?q=" + item.name)
    page.get_by_role("link", name=item.name).click()
    page.locator("#add-to-cart").click()
    page.locator("#checkout").click()
    expect(page.locator("main")).to_contain_text("Итого: 101,10\u00a0₽")
    fill_checkout(page)

    # While the buyer types, 1C raises the price.
    dearer = dataclasses.replace(item, price=Decimal(150))
    raised = dataclasses.replace(catalog, items=(catalog.items[0], dearer))
    offers = tmp_path / "raised" / "offers.xml"
    offers.parent.mkdir()
    offers.write_bytes(offers_xml(raised))
    one_c(shop).exchange_catalog([offers])

    page.locator("#place-order").click()
    # No order at a price the buyer never saw: the new one is shown, the form kept.
    expect(page.locator(".messages")).to_contain_text("изменились")
    expect(page.locator("main")).to_contain_text("Итого: 150\u00a0₽")
    expect(page.get_by_label("Адрес доставки")).to_have_value("Тверь, ул. Советская, д. 1")
    assert by_number(one_c(shop).exchange_orders(version="2.08").document) == {}

    # Agreed to, it is ordered at the price shown.
    page.locator("#place-order").click()
    expect(page.locator("h1")).to_contain_text("оформлен")
    expect(page.locator("main")).to_contain_text("Сумма заказа — 150\u00a0₽")
    fetched = by_number(one_c(shop).exchange_orders(version="2.08").document)
    assert [text(document, "Сумма") for document in fetched.values()] == ["150.0000"]
