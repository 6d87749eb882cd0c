"""The Oscar sandbox in headless Chromium: 1C's catalog in Oscar's storefront, an order back.

The sandbox (``oscar_shop``, as ``scripts/oscar`` sets it up with
``oscar_sandbox``) runs in a server process of its own. 1C (the built-in
client, over HTTP) uploads the demo shoes catalog → a guest finds the boots
in Oscar's catalogue (listed from its Whoosh index, which the adapter keeps
up), picks a size and checks out → 1C's ``sale`` query returns that order →
1C's orders file marks it paid and shipped → the buyer's order status page
and the shop owner's dashboard say so. Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from cml_exchange.client import ExchangeClient
from tests.browser.test_storefront_loop import PRODUCT, SIZE, catalog_of_1c
from tests.e2e.servers import (
    Server,
    create_postgres_database,
    drop_postgres_database,
    environment,
    manage,
    rows,
    suite_postgres_url,
)
from tests.e2e.test_sale_exchange import PAID_AND_SHIPPED, by_number, file_of_1c, status_document
from tests.e2e.test_sale_exchange import text as text_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL = "anna.sokolova@example.ru"


@dataclass
class Sandbox:
    """The Oscar sandbox served by ``runserver``, with the passwords ``oscar_sandbox`` made."""

    server: Server
    env: dict[str, str]
    vendor: str
    admin_password: str
    exchange_password: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A fresh sandbox on the suite's kind of database, set up as ``scripts/oscar`` does."""
    env = environment(tmp_path / "oscar.sqlite3", tmp_path / "exchange", tmp_path / "media")
    var = tmp_path / "var"
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "oscar_shop.settings",
            "OSCAR_SHOP_VAR_DIR": str(var),
            "WHOOSH_PATH": str(tmp_path / "whoosh"),
            "DEBUG": "on",  # runserver serves Oscar's CSS: the screenshots look right
        }
    )
    suite_url = suite_postgres_url()
    if suite_url is not None:
        env["DATABASE_URL"] = create_postgres_database(suite_url)
    try:
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "oscar_sandbox", "--no-demo")
        server = Server(env)
        server.start()
        try:
            yield Sandbox(
                server,
                env,
                "postgresql" if suite_url else "sqlite",
                (var / "admin-password.txt").read_text("utf-8").strip(),
                (var / "1c-password.txt").read_text("utf-8").strip(),
            )
        finally:
            server.kill()
    finally:
        if suite_url is not None:
            drop_postgres_database(env["DATABASE_URL"])


def shot(page: Page, screenshots: Path, sandbox: Sandbox, name: str) -> None:
    page.screenshot(path=screenshots / f"{sandbox.vendor}-oscar-{name}.png", full_page=True)


