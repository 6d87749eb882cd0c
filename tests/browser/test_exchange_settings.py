"""The admin's step interval, changed in a real browser, governs 1C's next exchange.

The proof can fail: at the 1-second interval the shop starts with, the
catalog's import takes several ``import`` requests; after the browser sets
the interval to 0, the next catalog of the same size takes exactly one, and
that one request works longer than the old interval would have let it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from benchmarks.generator import generate_catalog
from cml_exchange.client import CatalogResult, ExchangeClient, Imported
from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, Shop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Products in each catalog: several 1-second steps even at the importer's best speed.
PRODUCTS = 6000
BITRIX_LABEL = "Интервал одного шага в секундах (0 - выполнять загрузку за один шаг)"
LABEL = "step interval, seconds (0: load in one step)"


def exchange(shop: Shop, catalog: Path) -> CatalogResult:
    """1C's whole catalog exchange with the shop, by the built-in client over HTTP."""
    client = ExchangeClient(f"{shop.url}/1c_exchange.php", ADMIN, ADMIN_PASSWORD, timeout=60)
    return client.exchange_catalog([catalog / "import.xml"])


def imported(result: CatalogResult, name: str) -> Imported:
    (item,) = (item for item in result.imported if item.name == name)
    return item


def open_admin(page: Page, shop: Shop, path: str) -> None:
    """Go to ``path``; it must answer 200 and stay there (no redirect to the login or the index)."""
    response = page.goto(shop.url + path)
    assert response is not None
    assert response.status == 200, f"{path}: HTTP {response.status}"
    assert page.url == shop.url + path


def test_the_step_interval_saved_in_the_admin_governs_the_next_exchange(
    shop: Shop, browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    shop.shell(
        "from cml_exchange.models import ExchangeSettings;"
        "ExchangeSettings.load(); ExchangeSettings.objects.update(step_interval=1)"
    )
    generate_catalog(tmp_path / "first", PRODUCTS, seed=1)
    generate_catalog(tmp_path / "second", PRODUCTS, seed=2)  # other ids: nothing to skip

    # At 1 second a step, the catalog needs several import requests.
    stepped = imported(exchange(shop, tmp_path / "first"), "import.xml")
    assert stepped.requests >= 2, stepped

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{shop.url}/admin/")
    page.fill("#id_username", ADMIN)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_contain_text(ADMIN)
    logged_in = context.storage_state()

    # The settings' list page goes straight to the one row.
    page.goto(f"{shop.url}/admin/cml_exchange/exchangesettings/")
    assert page.url == f"{shop.url}/admin/cml_exchange/exchangesettings/1/change/"
    field = page.get_by_label(LABEL)
    expect(field).to_have_value("1")
    field.fill("0")
    page.locator("input[name=_save]").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("changed successfully")
    expect(page.get_by_label(LABEL)).to_have_value("0")
    page.screenshot(path=screenshots / f"{shop.vendor}-exchange-settings.png", full_page=True)

    # The next exchange imports a catalog as large in one request, longer than 1 second.
    result = exchange(shop, tmp_path / "second")
    single = imported(result, "import.xml")
    assert single.requests == 1, single
    assert single.seconds > 1, single

    # The exchange monitor shows it: the list, then the exchange's own page.
    latest = shop.shell(
        "from cml_exchange.models import ExchangeSession;"
        "print(ExchangeSession.objects.latest('created').pk)"
    )
    change = f"/admin/cml_exchange/exchangesession/{latest}/change/"
    open_admin(page, shop, "/admin/cml_exchange/exchangesession/")
    expect(page.locator(f'a[href="{change}"]').first).to_be_visible()
    page.screenshot(path=screenshots / f"{shop.vendor}-exchanges.png", full_page=True)
    open_admin(page, shop, change)
    page.screenshot(path=screenshots / f"{shop.vendor}-exchange.png", full_page=True)
    context.close()

    # In Russian the settings read like 1C-Bitrix's form (the shipped ru catalog).
    russian = browser.new_context(
        locale="ru-RU", viewport={"width": 1280, "height": 900}, storage_state=logged_in
    )
    page = russian.new_page()
    open_admin(page, shop, "/admin/cml_exchange/exchangesettings/1/change/")
    expect(page.get_by_label(BITRIX_LABEL)).to_have_value("0")
    expect(page.locator("fieldset h2").first).to_have_text("Каталог")
    page.screenshot(path=screenshots / f"{shop.vendor}-ru-exchange-settings.png", full_page=True)
    for path, name in (
        ("/admin/cml_exchange/exchangesession/", "exchanges"),
        (change, "exchange"),
        ("/admin/cml_exchange/exchangefile/", "stored-files"),
    ):
        open_admin(page, shop, path)
        page.screenshot(path=screenshots / f"{shop.vendor}-ru-{name}.png", full_page=True)
    russian.close()
