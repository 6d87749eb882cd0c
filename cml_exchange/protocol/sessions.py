"""Which exchange a request belongs to: the cookie ``checkauth`` gave, and the ``sessid`` check.

The session lives in the database (:class:`~cml_exchange.models.ExchangeSession`),
so any worker process recognises it, after any restart. 1C takes the
cookie's name and value from lines 2 and 3 of the ``checkauth`` reply and
sends ``Cookie: name=value`` with every later request, and appends line 4
(``sessid=…``) to every later URL.
"""

from __future__ import annotations

from django.db import router
from django.http import HttpRequest

from cml_exchange.models import ExchangeSession, ExchangeSettings, statements
from cml_exchange.models.health import read_checking
from cml_exchange.protocol.query import query_value
from cml_exchange.storage.uploads import UnsafeName, safe_name

#: The session cookie's name: no dots, which 1C cannot handle.
COOKIE_NAME = "CML_EXCHANGE_SESSION"


def settings_and_session(
    request: HttpRequest, kind: str, *, session: bool, upload: bool
) -> tuple[ExchangeSettings, ExchangeSession | None]:
    """The settings and, with ``session``, the session the request's cookie names.

    The session is of ``kind`` if there is one, else of another type
    (``ExchangeSession.objects.by_token``). Both are read together, in one
    round trip on PostgreSQL; with ``upload`` (a part of a file, whose name is
    the ``filename`` parameter) the file's row comes with the session, so
    that the part waits for the database once before its writes, not three
    times. Being the request's first read, it also stands for Django's check of
    a kept connection (:func:`~cml_exchange.models.health.read_checking`).
    """
    using = router.db_for_write(ExchangeSettings)  # where ExchangeSettings.read() reads
    token = request.COOKIES.get(COOKIE_NAME) if session else None
    if not token:
        return read_checking(ExchangeSettings.load, using=using), None
    name = None
    if upload:
        try:
            name = safe_name(query_value(request, "filename"))
        except UnsafeName:  # refused by the handler, in its words
            name = None
    sessions = ExchangeSession.objects
    settings_rows, session_rows = read_checking(
        lambda: statements.together(
            ExchangeSettings.read(), sessions.token_read(token, kind, upload=name)
        ),
        using=using,
    )
    return ExchangeSettings.from_rows(settings_rows), sessions.pick(session_rows, kind)


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
    if sent is not None and session.sessid_matches(sent):
        settings.require_sessid(kind)
        return True
    return not settings.sessid_required(kind)
