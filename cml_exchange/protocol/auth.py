"""Who is calling: credentials wherever servers put them, rights, and throttling of failures."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from ipware import get_client_ip

from cml_exchange.conf import IPNetwork, app_settings
from cml_exchange.models import ExchangeKind, ExchangeRequest, ExchangeSettings
from cml_exchange.protocol.query import decode, query_value
from cml_exchange.protocol.replies import BAD_LOGIN, FAILURE

logger = logging.getLogger("cml_exchange.auth")

#: The permission that lets a user exchange with 1C without being in a chosen group.
PERMISSION = "cml_exchange.exchange"

_HEADERS = (
    "HTTP_AUTHORIZATION",
    "REDIRECT_HTTP_AUTHORIZATION",
    "REMOTE_USER",
    "REDIRECT_REMOTE_USER",
)


def credentials(request: HttpRequest) -> tuple[str, str] | None:
    """The login and password 1C sent, or ``None``.

    HTTP Basic, wherever the server left it: ``Authorization``, the
    ``REDIRECT_HTTP_AUTHORIZATION`` Apache's rewrite rules make, or a
    ``Basic …`` value in ``REMOTE_USER`` (CGI). Then the query parameters
    ``USER_LOGIN``/``USER_PASSWORD`` of 1C 7.7-era modules.
    """
    for header in _HEADERS:
        value = request.META.get(header, "")
        scheme, _, encoded = value.strip().partition(" ")
        if scheme.lower() != "basic" or not encoded:
            continue
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            continue
        text = decode(decoded)  # UTF-8 from current 1C, windows-1251 from older builds
        login, colon, password = text.partition(":")
        if colon and login:
            return login, password
    user = query_value(request, "USER_LOGIN")
    if user:
        return user, query_value(request, "USER_PASSWORD") or ""
    return None


def login(request: HttpRequest, found: tuple[str, str] | None) -> AbstractBaseUser | None:
    """The active user those credentials belong to, through Django's ``authenticate()``.

    A login ``authenticate()`` accepted less than ``LOGIN_CACHE`` seconds ago is
    taken again without it (:class:`RememberedLogins`).
    """
    if found is None:
        return None
    user = REMEMBERED.user(found)
    if user is not None:
        return user
    user = authenticate(request, username=found[0], password=found[1])
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return None
    REMEMBERED.remember(found, user)
    return user


class RememberedLogins:
    """Logins ``authenticate()`` accepted lately, in this process, so as not to check them again.

    A client without cookies sends its password with every request, each part
    of an upload included, and Django's password hasher takes a third of a
    second here, on purpose. A login is remembered by a keyed hash of the login and password
    (never the password itself), with the user's id and stored password hash,
    for ``LOGIN_CACHE`` seconds from the check. It is taken again only for the
    same login and password, while the user is active and its stored password
    unchanged: a new password, or a user switched off, is checked (and refused)
    at once. Like a session cookie, it outlives a change in the authentication
    backends' own rules for those seconds. Failed logins are never remembered.
    """

    #: The most logins kept; the least recently used go first.
    SIZE: Final = 256

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._logins: OrderedDict[bytes, tuple[Any, str, float]] = OrderedDict()

    def user(self, found: tuple[str, str]) -> AbstractBaseUser | None:
        """The active user of a login remembered and still valid, else ``None``."""
        if not app_settings.LOGIN_CACHE:
            return None
        key = self._key(found)
        with self._lock:
            entry = self._logins.get(key)
        if entry is None:
            return None
        pk, password, until = entry
        user = None
        if self.clock() < until:
            user = get_user_model()._default_manager.filter(pk=pk).first()
        if user is None or not user.is_active or user.password != password:
            with self._lock:
                self._logins.pop(key, None)
            return None
        with self._lock:
            if key in self._logins:
                self._logins.move_to_end(key)
        return user

    def remember(self, found: tuple[str, str], user: AbstractBaseUser) -> None:
        """``authenticate()`` accepted ``found`` as ``user`` just now."""
        seconds = app_settings.LOGIN_CACHE
        if not seconds or user.pk is None:
            return
        with self._lock:
            self._logins[self._key(found)] = (user.pk, user.password, self.clock() + seconds)
            while len(self._logins) > self.SIZE:
                self._logins.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self._logins.clear()

    @staticmethod
    def _key(found: tuple[str, str]) -> bytes:
        login, password = found
        value = f"{len(login)}:{login}{password}"
        return salted_hmac(_KEY_SALT, value, algorithm="sha256").digest()


_KEY_SALT: Final = "cml_exchange.protocol.auth.RememberedLogins"
REMEMBERED = RememberedLogins()


def may_exchange(user: AbstractBaseUser, kind: str, settings: ExchangeSettings) -> bool:
    """A superuser, a member of a group chosen in the settings, or a holder of the permission."""
    if getattr(user, "is_superuser", False):
        return True
    if user.has_perm(PERMISSION):  # type: ignore[attr-defined]
        return True
    chosen = settings.catalog_groups if kind == ExchangeKind.CATALOG else settings.sale_groups
    return chosen.filter(user=user).exists()


def throttled(address: str | None, username: str) -> int:
    """Minutes the caller must wait before its password is checked (0: it may try).

    Called before every password check, on every mode. Counted are the failed
    logins of the last ``AUTH_WINDOW`` seconds, as the view records them
    (``ExchangeRequest`` rows with the message ``replies.BAD_LOGIN``, whatever
    the mode; a refusal for waiting does not count):

    - ``AUTH_FAILURES`` failures of this login name from this address lock
      that pair, and only that pair: 1C's own login from its own address,
      and any login from an address that did not fail, are not held up;
    - ``AUTH_ADDRESS_FAILURES`` failures from this address, whatever the
      names, lock the address (one caller trying many names).

    Requests that sent no login at all checked no password and do not count.
    A name is never locked everywhere: that would let anyone lock 1C out.
    One query, of at most ``max(AUTH_FAILURES, AUTH_ADDRESS_FAILURES)`` rows.
    """
    pair_limit = app_settings.AUTH_FAILURES
    address_limit = app_settings.AUTH_ADDRESS_FAILURES
    if not address or not (pair_limit or address_limit):
        return 0
    window = dt.timedelta(seconds=app_settings.AUTH_WINDOW)
    now = timezone.now()
    name = username[:150]  # as the request log stores it
    newest_first = ExchangeRequest.objects.failed_logins(
        address,
        status=FAILURE,
        message=BAD_LOGIN,
        since=now - window,
        limit=max(pair_limit, address_limit),
    )
    # The oldest failure that must leave the window before a try is allowed again.
    oldest: list[dt.datetime] = []
    if address_limit and len(newest_first) >= address_limit:
        oldest.append(newest_first[address_limit - 1][1])
    pair = [created for login_name, created in newest_first if login_name == name]
    if pair_limit and len(pair) >= pair_limit:
        oldest.append(pair[pair_limit - 1])
    if not oldest:
        return 0
    wait = max(oldest) + window - now
    logger.warning(
        "Too many failed 1C logins from %s (login %r); refused for %s", address, name, wait
    )
    return max(1, int(wait.total_seconds() // 60) + 1)


def client_address(request: HttpRequest) -> str | None:
    """The caller's address: ``REMOTE_ADDR``, or behind a trusted proxy the one it forwarded.

    With ``CML_EXCHANGE_TRUSTED_PROXIES`` empty (the default) no header is
    believed: anyone can send ``X-Forwarded-For``. When ``REMOTE_ADDR`` is one
    of those proxies, ``X-Forwarded-For`` is read from its right end, where
    the proxy appended the address it saw; entries that are themselves
    trusted proxies (a chain of them) are passed over. django-ipware reads
    the chain that is left: the client and the trusted proxies after it.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = app_settings.TRUSTED_PROXIES
    if remote is None or not proxies or not _is_proxy(remote, proxies):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        logger.warning("Request from the trusted proxy %s without X-Forwarded-For", remote)
        return remote
    behind = 0  # trusted proxies between the client and the one that called us
    while behind < len(hops) - 1 and _is_proxy(hops[-1 - behind], proxies):
        behind += 1
    # What came before the client is the client's to write, so it is left out.
    chain = HttpRequest()
    chain.META = {"HTTP_X_FORWARDED_FOR": ", ".join(hops[-1 - behind :])}
    found, _routable = get_client_ip(
        chain, proxy_count=behind, request_header_order=["HTTP_X_FORWARDED_FOR"]
    )
    return found or remote


def _is_proxy(address: str, proxies: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in proxies)
