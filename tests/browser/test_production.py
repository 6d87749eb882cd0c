"""The example shop as production runs it, in headless Chromium: DEBUG off, gunicorn, WhiteNoise.

After ``collectstatic``, gunicorn serves the shop on the environment of
docs/deployment.md's recipe, made local (plain HTTP on the loopback, so the
HTTPS redirect is off and the host is 127.0.0.1). Nothing else serves the
static files: the storefront's stylesheet must come from WhiteNoise, under its
hashed name, and style the page. A missing page is the Russian 404, styled too.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.servers import ROOT, GunicornServer, production_environment, shop_database

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: ``header.top``'s background in shop.css (``--soft``); without the stylesheet, transparent.
SHOP_HEADER_BACKGROUND = "rgb(246, 248, 250)"


@pytest.fixture(scope="module")
def production_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornServer]:
    """The shop served as in production, once for this module's tests (they only read)."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_environment(tmp_path)
    env["ALLOWED_HOSTS"] = "127.0.0.1"
    env["SECURE_SSL_REDIRECT"] = "off"  # plain HTTP here; the rest stays as in production
    # collectstatic needs no database: it runs while the database is migrated.
    collect = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with shop_database(tmp_path) as database:
        output, _ = collect.communicate(timeout=120)
        assert collect.returncode == 0, output
        env["DATABASE_URL"] = database["DATABASE_URL"]
        server = GunicornServer(env, workers=1, log=tmp_path / "gunicorn.log")
        server.start()
        try:
            yield server
        finally:
            server.kill()


def stylesheets(page: Page) -> list[Response]:
    """Every stylesheet response the page gets from now on."""
    seen: list[Response] = []

    def keep(response: Response) -> None:
        if response.request.resource_type == "stylesheet":
            seen.append(response)

    page.on("response", keep)
    return seen


def header_background(page: Page) -> str:
    return str(page.locator("header.top").evaluate("e => getComputedStyle(e).backgroundColor"))


def test_whitenoise_serves_the_hashed_css_and_a_missing_page_is_the_russian_404(
    production_shop: GunicornServer, browser: Browser, screenshots: Path
) -> None:
    url = production_shop.url
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    css = stylesheets(page)

    home = page.goto(url + "/")
    assert home is not None and home.status == 200
    href = page.locator("link[rel=stylesheet]").get_attribute("href") or ""
    assert re.fullmatch(r"/static/example_shop/shop\.[0-9a-f]{12}\.css", href), href
    assert [(r.url, r.status) for r in css] == [(url + href, 200)]
    assert css[0].headers["content-type"].startswith("text/css")
    assert "immutable" in css[0].headers["cache-control"]  # WhiteNoise: a hashed name
    assert header_background(page) == SHOP_HEADER_BACKGROUND
    page.screenshot(path=screenshots / "production-home.png", full_page=True)

    missing = page.goto(url + "/no-such-page/")
    assert missing is not None and missing.status == 404
    expect(page.locator("h1")).to_have_text("Страница не найдена")
    expect(page.locator("#not-found")).to_contain_text("/no-such-page/")
    assert header_background(page) == SHOP_HEADER_BACKGROUND
    page.screenshot(path=screenshots / "production-404.png", full_page=True)

    css.clear()
    login = page.goto(url + "/admin/login/")
    assert login is not None and login.status == 200
    assert css, "the admin's login page loaded no stylesheet"
    for response in css:  # the admin's CSS, collected from Django's own app
        assert response.status == 200, response.url
        assert re.search(r"/static/admin/css/[\w/-]+\.[0-9a-f]{12}\.css$", response.url)
    context.close()


def test_behind_the_proxy_the_site_says_hsts_as_the_recipe_sets_it(
    production_shop: GunicornServer,
) -> None:
    """``X-Forwarded-Proto: https``, as nginx sets it, makes the request secure."""
    with urllib.request.urlopen(production_shop.url + "/", timeout=10) as plain:
        assert plain.headers["Strict-Transport-Security"] is None  # HSTS only over HTTPS
    proxied = urllib.request.Request(
        production_shop.url + "/", headers={"X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(proxied, timeout=10) as response:
        assert response.status == 200
        hsts = response.headers["Strict-Transport-Security"]
    assert hsts == "max-age=3600; includeSubDomains; preload"
