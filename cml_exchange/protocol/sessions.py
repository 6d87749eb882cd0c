"""Exchange sessions: opened by ``checkauth``, found again by the cookie 1C sends back.

The session lives in the database, so any worker process recognises it,
after any restart. 1C takes the cookie's name and value from lines 2 and 3
of the ``checkauth`` reply and sends ``Cookie: name=value`` with every later
request, and appends line 4 (``sessid=…``) to every later URL.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from cml_exchange.models import ExchangeRequest, ExchangeSession, ExchangeSettings

#: The session cookie's name: no dots, which 1C cannot handle.
COOKIE_NAME = "CML_EXCHANGE_SESSION"


def open_session(
    request: HttpRequest, user: AbstractBaseUser, kind: str, address: str | None
) -> ExchangeSession:
    return ExchangeSession.objects.create(
        kind=kind,
        token=secrets.token_hex(20),
        sessid=secrets.token_hex(16),
        user=user,  # type: ignore[misc]
        address=address,
    )


def find_session(request: HttpRequest, kind: str) -> ExchangeSession | None:
    """The session named by the request's cookie, if it is one of ``kind`` and still open."""
    token = request.COOKIES.get(COOKIE_NAME)
    if not token:
        return None
    return (
        ExchangeSession.objects.select_related("user")
        .filter(token=token, kind=kind, finished__isnull=True)
        .first()
    )


def latest_open_session(user: AbstractBaseUser, kind: str) -> ExchangeSession | None:
    """For requests carrying Basic credentials but no cookie: the user's open session."""
    return (
        ExchangeSession.objects.filter(user=user, kind=kind, finished__isnull=True)  # type: ignore[misc]
        .order_by("-created")
        .first()
    )


def sessid_ok(request: HttpRequest, session: ExchangeSession, kind: str) -> bool:
    """Bitrix's rule: ``sessid`` is not required until 1C has sent a valid one once.

    The first valid ``sessid`` on a request other than ``checkauth`` makes it
    required for good (1C modules that know about it always send it), so a
    stolen cookie alone is not enough afterwards.
    """
    sent = request.GET.get("sessid")
    field = "catalog_sessid_required" if kind == "catalog" else "sale_sessid_required"
    settings = ExchangeSettings.load()
    if sent is not None and secrets.compare_digest(sent, session.sessid):
        if not getattr(settings, field):
            ExchangeSettings.objects.filter(pk=settings.pk).update(**{field: True})
        return True
    return not getattr(settings, field)


def note_init(session: ExchangeSession, version: str | None) -> None:
    ExchangeSession.objects.filter(pk=session.pk).update(
        initialized=timezone.now(), version=(version or "")[:16]
    )
    session.initialized = timezone.now()


def finish(session: ExchangeSession, outcome: str) -> None:
    ExchangeSession.objects.filter(pk=session.pk).update(finished=timezone.now(), outcome=outcome)


def count_upload(session: ExchangeSession, size: int, new_file: bool) -> None:
    ExchangeSession.objects.filter(pk=session.pk).update(
        bytes_received=F("bytes_received") + size, files=F("files") + int(new_file)
    )


def log_request(
    request: HttpRequest,
    *,
    session: ExchangeSession | None,
    kind: str,
    mode: str,
    username: str,
    address: str | None,
    status: str,
    message: str,
    bytes_in: int,
    duration_ms: int,
) -> None:
    if session is not None:  # auto_now is not applied by update(): keep "last request" true
        ExchangeSession.objects.filter(pk=session.pk).update(last_seen=timezone.now())
    ExchangeRequest.objects.create(
        session=session,
        kind=kind[:32],
        mode=mode[:32],
        filename=(request.GET.get("filename") or "")[:500],
        method=request.method[:8] if request.method else "",
        address=address,
        username=username[:150],
        bytes_in=bytes_in,
        duration_ms=duration_ms,
        status=status[:16],
        message=message[:500],
    )


@contextmanager
def exclusive(session: ExchangeSession, seconds: float) -> Iterator[bool]:
    """Hold the session for one request; yields whether it was free.

    Two requests of one exchange never run the importer at once: the second
    one gets ``False`` and answers ``progress``, and 1C asks again. A lease
    (an atomic ``UPDATE … WHERE`` on the session row) works the same on
    PostgreSQL and SQLite; a process that dies holding it loses it when it runs out.
    """
    owner = uuid.uuid4().hex
    now = timezone.now()
    taken = (
        ExchangeSession.objects.filter(pk=session.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=owner, lease_until=now + dt.timedelta(seconds=seconds))
    )
    try:
        yield taken == 1
    finally:
        if taken:
            ExchangeSession.objects.filter(pk=session.pk, lease_owner=owner).update(
                lease_owner="", lease_until=None
            )
