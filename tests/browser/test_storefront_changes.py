"""What the buyer sees when 1C changes things under them.

A price 1C changes while the buyer fills in the checkout form is shown to
them before any order is placed; what 1C did to an order (a discount, the
delivery's price) shows on the buyer's order page, in Russian whatever the
browser's language.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import Browser, Page, expect

from cml_exchange.client import ExchangeClient
from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, Shop
from tests.browser.test_storefront_loop import PRODUCT, SIZE, catalog_of_1c
from tests.e2e.catalogs import make_catalog, offers_xml, write_catalog
from tests.e2e.test_sale_exchange import DELIVERY, add_requisites, by_number, file_of_1c, text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL = "petr.ivanov@example.ru"
#: A date as it reads in Russian: "8 декабря 2026".
RUSSIAN_DATE = re.compile(
    r"\d{1,2} (января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
    r" \d{4}"
)


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


def test_the_order_page_shows_1cs_discount_and_delivery_in_russian(
    shop: Shop, browser: Browser, tmp_path: Path, screenshots: Path
) -> None:
    one_c(shop).exchange_catalog(catalog_of_1c(tmp_path / "unload"))
    page = browser.new_page(locale="en-US")  # a buyer whose browser speaks English
    page.goto(shop.url + "/")
    page.get_by_role("link", name=PRODUCT).click()
    page.locator(".offer", has_text=SIZE).locator("input[type=radio]").check()
    page.locator("input[name=quantity]").fill("2")
    page.locator("#add-to-cart").click()
    page.locator("#checkout").click()
    fill_checkout(page)
    page.get_by_label("Электронная почта").fill("petr@example")  # the browser lets it through
    page.locator("#place-order").click()
    expect(page.locator(".errorlist")).to_contain_text("Введите правильный адрес")
    page.get_by_label("Электронная почта").fill(EMAIL)
    page.locator("#place-order").click()
    number = page.locator("#order-number").inner_text()

    # 1C gives 100 ₽ off the line and charges 300 ₽ for the delivery: 2 × 1 496 − 100 + 300.
    (sent,) = by_number(one_c(shop).exchange_orders(version="2.08").document).values()
    document = copy.deepcopy(sent)
    (line,) = document.findall("{*}Товары/{*}Товар")
    line.find("{*}Сумма").text = "2892"  # type: ignore[union-attr]
    discount = etree.SubElement(etree.SubElement(line, "Скидки"), "Скидка")
    for tag, value in (("Наименование", "Скидка"), ("Сумма", "100"), ("УчтеноВСумме", "true")):
        etree.SubElement(discount, tag).text = value
    goods, total = document.find("{*}Товары"), document.find("{*}Сумма")
    assert goods is not None and total is not None
    delivery = etree.SubElement(goods, "Товар")
    for tag, value in (
        ("Ид", DELIVERY),
        ("Наименование", "Доставка заказа"),
        ("ЦенаЗаЕдиницу", "300"),
        ("Количество", "1"),
        ("Сумма", "300"),
    ):
        etree.SubElement(delivery, tag).text = value
    total.text = "3192"
    add_requisites(document, {"Номер по 1С": "ЗК-000321", "Проведен": "true"})
    answer = file_of_1c(tmp_path, [document])
    assert one_c(shop).exchange_orders(version="2.08", send=answer).errors == []

    page.goto(f"{shop.url}/order-status/?number={number}&email={EMAIL}")
    expect(page.locator("main")).to_contain_text("Итого: 3\u00a0192\u00a0₽")
    # What makes the total: the line with its discount, and the delivery.
    expect(page.locator("table.lines")).to_contain_text("скидка 100\u00a0₽")
    expect(page.locator("#order-delivery")).to_contain_text("300\u00a0₽")
    heading = page.locator("h2").inner_text()
    assert RUSSIAN_DATE.search(heading), heading
    page.screenshot(path=screenshots / f"{shop.vendor}-storefront-order-by-1c.png", full_page=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_checkout_sent_several_times_at_once_places_one_order(
    shop: Shop, browser: Browser, tmp_path: Path
) -> None:
    """A double click on a slow server, a proxy's retry: the same form arrives again."""
    catalog = make_catalog("twice", 2)
    item = catalog.items[1]
    one_c(shop).exchange_catalog(write_catalog(catalog, tmp_path / "unload"))
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.goto(shop.url + "/search/?q=" + item.name)
    page.get_by_role("link", name=item.name).click()
    page.locator("#add-to-cart").click()
    page.locator("#checkout").click()
    fill_checkout(page)
    form = [
        (name, value)
        for name, value in page.evaluate(
            "[...new FormData(document.getElementById('checkout-form'))]"
        )
    ]
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    context.close()

    opener = urllib.request.build_opener(_NoRedirect)
    start = threading.Barrier(4)

    def submit(_: int) -> tuple[int, str]:
        request = urllib.request.Request(
            shop.url + "/checkout/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Cookie": cookies, "Referer": shop.url + "/checkout/"},
        )
        start.wait()
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, ""
        except urllib.error.HTTPError as answer:  # the redirect, not followed
            return answer.code, answer.headers.get("Location", "")

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(submit, range(4)))

    fetched = by_number(one_c(shop).exchange_orders(version="2.08").document)
    assert len(fetched) == 1, answers
    (number,) = fetched
    # Every submission ends on the confirmation of the one order.
    assert answers == [(302, f"/checkout/done/{number}/")] * 4
