"""The whole loop in headless Chromium: 1C's catalog goes on sale, a buyer orders, 1C answers.

1C (the built-in client, over HTTP) uploads a catalog to a live example
shop → a buyer finds a product in the storefront and orders it through the
browser → 1C's ``sale`` query returns that order → 1C's orders file marks it
paid and shipped → the buyer's order status page says so. Screenshots of
every page go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from cml_exchange.client import ExchangeClient
from example_shop.demo_catalog import DEMO_DIR, draw_missing_pictures
from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, Shop
from tests.e2e.test_sale_exchange import (
    PAID_AND_SHIPPED,
    by_number,
    file_of_1c,
    status_document,
    text,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PRODUCT = "Женские ботфорты коричневые"
SIZE = "Женские ботфорты коричневые (39)"
EMAIL = "anna.sokolova@example.ru"


def catalog_of_1c(folder: Path) -> list[Path]:
    """The demo's shoes catalog as 1C would unload it: two XML files and their pictures."""
    folder.mkdir()
    files = []
    for name in ("import.xml", "offers.xml"):
        shutil.copyfile(DEMO_DIR / "shoes" / name, folder / name)
        draw_missing_pictures(folder / name)
        files.append(folder / name)
    return files


def shot(page: Page, screenshots: Path, shop: Shop, name: str) -> None:
    page.screenshot(path=screenshots / f"{shop.vendor}-storefront-{name}.png", full_page=True)


def test_from_1cs_catalog_to_a_paid_and_shipped_order(
    shop: Shop, browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    one_c = ExchangeClient(f"{shop.url}/1c_exchange.php", ADMIN, ADMIN_PASSWORD, timeout=60)
    uploaded = one_c.exchange_catalog(catalog_of_1c(tmp_path / "unload"))
    assert [item.name for item in uploaded.imported] == ["import.xml", "offers.xml"]

    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(shop.url + "/")
    expect(page.locator("aside.tree")).to_contain_text("Обувь")
    shot(page, screenshots, shop, "1-home")

    # The buyer browses to the boots: a group, then the product with its sizes.
    page.locator("aside.tree a", has_text="Обувь").first.click()
    page.get_by_role("link", name=PRODUCT).click()
    expect(page.locator("h1")).to_have_text(PRODUCT)
    expect(page.locator(".offer", has_text=SIZE)).to_contain_text("1\u00a0496\u00a0₽")
    expect(page.locator(".offer", has_text=SIZE)).to_contain_text("В наличии: 19")
    expect(page.locator(".thumbs img")).to_have_count(3)  # the pictures 1C uploaded
    page.locator(".offer", has_text=SIZE).locator("input[type=radio]").check()
    shot(page, screenshots, shop, "2-product")
    page.locator("#add-to-cart").click()

    expect(page.locator("#cart-total")).to_have_text("1\u00a0496\u00a0₽")
    expect(page.locator("#cart-link")).to_have_text("Корзина (1)")
    shot(page, screenshots, shop, "3-cart")
    page.locator("#checkout").click()

    page.get_by_label("Ф. И. О.").fill("Соколова Анна Петровна")
    page.get_by_label("Телефон").fill("+7 916 000-11-22")
    page.get_by_label("Электронная почта").fill(EMAIL)
    page.get_by_label("Доставка").select_option(label="Курьер")
    page.get_by_label("Адрес доставки").fill("Москва, ул. Лесная, д. 5, кв. 12")
    page.get_by_label("Оплата").select_option(label="Банковская карта")
    shot(page, screenshots, shop, "4-checkout")
    page.locator("#place-order").click()
    expect(page.locator("h1")).to_contain_text("оформлен")
    number = page.locator("#order-number").inner_text()
    shot(page, screenshots, shop, "5-placed")

    # 1C fetches the order: exactly the one the buyer placed, with the size chosen.
    fetched = by_number(one_c.exchange_orders(version="2.08").document)
    assert list(fetched) == [number]
    document = fetched[number]
    goods = [text(line, "Наименование") for line in document.findall("{*}Товары/{*}Товар")]
    assert goods == [SIZE]
    assert text(document, "Сумма").startswith("1496")

    # 1C posts the order, takes the payment and ships it, then sends the order back.
    answer = file_of_1c(tmp_path, [status_document(text(document, "Ид"), number, PAID_AND_SHIPPED)])
    result = one_c.exchange_orders(version="2.08", send=answer)
    assert result.errors == []

    page.goto(shop.url + "/order-status/")
    page.get_by_label("Номер заказа").fill(number)
    page.get_by_label("Электронная почта").fill(EMAIL.upper())
    page.get_by_role("button", name="Найти заказ").click()
    expect(page.locator("#order-paid")).to_contain_text("Оплачен")
    expect(page.locator("#order-shipped")).to_contain_text("Отгружен")
    expect(page.locator("#order-facts")).to_contain_text("Номер в 1С: ЗК-000123")
    shot(page, screenshots, shop, "6-status")
    context.close()

    # On a phone the same pages fit the screen: nothing scrolls sideways.
    phone = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    for path in ("/", "/search/?q=ботфорты", "/order-status/"):
        page.goto(shop.url + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    page.goto(shop.url + "/")
    page.get_by_role("link", name=PRODUCT).click()
    expect(page.locator("#add-to-cart")).to_be_visible()  # the product's page, loaded
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, screenshots, shop, "7-phone-product")
    phone.close()
