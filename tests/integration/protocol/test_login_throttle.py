"""The failed-login throttle: every mode, every way of sending a password, behind a proxy too.

Passwords are checked by a real authentication backend that counts its calls,
so a test can show that a refused login was refused before its password was
looked at.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.checks import Error
from django.test import Client

from cml_exchange.checks import check_settings
from cml_exchange.models import ExchangeRequest
from cml_exchange.protocol import replies
from tests.integration.protocol.exchange import COUNTING_BACKEND, URL, CountingBackend, basic

pytestmark = pytest.mark.django_db

THROTTLED = "failure\nСлишком много неудачных попыток входа"
BAD_LOGIN = f"failure\n{replies.BAD_LOGIN}"
PROXY = "10.0.0.1"
ATTACKER = "203.0.113.5"
ONE_C = "198.51.100.7"


@pytest.fixture
def checks(settings):
    """The number of password checks so far (a callable), with the counting backend on."""
    settings.AUTHENTICATION_BACKENDS = [COUNTING_BACKEND]
    CountingBackend.checks = []
    return lambda: len(CountingBackend.checks)


def ask(
    client: Client,
    password: str,
    *,
    how: str = "basic",
    mode: str = "init",
    kind: str = "catalog",
    user: str = "admin",
    method: str = "get",
    **meta: str,
) -> str:
    """One request carrying a login, the way ``how`` says; the reply's text."""
    query = {"type": kind, "mode": mode}
    if how == "basic":
        meta["HTTP_AUTHORIZATION"] = basic(user, password)
    else:
        query.update(USER_LOGIN=user, USER_PASSWORD=password)
    url = URL + "?" + "&".join(f"{key}={value}" for key, value in query.items())
    response = getattr(client, method)(url, **meta)
    assert response.status_code == 200
    return response.content.decode("cp1251")


# -- every mode, every way of sending the password ------------------------------------

EVERY_MODE = [
    ("catalog", "checkauth", "get"),
    ("catalog", "init", "get"),
    ("catalog", "file", "post"),
    ("catalog", "import", "get"),
    ("catalog", "deactivate", "get"),
    ("catalog", "complete", "get"),
    ("sale", "checkauth", "get"),
    ("sale", "init", "get"),
    ("sale", "query", "get"),
    ("sale", "success", "get"),
    ("sale", "file", "post"),
]


@pytest.mark.parametrize("later", ["basic", "query"])
@pytest.mark.parametrize("first", ["basic", "query"])
def test_failures_on_init_lock_the_login_on_every_mode_without_checking_passwords(
    client, admin_user, upload_root, settings, checks, first, later
):
    settings.CML_EXCHANGE_AUTH_FAILURES = 3
    for _ in range(3):
        assert ask(client, "guess", how=first, mode="init") == BAD_LOGIN
    assert checks() == 3
    for kind, mode, method in EVERY_MODE:
        reply = ask(client, "secret", how=later, kind=kind, mode=mode, method=method)
        assert reply.startswith(THROTTLED), (kind, mode, reply)
    assert checks() == 3  # not one password looked at, not even the right one
    refused = ExchangeRequest.objects.filter(message__startswith="Слишком много")
    assert refused.count() == len(EVERY_MODE)
    assert set(refused.values_list("username", flat=True)) == {"admin"}


def test_no_password_is_checked_after_a_lockout(client, admin_user, upload_root, settings, checks):
    """The measure of issue 11: password checks per minute through mode=init once locked."""
    settings.CML_EXCHANGE_AUTH_FAILURES = 10
    for _ in range(10):
        assert ask(client, "guess") == BAD_LOGIN
    before = checks()
    for attempt in range(200):
        assert ask(client, f"guess{attempt}").startswith(THROTTLED)
    assert checks() == before


def test_refusals_do_not_count_as_failures(client, admin_user, upload_root, settings, checks):
    """Only wrong passwords count: a refused request, or one without rights, does not."""
    settings.CML_EXCHANGE_AUTH_FAILURES = 2
    User.objects.create_user("clerk", password="secret")
    for _ in range(5):
        assert ask(client, "secret", user="clerk").startswith(
            f"failure\n{replies.NO_RIGHTS_CATALOG}"
        )
    assert ask(client, "secret").startswith("zip=")
    for _ in range(5):  # no login sent: no password checked
        assert (
            client.get(URL, {"type": "catalog", "mode": "init"})
            .content.decode("cp1251")
            .startswith("failure\n")
        )
    assert checks() == 2  # clerk's and admin's passwords, each checked once and remembered
    assert ask(client, "secret").startswith("zip=")


# -- who is locked: the pair, then the address -------------------------------------------


def test_the_same_login_from_another_address_is_not_locked(
    client, admin_user, upload_root, settings
):
    settings.CML_EXCHANGE_AUTH_FAILURES = 3
    for _ in range(3):
        assert ask(client, "guess", REMOTE_ADDR=ATTACKER) == BAD_LOGIN
    assert ask(client, "secret", REMOTE_ADDR=ATTACKER).startswith(THROTTLED)
    assert ask(client, "secret", REMOTE_ADDR=ONE_C).startswith("zip=")
    # Another login from the attacker's address is not locked by the pair's failures.
    User.objects.create_superuser("robot", "robot@example.com", "robot-secret")
    assert ask(client, "robot-secret", user="robot", REMOTE_ADDR=ATTACKER).startswith("zip=")


