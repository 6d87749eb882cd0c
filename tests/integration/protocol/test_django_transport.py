"""The real client through Django's test client: as 1C over HTTP, no cookie jar of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cml_exchange.client import ExchangeClient
from cml_exchange.models import Offer, Product
from cml_exchange.protocol.sessions import COOKIE_NAME
from tests.factories import OrderFactory
from tests.integration.importer.test_samples import SETS
from tests.integration.protocol.exchange import (
    IMPORT_DONE,
    DjangoTransport,
    basic,
    pictures_not_uploaded,
)
from tests.paths import sample

pytestmark = pytest.mark.django_db

BAD_LOGIN = "failure\nОшибка авторизации. Неверное имя пользователя или пароль.".encode("cp1251")


def test_a_whole_catalog_exchange(admin_user: User, upload_root: object) -> None:
    client = ExchangeClient(DjangoTransport(), "admin", "secret")
    catalog, offers = (sample(name) for name in SETS["carono"])
    result = client.exchange_catalog([catalog, offers], chunk=7001)
    assert [item.name for item in result.sent] == ["import.zip"]
    assert [item.message for item in result.imported] == [
        pictures_not_uploaded(catalog.read_bytes()),  # the zip holds no pictures
        IMPORT_DONE,
    ]
    assert (Product.objects.count(), Offer.objects.count()) == (2, 5)


def test_the_cookie_set_by_checkauth_is_reported_not_kept(
    admin_user: User, upload_root: object
) -> None:
    client = ExchangeClient(DjangoTransport(), "admin", "secret")
    checkauth = client.request("checkauth")
    assert checkauth.headers["Set-Cookie"].startswith(f"{COOKIE_NAME}=")
    client.checkauth()
    assert client.request("init").body.startswith(b"zip=")
    assert client.request("init", cookie="", sessid="").body == BAD_LOGIN


def test_a_streamed_reply_comes_whole(admin_user: User, upload_root: object) -> None:
    OrderFactory.create(number="A-1")
    client = ExchangeClient(DjangoTransport(), "admin", "secret")
    client.checkauth("sale")
    client.init("sale", "2.08")
    response = client.request("query")
    assert response.content_type == "application/xml"
    assert int(response.headers["Content-Length"]) == len(response.body) > 0
    assert client.query().startswith(b"<?xml")


def test_bodies_go_raw_even_empty(admin_user: User, upload_root: Path) -> None:
    client = ExchangeClient(DjangoTransport(), "admin", "secret")
    client.checkauth()
    client.init()
    data = bytes(range(256)) * 3
    assert client.request("file", params={"filename": "a.bin"}, body=data).body == b"success\n"
    assert client.request("file", params={"filename": "b.bin"}, body=b"").body == b"success\n"
    folder = next((upload_root / "catalog").iterdir())
    assert (folder / "a.bin").read_bytes() == data
    assert (folder / "b.bin").read_bytes() == b""


def test_a_jar_sends_its_cookies_when_the_client_sends_none(
    admin_user: User, upload_root: object
) -> None:
    jar = Client()
    checkauth = jar.get(
        "/1c_exchange.php",
        {"type": "catalog", "mode": "checkauth"},
        HTTP_AUTHORIZATION=basic("admin", "secret"),
    )
    assert checkauth.content.startswith(b"success\n")
    client = ExchangeClient(DjangoTransport(jar=jar), "admin", "secret")
    assert client.request("init").body.startswith(b"zip=")
    assert client.request("init", cookie=f"{COOKIE_NAME}=forged").body == BAD_LOGIN
