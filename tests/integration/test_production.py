"""The example shop with DEBUG off: ``check --deploy``, its error pages, the redirect and 1C.

``manage.py check`` runs in a process of its own on the environment of
docs/deployment.md's recipe (the block it writes into ``/etc/shop/env``), with
the key, the database and the directories made local. The error pages and the
HTTPS redirect are tried in this process, on the test settings.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

from tests.e2e.servers import (
    ROOT,
    documented_environment,
    manage,
    production_environment,
)


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


#: For ``@pytest.mark.urls(__name__)``: the shop, and a view that fails.
urlpatterns = [
    path("boom/", boom),
    path("", include("example_shop.urls")),
]


def check(env, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def shop_settings(env, *names):
    """The values of the example shop's settings ``names`` under ``env``, read in a new process."""
    code = (
        "import json, example_shop.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


# -- check --deploy ------------------------------------------------------------------------


def test_the_documented_environment_turns_debug_off_and_sets_no_https_setting_but_the_proxy():
    documented = documented_environment()
    assert documented["DEBUG"] == "off"
    assert documented["SILENCED_SYSTEM_CHECKS"] == "cml_exchange.I001"
    # The redirect, the cookies and HSTS come from the settings' own DEBUG-off defaults.
    assert {name for name in documented if name.startswith("SECURE_")} == {
        "SECURE_PROXY_SSL_HEADER"
    }


def test_check_deploy_is_clean_on_the_recipes_environment(tmp_path):
    env = production_environment(tmp_path)
    result = check(env, "--deploy", "--database", "default", "--fail-level", "INFO")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_check_tag_cml_exchange_runs_only_the_apps_checks_on_the_example_shop(tmp_path):
    env = production_environment(tmp_path)
    del env["SILENCED_SYSTEM_CHECKS"]
    env["SECURE_HSTS_SECONDS"] = "0"  # Django's security.W004: only the untagged check sees it
    everything = check(env, "--deploy")
    assert "security.W004" in everything.stderr
    assert "cml_exchange.I001" in everything.stderr
    ours = check(env, "--deploy", "--tag", "cml_exchange")
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert re.findall(r"\?: \(([\w.]+)\)", ours.stderr) == ["cml_exchange.I001"]
    assert "identified 1 issue" in ours.stderr


def test_debug_off_brings_whitenoise_and_the_https_defaults_and_development_is_as_before(
    tmp_path,
):
    names = (
        "MIDDLEWARE",
        "STORAGES",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
    )
    production = shop_settings(production_environment(tmp_path), *names)
    assert production["MIDDLEWARE"][:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert production["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_HSTS_SECONDS"] == 3600
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is production["SECURE_HSTS_PRELOAD"]
    assert production["SECURE_HSTS_PRELOAD"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["CSRF_TRUSTED_ORIGINS"] == ["https://shop.example"]

    development_env = production_environment(tmp_path)
    for name in ("DEBUG", "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS"):
        del development_env[name]
    development = shop_settings(development_env, *names)
    assert not any("whitenoise" in name for name in development["MIDDLEWARE"])
    assert development["STORAGES"]["staticfiles"]["BACKEND"] == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert development["SECURE_SSL_REDIRECT"] is False
    assert development["SESSION_COOKIE_SECURE"] is development["CSRF_COOKIE_SECURE"] is False
    assert development["SECURE_HSTS_SECONDS"] == 0
    assert development["SECURE_PROXY_SSL_HEADER"] is None


def test_a_proxy_header_that_is_no_pair_is_refused(tmp_path):
    env = production_environment(tmp_path)
    env["SECURE_PROXY_SSL_HEADER"] = "HTTP_X_FORWARDED_PROTO"
    with pytest.raises(subprocess.CalledProcessError, match="SECURE_PROXY_SSL_HEADER"):
        manage(env, "check")


# -- the error pages -----------------------------------------------------------------------


def test_a_missing_page_is_the_russian_404_in_the_shops_layout():
    response = Client().get("/no/such/<page>/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Страница не найдена</h1>" in page
    assert 'class="brand"' in page  # the shop's header: the page extends base.html
    assert "/no/such/%3Cpage%3E/" in page  # the address, quoted
    assert "<page>" not in page


@pytest.mark.django_db
def test_a_product_that_is_not_there_gets_the_same_404():
    response = Client().get("/product/no-such-product/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_failing_view_gets_the_russian_500_without_the_database():
    # No django_db mark: a query would fail the test.
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Ошибка на сервере</h1>" in page
    assert 'lang="ru"' in page


def test_the_500_page_needs_neither_the_static_manifest_nor_a_request_context(settings, tmp_path):
    # With DEBUG off, a static file missing from the manifest is itself a server error;
    # the 500 page must not depend on it (nor on the database, nor on context processors).
    settings.STATIC_ROOT = tmp_path / "static-never-collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {"context_processors": []}}]
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Ошибка на сервере" in response.content.decode()


# -- the HTTPS redirect and 1C -------------------------------------------------------------


def documented_redirect_exemption():
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    found = re.search(r"^SECURE_REDIRECT_EXEMPT='([^']*)'$", text, re.MULTILINE)
    assert found, "docs/deployment.md no longer shows SECURE_REDIRECT_EXEMPT"
    return found.group(1)


CHECKAUTH = "/1c_exchange.php?type=catalog&mode=checkauth"


@pytest.mark.django_db
def test_the_redirect_answers_1c_on_http_with_a_301(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get(CHECKAUTH)
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{CHECKAUTH}"
    over_https = Client().get(CHECKAUTH, secure=True)
    assert over_https.status_code == 200  # 1C with an https:// address is answered
    assert over_https.content.startswith(b"failure")  # no password sent


@pytest.mark.django_db
def test_the_documented_exemption_keeps_only_the_endpoint_on_plain_http(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [documented_redirect_exemption()]
    client = Client()
    for endpoint in ("/1c_exchange.php", "/bitrix/admin/1c_exchange.php", "/1c_exchange.php/"):
        response = client.get(endpoint + "?type=catalog&mode=checkauth")
        assert response.status_code == 200, endpoint
        assert response.content.startswith(b"failure")
    for page in ("/", "/admin/", "/cart/", "/media/1c_exchange.php", "/x1c_exchange.php"):
        assert client.get(page).status_code == 301, page