def test_an_address_trying_many_logins_is_locked_whole(
    client, admin_user, upload_root, settings, checks
):
    settings.CML_EXCHANGE_AUTH_FAILURES = 10
    settings.CML_EXCHANGE_AUTH_ADDRESS_FAILURES = 4
    for number in range(4):
        assert ask(client, "guess", user=f"user{number}", REMOTE_ADDR=ATTACKER) == BAD_LOGIN
    assert ask(client, "secret", REMOTE_ADDR=ATTACKER).startswith(THROTTLED)
    assert checks() == 4
    assert ask(client, "secret", REMOTE_ADDR=ONE_C).startswith("zip=")


def test_the_lock_ends_with_the_window(client, admin_user, upload_root, settings):
    settings.CML_EXCHANGE_AUTH_FAILURES = 2
    settings.CML_EXCHANGE_AUTH_WINDOW = 600
    for _ in range(2):
        assert ask(client, "guess") == BAD_LOGIN
    reply = ask(client, "secret")
    assert reply == THROTTLED + " с этого адреса. Повторите через 10 мин."
    settings.CML_EXCHANGE_AUTH_WINDOW = 0  # the failures are now all older than the window
    assert ask(client, "secret").startswith("zip=")


# -- behind a reverse proxy --------------------------------------------------------------


def test_behind_a_trusted_proxy_an_attacker_does_not_lock_1c_out(
    client, admin_user, upload_root, settings, checks
):
    settings.CML_EXCHANGE_TRUSTED_PROXIES = [PROXY]
    settings.CML_EXCHANGE_AUTH_FAILURES = 3
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ATTACKER}
    one_c = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ONE_C}
    for _ in range(3):
        assert ask(client, "guess", **attacker) == BAD_LOGIN
    assert ask(client, "secret", **attacker).startswith(THROTTLED)
    assert ask(client, "secret", how="query", mode="checkauth", **one_c).startswith("success\n")
    assert ask(client, "secret", **one_c).startswith("zip=")
    addresses = set(ExchangeRequest.objects.values_list("address", flat=True))
    assert addresses == {ATTACKER, ONE_C}


def test_an_untrusted_caller_cannot_choose_its_address(client, admin_user, upload_root, settings):
    """Without the setting, or from an address not in it, X-Forwarded-For is ignored."""
    settings.CML_EXCHANGE_AUTH_FAILURES = 2
    for trusted in ([], [PROXY]):
        settings.CML_EXCHANGE_TRUSTED_PROXIES = trusted
        ExchangeRequest.objects.all().delete()
        for number in range(2):
            forged = {"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": f"192.0.2.{number}"}
            assert ask(client, "guess", **forged) == BAD_LOGIN
        assert ask(client, "secret", REMOTE_ADDR=ATTACKER).startswith(THROTTLED)
        assert set(ExchangeRequest.objects.values_list("address", flat=True)) == {ATTACKER}


def test_forged_hops_before_the_proxy_are_ignored(client, admin_user, upload_root, settings):
    """The proxy appends the address it saw; what the client wrote before it is not believed."""
    settings.CML_EXCHANGE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.CML_EXCHANGE_AUTH_FAILURES = 2
    for forged in ("192.0.2.1", f"{ONE_C}, 192.0.2.2"):
        through = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {ATTACKER}"}
        assert ask(client, "guess", **through) == BAD_LOGIN
    # Two trusted proxies in a row (a balancer, then nginx): the hop before them is the client.
    chain = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{ONE_C}, 10.0.0.2"}
    assert ask(client, "secret", **chain).startswith("zip=")
    through = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ATTACKER}
    assert ask(client, "secret", **through).startswith(THROTTLED)
    logged = ExchangeRequest.objects.order_by("pk").values_list("address", flat=True)
    assert list(logged) == [ATTACKER, ATTACKER, ONE_C, ATTACKER]


# -- the settings --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["10.0.0.1", ["10.0.0.1", "nginx"], ["10.0.0.0/33"], 5])
def test_unusable_trusted_proxies_are_reported(settings, value):
    settings.CML_EXCHANGE_TRUSTED_PROXIES = value
    messages = check_settings(app_configs=None, databases=None)
    assert [(type(m), m.id) for m in messages] == [(Error, "cml_exchange.E001")]
    assert "CML_EXCHANGE_TRUSTED_PROXIES" in messages[0].msg


def test_usable_throttle_settings_pass_the_checks(settings):
    settings.CML_EXCHANGE_TRUSTED_PROXIES = ("127.0.0.1", "10.0.0.0/8", "fd00::/8")
    settings.CML_EXCHANGE_AUTH_ADDRESS_FAILURES = 0
    assert check_settings(app_configs=None, databases=None) == []
