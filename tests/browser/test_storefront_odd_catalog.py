"""What 1C may send that the storefront must still show well, on a phone too."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from cml_exchange.client import ExchangeClient
from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, Shop
from tests.e2e.catalogs import make_catalog, write_catalog

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: A name with no space to break a line at, as supplier catalogs loaded into 1C have.
UNBROKEN = "Светильник_светодиодный_потолочный_ДПО01_36Вт_4000К_IP54_опал_белый_корпус"


def fits(page: Page) -> bool:
    """Whether nothing on the page, laid out with its stylesheet, scrolls sideways."""
    page.wait_for_load_state("load")
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_pages_fit_a_phone_whatever_the_names(
    shop: Shop, browser: Browser, tmp_path: Path, screenshots: Path
) -> None:
    catalog = make_catalog("odd", 3)
    long_name = dataclasses.replace(catalog.items[1], name=UNBROKEN)  # 7 in stock
    plain = catalog.items[2]  # 14 in stock
    catalog = dataclasses.replace(catalog, items=(catalog.items[0], long_name, plain))
    one_c = ExchangeClient(f"{shop.url}/1c_exchange.php", ADMIN, ADMIN_PASSWORD, timeout=60)
    one_c.exchange_catalog(write_catalog(catalog, tmp_path / "unload"))

    phone = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(shop.url + "/search/?q=" + plain.name)
    page.get_by_role("link", name=plain.name).click()
    page.locator("#add-to-cart").click()
    expect(page.locator("#cart-total")).to_be_visible()
    assert fits(page), "the cart"  # four columns and a button, a plain name

    page.goto(shop.url + "/search/?q=ДПО01")
    expect(page.get_by_role("link", name=UNBROKEN)).to_be_visible()
    assert fits(page), "the list"
    page.get_by_role("link", name=UNBROKEN).click()
    expect(page.locator("h1")).to_have_text(UNBROKEN)
    assert fits(page), "the product's page"
    page.locator("#add-to-cart").click()
    expect(page.locator("#cart-link")).to_have_text("Корзина (2)")
    assert fits(page), "the cart with the long name"
    page.screenshot(path=screenshots / f"{shop.vendor}-storefront-phone-cart.png", full_page=True)
    phone.close()
