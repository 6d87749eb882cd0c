"""Who is calling: credentials wherever servers put them, rights, and throttling of failures."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging

from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone

from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeKind, ExchangeRequest, ExchangeSettings

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
        text = _decode(decoded)
        login, colon, password = text.partition(":")
        if colon and login:
            return login, password
    user = request.GET.get("USER_LOGIN", "")
    if user:
        return user, request.GET.get("USER_PASSWORD", "")
    return None


def _decode(raw: bytes) -> str:
    """Basic credentials are UTF-8 in current 1C; older builds send windows-1251."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1251", errors="replace")


def login(request: HttpRequest, found: tuple[str, str] | None) -> AbstractBaseUser | None:
    """The active user those credentials belong to, through Django's ``authenticate()``."""
    if found is None:
        return None
    user = authenticate(request, username=found[0], password=found[1])
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return None
    return user


def may_exchange(user: AbstractBaseUser, kind: str, settings: ExchangeSettings) -> bool:
    """A superuser, a member of a group chosen in the settings, or a holder of the permission."""
    if getattr(user, "is_superuser", False):
        return True
    if user.has_perm(PERMISSION):  # type: ignore[attr-defined]
        return True
    chosen = settings.catalog_groups if kind == ExchangeKind.CATALOG else settings.sale_groups
    return chosen.filter(user=user).exists()


def throttled(address: str | None) -> int:
    """Minutes an address must wait after too many failed logins (0 when it may try)."""
    limit = app_settings.AUTH_FAILURES
    if not address or not limit:
        return 0
    window = dt.timedelta(seconds=app_settings.AUTH_WINDOW)
    since = timezone.now() - window
    failures = ExchangeRequest.objects.filter(
        address=address, mode="checkauth", status="failure", created__gte=since
    ).values_list("created", flat=True)
    recent = sorted(failures)
    if len(recent) < limit:
        return 0
    wait = recent[-limit] + window - timezone.now()
    logger.warning("Too many failed 1C logins from %s; refused for %s", address, wait)
    return max(1, int(wait.total_seconds() // 60) + 1)


def client_address(request: HttpRequest) -> str | None:
    """The caller's address as the server saw it (``REMOTE_ADDR``; proxies set it right)."""
    return request.META.get("REMOTE_ADDR") or None