def test_from_1cs_catalog_through_oscars_checkout_to_a_paid_and_shipped_order(
    sandbox: Sandbox, browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    one_c = ExchangeClient(
        f"{sandbox.url}/1c_exchange.php", "1c", sandbox.exchange_password, timeout=120
    )
    uploaded = one_c.exchange_catalog(catalog_of_1c(tmp_path / "unload"))
    assert [item.name for item in uploaded.imported] == ["import.xml", "offers.xml"]

    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Oscar lists its catalogue from the search index: the adapter put the boots there.
    page.goto(sandbox.url + "/catalogue/")
    page.get_by_role("link", name=PRODUCT, exact=True).first.click()
    expect(page.locator("h1")).to_have_text(PRODUCT)
    expect(page.locator(".product_main .price_color")).to_contain_text("1 496,00")
    shot(page, screenshots, sandbox, "1-product")
    # Its sizes are Oscar's children; the buyer picks one and puts it in the basket.
    page.get_by_role("link", name=SIZE).click()
    expect(page.locator("h1")).to_have_text(SIZE)
    expect(page.locator(".product_main")).to_contain_text("19")  # in stock, as 1C said
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.goto(sandbox.url + "/basket/")
    expect(page.locator("#content_inner")).to_contain_text(SIZE)
    shot(page, screenshots, sandbox, "2-basket")

    # Oscar's checkout, as a guest: address, free delivery, no payment step, place the order.
    page.get_by_role("link", name="Перейти к оформлению").click()
    page.locator("#id_username").fill(EMAIL)
    page.locator("#id_options_0").check()  # a new customer, buying as a guest
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_label("Имя", exact=True).fill("Анна")
    page.get_by_label("Фамилия").fill("Соколова")
    page.get_by_label("Первая строка адреса").fill("ул. Лесная, д. 5, кв. 12")
    page.get_by_label("Город").fill("Москва")
    page.get_by_label("Почтовый индекс").fill("125047")
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_role("link", name="Продолжить").click()  # Oscar's payment page holds nothing
    page.get_by_role("button", name="Разместить заказ").click()
    expect(page.locator("h1")).to_contain_text("Подтверждение заказа")
    number = page.locator("h1").inner_text().split()[-1]
    shot(page, screenshots, sandbox, "3-placed")
    # Oscar took the boots from the stock 1C sent.
    assert rows(
        sandbox.env,
        "SELECT num_allocated FROM partner_stockrecord s JOIN catalogue_product p "
        "ON p.id = s.product_id WHERE p.title = %s",
        [SIZE],
    ) == [(1,)]

    # 1C fetches the order: exactly the one the buyer placed, with the size chosen.
    fetched = by_number(one_c.exchange_orders(version="2.08").document)
    assert list(fetched) == [number]
    document = fetched[number]
    goods = [text_of(line, "Наименование") for line in document.findall("{*}Товары/{*}Товар")]
    assert SIZE in goods
    assert text_of(document, "Сумма").startswith("1496")
    assert by_number(one_c.exchange_orders(version="2.08").document) == {}  # 1C has it now

    # 1C posts the order, takes the payment and ships it, then sends the order back.
    answer = file_of_1c(
        tmp_path, [status_document(text_of(document, "Ид"), number, PAID_AND_SHIPPED)]
    )
    assert one_c.exchange_orders(version="2.08", send=answer).errors == []

    # The buyer's order status page (the link on the confirmation page) shows 1C's status.
    page.goto(sandbox.url + "/checkout/thank-you/")
    page.get_by_role("link", name="Проверить статус заказа").click()
    page.get_by_label("Адрес электронной почты").fill(EMAIL)
    page.get_by_role("button").filter(has_text="Submit").click()
    expect(page.locator("h1")).to_contain_text(number)
    # The order's status from 1C's shipment, and the line's from its shipping event.
    expect(page.locator("#content_inner")).to_contain_text("Статус\nВыполнен")
    expect(page.locator("#content_inner table").nth(1)).to_contain_text("Отгружен в 1С")
    shot(page, screenshots, sandbox, "4-status")

    # The shop owner sees 1C's payment and shipment in Oscar's dashboard.
    page.goto(sandbox.url + "/accounts/login/")
    page.locator("#id_login-username").fill("admin@example.com")
    page.locator("#id_login-password").fill(sandbox.admin_password)
    page.locator("button[name=login_submit]").click()
    page.goto(f"{sandbox.url}/dashboard/orders/{number}/")
    events = page.locator(".tab-pane#lines")  # "Состав заказа": lines, then the events
    expect(events).to_contain_text("Отгружен в 1С")
    expect(events).to_contain_text("РН-000067")  # 1C's shipment number
    expect(events).to_contain_text("Оплачен в 1С")
    expect(events).to_contain_text("ПП-000045")  # 1C's payment number
    shot(page, screenshots, sandbox, "5-dashboard")
    # Shipped: the status the exchange settings give a shipped order (Bitrix's F, "Выполнен").
    assert rows(sandbox.env, "SELECT status FROM order_order WHERE number = %s", [number]) == [
        ("Выполнен",)
    ]
    context.close()
