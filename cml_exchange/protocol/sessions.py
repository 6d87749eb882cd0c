"""Exchange sessions: opened by ``checkauth``, found again by the cookie 1C sends back.

The session lives in the database, so any worker process recognises it,
after any restart. 1C takes the cookie's name and value from lines 2 and 3
of the ``checkauth`` reply and sends ``Cookie: name=value`` with every later
request, and appends line 4 (``sessid=…``) to every later URL.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from cml_exchange.models import ExchangeRequest, ExchangeSession, ExchangeSettings

#: The session cookie's name: no dots, which 1C cannot handle.
COOKIE_NAME = "CML_EXCHANGE_SESSION"
#: How long a session's cookie stays valid after its last request.
SESSION_IDLE = dt.timedelta(hours=3)
#: A cookie-less ``init`` goes on with the session a ``checkauth`` this recent opened.
CHECKAUTH_TO_INIT = dt.timedelta(minutes=10)


def open_session(
    user: AbstractBaseUser,
    kind: str,
    address: str | None,
    *,
    token: str | None = None,
    sessid: str | None = None,
) -> ExchangeSession:
    """A new exchange of ``kind`` (with ``token``/``sessid``: one more type of a login)."""
    return ExchangeSession.objects.create(
        kind=kind,
        token=token or secrets.token_hex(20),
        sessid=sessid or secrets.token_hex(16),
        user=user,  # type: ignore[misc]
        address=address,
    )


def cookie_session(request: HttpRequest, kind: str) -> ExchangeSession | None:
    """The session the request's cookie names, of ``kind`` if there is one, else of another type.

    Sessions silent for :data:`SESSION_IDLE` are no longer found. A finished
    session still is: 1C goes on after ``success`` with the same cookie (orders
    files), as a 1-C-Bitrix session outlives its exchange.
    """
    token = request.COOKIES.get(COOKIE_NAME)
    if not token:
        return None
    found = list(
        ExchangeSession.objects.select_related("user").filter(
            token=token, last_seen__gte=timezone.now() - SESSION_IDLE
        )
    )
    found.sort(key=lambda session: session.kind != kind)
    return found[0] if found else None


def session_of_kind(known: ExchangeSession, kind: str, address: str | None) -> ExchangeSession:
    """``known`` if it is of ``kind``, else the session of ``kind`` sharing its cookie."""
    if known.kind == kind:
        return known
    sibling, _created = ExchangeSession.objects.select_related("user").get_or_create(
        token=known.token,
        kind=kind,
        defaults={"sessid": known.sessid, "user": known.user, "address": address},
    )
    return sibling


def session_without_cookie(
    user: AbstractBaseUser, kind: str, mode: str, address: str | None
) -> ExchangeSession:
    """The session of a request that logged in by itself (Basic auth, no cookie).

    Clients that never keep cookies still make one exchange of several
    requests: they go on with the user's latest unfinished session of this
    type if it was active lately. ``init`` starts a new exchange, unless the
    latest session was opened by a ``checkauth`` just before and not yet
    initialised.
    """
    now = timezone.now()
    recent = ExchangeSession.objects.filter(
        user=user,  # type: ignore[misc]
        kind=kind,
        finished__isnull=True,
    ).order_by("-last_seen", "-pk")
    if mode == "init":
        recent = recent.filter(initialized__isnull=True, last_seen__gte=now - CHECKAUTH_TO_INIT)
    else:
        recent = recent.filter(last_seen__gte=now - SESSION_IDLE)
    return recent.first() or open_session(user, kind, address)


def sessid_ok(
    request: HttpRequest, session: ExchangeSession, kind: str, settings: ExchangeSettings
) -> bool:
    """Bitrix's rule: ``sessid`` is not required until 1C has sent a valid one once.

    The first valid ``sessid`` on a request other than ``checkauth`` makes it
    required for good (1C modules that know about it always send it), so a
    stolen cookie alone is not enough afterwards. The shop owner may turn the
    check off (``check_request_source``), as 1-C-Bitrix's component allows.
    """
    if not settings.check_request_source:
        return True
    sent = request.GET.get("sessid")
    field = "catalog_sessid_required" if kind == "catalog" else "sale_sessid_required"
    if sent is not None and secrets.compare_digest(sent, session.sessid):
        if not getattr(settings, field):
            ExchangeSettings.objects.filter(pk=settings.pk).update(**{field: True})
            setattr(settings, field, True)
        return True
    return not getattr(settings, field)


def note_init(session: ExchangeSession, version: str | None) -> None:
    ExchangeSession.objects.filter(pk=session.pk).update(
        initialized=timezone.now(), version=(version or "")[:16]
    )
    session.initialized = timezone.now()


def finish(session: ExchangeSession, outcome: str) -> None:
    """Show the exchange as finished now (a later request of it opens it again)."""
    now = timezone.now()
    ExchangeSession.objects.filter(pk=session.pk).update(finished=now, outcome=outcome)
    session.finished, session.outcome = now, outcome


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
    reopen: bool = False,
) -> None:
    if session is not None:  # auto_now is not applied by update(): keep "last request" true
        # A session finished before this request, which did not finish it again, is open again.
        reopened = {"finished": None, "outcome": ""} if reopen else {}
        ExchangeSession.objects.filter(pk=session.pk).update(last_seen=timezone.now(), **reopened)
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
