"""The catalog exchange's checkauth, sessions and routing, byte for byte as 1C reads them."""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, Permission, User

from cml_exchange.models import ExchangeSession, ExchangeSettings
from tests.integration.protocol.exchange import URL, basic, get, new_1c

pytestmark = pytest.mark.django_db


# -- checkauth -------------------------------------------------------------------------


def test_checkauth_reply(client, admin_user, upload_root):
    before = int(time.time())
    reply = client.get(
        URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic("admin", "secret")
    )
    assert reply.status_code == 200
    assert reply["Content-Type"] == "text/plain; charset=windows-1251"
    assert reply["Pragma"] == "no-cache"  # as 1-C-Bitrix sends it
    text = reply.content.decode("ascii")
    match = re.fullmatch(
        r"success\n(\w+)\n([0-9a-f]{40})\nsessid=([0-9a-f]{32})\ntimestamp=(\d+)\n", text
    )
    assert match, text
    cookie, token, sessid, stamp = match.groups()
    assert "." not in cookie
    assert before <= int(stamp) <= int(time.time())
    session = ExchangeSession.objects.get()
    assert (session.token, session.sessid, session.user) == (token, sessid, admin_user)


@pytest.mark.parametrize(
    "where",
    ["HTTP_AUTHORIZATION", "REDIRECT_HTTP_AUTHORIZATION", "REMOTE_USER", "REDIRECT_REMOTE_USER"],
)
def test_credentials_wherever_the_server_put_them(client, admin_user, upload_root, where):
    reply = client.get(
        URL, {"type": "catalog", "mode": "checkauth"}, **{where: basic("admin", "secret")}
    )
    assert reply.content.startswith(b"success\n")


def test_credentials_in_the_query_as_1c_77_sends_them(client, admin_user, upload_root):
    reply = client.get(
        URL,
        {"type": "catalog", "mode": "checkauth", "USER_LOGIN": "admin", "USER_PASSWORD": "secret"},
    )
    assert reply.content.startswith(b"success\n")


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_a_cyrillic_login_in_the_query_in_either_encoding(client, upload_root, encoding):
    """A 1C 7.7-era module on Windows percent-encodes its query in windows-1251, not UTF-8."""
    User.objects.create_superuser("обмен", "1c@example.com", "пароль")
    login, password = (quote(text, encoding=encoding) for text in ("обмен", "пароль"))
    reply = client.get(
        f"{URL}?type=catalog&mode=checkauth&USER_LOGIN={login}&USER_PASSWORD={password}"
    )
    assert reply.content.startswith(b"success\n")
    assert ExchangeSession.objects.get().user.username == "обмен"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_a_cyrillic_login_in_basic_auth_in_either_encoding(client, upload_root, encoding):
    """Current 1C sends Basic credentials in UTF-8; older builds in windows-1251."""
    User.objects.create_superuser("обмен", "1c@example.com", "пароль")
    credentials = base64.b64encode("обмен:пароль".encode(encoding)).decode()
    reply = client.get(
        URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=f"Basic {credentials}"
    )
    assert reply.content.startswith(b"success\n")
    assert ExchangeSession.objects.get().user.username == "обмен"


@pytest.mark.parametrize("method", ["post", "put"])
def test_any_http_method(client, admin_user, upload_root, method):
    reply = getattr(client, method)(
        f"{URL}?type=catalog&mode=checkauth", HTTP_AUTHORIZATION=basic("admin", "secret")
    )
    assert reply.content.startswith(b"success\n")


def test_wrong_password_gets_bitrix_message(client, admin_user, upload_root):
    reply = client.get(
        URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic("admin", "wrong")
    )
    assert reply.status_code == 200
    assert (
        reply.content
        == "failure\nОшибка авторизации. Неверное имя пользователя или пароль.".encode("cp1251")
    )
    assert not ExchangeSession.objects.exists()


