"""Clients that send their password with every request: the password hasher once, not each time.

Replay scripts and some 1C processing send Basic auth and no cookie on every
request, each part of an upload included; Django's hasher takes a third of a
second a check here, on purpose. A login ``authenticate()`` accepted is taken
again for ``CML_EXCHANGE_LOGIN_CACHE`` seconds, and only while nothing it rests
on changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cml_exchange.protocol import replies
from cml_exchange.protocol.auth import REMEMBERED, RememberedLogins
from tests.integration.protocol.exchange import COUNTING_BACKEND, URL, CountingBackend, basic, body


@pytest.fixture
def checks(settings: Any, upload_root: Any) -> list[str]:
    settings.AUTHENTICATION_BACKENDS = [COUNTING_BACKEND]
    REMEMBERED.forget()
    CountingBackend.checks = []
    return CountingBackend.checks


def call(login: str, password: str, query: str, data: bytes | None = None) -> str:
    """One request of a cookieless script: Basic auth, no cookie, a fresh connection."""
    script = Client(HTTP_AUTHORIZATION=basic(login, password))
    if data is None:
        return body(script.get(f"{URL}?{query}")).decode("cp1251")
    posted = script.post(f"{URL}?{query}", data, content_type="application/octet-stream")
    return posted.content.decode("cp1251")


def upload(login: str, password: str, parts: list[bytes]) -> list[str]:
    answers = [call(login, password, "type=catalog&mode=init")]
    for part in parts:
        answers.append(call(login, password, "type=catalog&mode=file&filename=a.xml", part))
    return answers


def test_an_upload_in_parts_checks_the_password_once(checks, admin_user, upload_root):
    answers = upload("admin", "secret", [b"<a>", b"bc", b"</a>"])
    assert answers[0].startswith("zip=") and answers[1:] == ["success\n"] * 3
    assert checks == ["admin"]
    (stored,) = upload_root.rglob("a.xml")
    assert stored.read_bytes() == b"<a>bc</a>"


def test_with_the_cache_off_every_request_checks_the_password(checks, settings, admin_user):
    settings.CML_EXCHANGE_LOGIN_CACHE = 0
    answers = upload("admin", "secret", [b"<a>", b"</a>"])
    assert answers[1:] == ["success\n"] * 2
    assert checks == ["admin"] * 3


def test_a_new_password_refuses_the_old_one_at_once(checks, admin_user):
    assert upload("admin", "secret", [b"<a>"])[1] == "success\n"
    admin_user.set_password("new secret")
    admin_user.save()
    refused = call("admin", "secret", "type=catalog&mode=file&filename=a.xml", b"</a>")
    assert refused == f"failure\n{replies.BAD_LOGIN}"
    assert call("admin", "new secret", "type=catalog&mode=file&filename=a.xml", b"</a>") == (
        "success\n"
    )
    assert checks == ["admin"] * 3


def test_a_user_switched_off_is_refused_at_once(checks, admin_user):
    assert upload("admin", "secret", [b"<a>"])[1] == "success\n"
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    refused = call("admin", "secret", "type=catalog&mode=file&filename=a.xml", b"</a>")
    assert refused == f"failure\n{replies.BAD_LOGIN}"


def test_a_wrong_password_is_checked_and_refused_after_a_right_one(checks, admin_user):
    assert upload("admin", "secret", [b"<a>"])[1] == "success\n"
    refused = call("admin", "wrong", "type=catalog&mode=file&filename=a.xml", b"</a>")
    assert refused == f"failure\n{replies.BAD_LOGIN}"
    assert checks == ["admin", "admin"]


def test_another_login_with_the_same_password_is_its_own_user(checks, admin_user):
    User.objects.create_superuser("admin2", "b@example.com", "secret")
    assert upload("admin", "secret", [b"<a>"])[1] == "success\n"
    assert call("admin2", "secret", "type=catalog&mode=init").startswith("zip=")
    assert checks == ["admin", "admin2"]
    assert REMEMBERED.user(("admin2", "secret")).get_username() == "admin2"
    assert REMEMBERED.user(("admin", "secret2")) is None
    assert REMEMBERED.user(("admi", "nsecret")) is None


def test_a_remembered_login_lapses_after_its_seconds(settings, admin_user):
    settings.CML_EXCHANGE_LOGIN_CACHE = 60
    now = [1000.0]
    logins = RememberedLogins(clock=lambda: now[0])
    logins.remember(("admin", "secret"), admin_user)
    now[0] += 59
    assert logins.user(("admin", "secret")) == admin_user
    now[0] += 2
    assert logins.user(("admin", "secret")) is None
