"""Where the built-in client stops, as 1C does: each case is a real reply of a real server."""

from __future__ import annotations

import socket

import pytest

from cml_exchange.client import ExchangeFailure
from tests.integration.importer.test_samples import SETS
from tests.paths import sample

BAD_LOGIN = "Ошибка авторизации. Неверное имя пользователя или пароль."


def test_a_wrong_password(make_client):
    client = make_client(password="wrong")
    with pytest.raises(ExchangeFailure) as raised:
        client.checkauth()
    assert (raised.value.mode, raised.value.message) == ("checkauth", BAD_LOGIN)
    assert raised.value.reply.startswith("failure\n")


def test_checkauth_gives_a_cookie_a_sessid_and_the_time(make_client):
    client = make_client()
    auth = client.checkauth()
    assert auth.cookie_name and auth.cookie_value
    assert auth.sessid is not None and auth.sessid.startswith("sessid=")
    assert auth.timestamp is not None and auth.timestamp > 1_600_000_000


def test_a_file_never_uploaded(make_client):
    client = make_client()
    client.checkauth()
    client.init()
    with pytest.raises(ExchangeFailure) as raised:
        client.import_file("import.xml")
    assert raised.value.mode == "import"
    assert "import.xml" in raised.value.message


def test_without_the_cookie_the_site_refuses(make_client):
    client = make_client()
    client.checkauth()
    client.auth = None  # as a client that ignores lines 2 and 3 would
    with pytest.raises(ExchangeFailure, match="Ошибка авторизации"):
        client.init()


def test_a_wrong_sessid_once_one_was_sent(make_client):
    first = make_client()
    first.exchange_catalog([sample(name) for name in SETS["avdivo"]])
    client = make_client()
    client.checkauth()
    assert client.auth is not None
    client.auth = type(client.auth)(client.auth.cookie_name, client.auth.cookie_value, "sessid=x")
    with pytest.raises(ExchangeFailure, match="Ошибка проверки источника запроса"):
        client.init()


def test_an_unknown_mode(make_client):
    client = make_client()
    client.checkauth()
    with pytest.raises(ExchangeFailure, match="Неизвестная команда"):
        client.call("no-such-mode")


def test_a_redirect_is_not_followed(make_client, live_server):
    client = make_client(url=f"{live_server.url}/admin")  # APPEND_SLASH answers 301
    with pytest.raises(ExchangeFailure) as raised:
        client.checkauth()
    assert "HTTP 301" in raised.value.message
    assert "/admin/?type=catalog&mode=checkauth" in raised.value.message


def test_an_html_page(make_client, live_server):
    client = make_client(url=f"{live_server.url}/")
    with pytest.raises(ExchangeFailure, match="непонятный ответ сайта: <"):
        client.checkauth()


def test_not_found(make_client, live_server):
    client = make_client(url=f"{live_server.url}/no/such/1c_exchange.php")
    with pytest.raises(ExchangeFailure, match="HTTP 404"):
        client.checkauth()


def test_no_server(make_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(url=f"http://127.0.0.1:{port}/1c_exchange.php")
    with pytest.raises(ExchangeFailure, match="не удалось связаться с сайтом"):
        client.checkauth()