def test_a_user_without_rights_is_refused(upload_root):
    User.objects.create_user("clerk", password="secret")
    reply = get(new_1c("clerk"), "checkauth")
    expected = (
        "failure\nУ Вас нет прав для импорта каталога. Проверьте настройки компонента импорта."
    )
    assert reply == expected.encode("cp1251")


def test_rights_from_a_chosen_group_or_the_permission(upload_root):
    managers = Group.objects.create(name="Менеджеры 1С")
    ExchangeSettings.load().catalog_groups.add(managers)
    User.objects.create_user("manager", password="secret").groups.add(managers)
    holder = User.objects.create_user("robot", password="secret")
    holder.user_permissions.add(Permission.objects.get(codename="exchange"))
    inactive = User.objects.create_superuser("old", "old@example.com", "secret")
    inactive.is_active = False
    inactive.save()
    assert get(new_1c("manager"), "checkauth").startswith(b"success\n")
    assert get(new_1c("robot"), "checkauth").startswith(b"success\n")
    assert get(new_1c("old"), "checkauth").startswith(b"failure\n")


def test_repeated_failures_from_one_address_are_throttled(
    client, admin_user, upload_root, settings
):
    settings.CML_EXCHANGE_AUTH_FAILURES = 3
    for _ in range(3):
        assert get(new_1c("admin", "nope"), "checkauth").startswith(b"failure\n")
    reply = get(new_1c(), "checkauth").decode("cp1251")
    assert reply.startswith("failure\nСлишком много неудачных попыток входа")
    # Another address is not affected.
    other = client.get(
        URL,
        {"type": "catalog", "mode": "checkauth"},
        HTTP_AUTHORIZATION=basic("admin", "secret"),
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.content.startswith(b"success\n")


# -- session, sessid, unknown commands --------------------------------------------------


def test_requests_without_a_session_need_credentials(client, admin_user, upload_root):
    reply = client.get(URL, {"type": "catalog", "mode": "init"})
    assert (
        reply.content.decode("cp1251")
        == "failure\nОшибка авторизации. Неверное имя пользователя или пароль."
    )
    basic_only = client.get(
        URL, {"type": "catalog", "mode": "init"}, HTTP_AUTHORIZATION=basic("admin", "secret")
    )
    assert basic_only.content.startswith(b"zip=")


def test_sessid_is_required_once_it_has_been_seen(admin_user, upload_root):
    onec = new_1c()
    onec.checkauth()
    assert onec.request("init", sessid="").body.startswith(b"zip=")  # old modules send none
    assert get(onec, "init").startswith(b"zip=")  # a valid one: from now on required
    reply = onec.request("init", sessid="").body.decode("cp1251")
    assert reply == (
        "failure\nОшибка проверки источника запроса. Обновите модуль обмена или отключите "
        "проверку в настройках компонента."
    )
    assert onec.request("init", sessid="sessid=0000").body.startswith(b"failure\n")


@pytest.mark.parametrize(
    "query", ["type=catalog&mode=bogus", "type=nonsense&mode=checkauth", "mode=init", ""]
)
def test_unknown_commands(client, query):
    reply = client.get(f"{URL}?{query}")
    assert reply.status_code == 200
    assert reply.content == "failure\nНеизвестная команда.".encode("cp1251")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["nonsense", "cat\x00alog"])
def test_unknown_types_are_refused_before_their_cookie_is_looked_up(one_c, kind):
    """Whatever the type holds (PostgreSQL refuses a NUL in any value it is given)."""
    reply = get(one_c, "file", kind=kind, filename="import.xml")
    assert reply == "failure\nНеизвестная команда.".encode("cp1251")


@pytest.mark.parametrize(
    "path",
    [
        "/1c_exchange.php",
        "/1c_exchange.php/",
        "/bitrix/admin/1c_exchange.php",
        "/bitrix/admin/1c_exchange.php/",
    ],
)
def test_served_with_and_without_a_slash_and_never_redirected(
    client, admin_user, upload_root, path
):
    reply = client.get(
        path, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic("admin", "secret")
    )
    assert reply.status_code == 200
    assert reply.content.startswith(b"success\n")
