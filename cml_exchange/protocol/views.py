"""The one view behind ``1c_exchange.php``: (type, mode) → handler → reply.

It translates HTTP and nothing else: it finds the handler, checks the
source, the login and the rights in Bitrix's order, turns any error into a
``failure`` reply (never an error page, never a 500, which 1C cannot read),
and logs the request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from cml_exchange.commerceml.errors import CmlExchangeError
from cml_exchange.models import (
    ExchangeKind,
    ExchangeRequest,
    ExchangeSession,
    unsynced,
)
from cml_exchange.protocol import catalog, replies, sale
from cml_exchange.protocol.auth import client_address, credentials, may_exchange, throttled
from cml_exchange.protocol.call import Call, authorise
from cml_exchange.protocol.query import query_value
from cml_exchange.protocol.replies import Reply
from cml_exchange.protocol.sessions import sessid_ok, settings_and_session
from cml_exchange.transactions import own_transactions

logger = logging.getLogger("cml_exchange.protocol")

Handler = Callable[[Call], Reply]

#: Handlers of every (type, mode) but checkauth, which is special: it opens the session.
HANDLERS: dict[str, dict[str, Handler]] = {
    ExchangeKind.CATALOG.value: catalog.HANDLERS,
    ExchangeKind.SALE.value: sale.HANDLERS,
}
CHECKAUTH = {ExchangeKind.CATALOG.value: catalog.checkauth, ExchangeKind.SALE.value: sale.checkauth}
BAD_SOURCE: dict[str, str] = {
    ExchangeKind.CATALOG.value: replies.BAD_SOURCE_CATALOG,
    ExchangeKind.SALE.value: replies.BAD_SOURCE_SALE,
}


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(own_transactions, name="dispatch")
class ExchangeView(View):
    """Serves 1C at any HTTP method: 1C uses GET and POST, some releases POST for everything."""

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        started = time.monotonic()
        kind = request.GET.get("type", "")
        mode = request.GET.get("mode", "")
        address = client_address(request)
        username = ""
        # Only a request some handler serves counts its cookie: the others are refused first.
        served = mode in HANDLERS.get(kind, {})
        try:
            settings, known = settings_and_session(
                request, kind, session=served, upload=served and mode == "file"
            )
        except Exception as error:
            logger.exception("1C exchange request %s/%s failed", kind, mode)
            reply = replies.failure(replies.INTERNAL_ERROR.format(error=type(error).__name__))
            try:
                with transaction.atomic():
                    _log_request(request, kind, address, None, "", reply, started)
            except Exception:
                logger.exception("Could not log a 1C exchange request")
            return reply.response(secure=request.is_secure())
        call = Call(request=request, kind=kind, settings=settings, address=address)
        try:
            reply, username = self._answer(call, mode, known)
        except CmlExchangeError as error:
            reply = replies.failure(str(error))
        except Exception as error:
            logger.exception("1C exchange request %s/%s failed", kind, mode)
            reply = replies.failure(replies.INTERNAL_ERROR.format(error=type(error).__name__))
        reply = _book(call, username, reply, started)
        return reply.response(secure=request.is_secure())

    def _answer(self, call: Call, mode: str, known: ExchangeSession | None) -> tuple[Reply, str]:
        """The reply, and the login name for the log.

        Bitrix's order: the request's source (``sessid``), the login, the
        rights. A request names its exchange by the cookie ``checkauth`` gave
        (of either type: the cookie belongs to the login) or logs in by
        itself (Basic auth or ``USER_LOGIN`` on any mode). Every password
        check, on any mode, passes the failed-login throttle first.
        """
        kind = call.kind
        if kind not in HANDLERS or (mode != "checkauth" and mode not in HANDLERS[kind]):
            return replies.failure(replies.UNKNOWN_COMMAND), ""
        name = _login_name(call.request)
        if known is None:
            wait = throttled(call.address, name)
            if wait:
                return replies.failure(replies.THROTTLED.format(minutes=wait)), name
        if mode == "checkauth":
            reply, session, user = CHECKAUTH[kind](call)
            call.session = session
            return reply, user.get_username() if user else name
        if known is not None:
            user = known.user
            if not sessid_ok(call.request, known, kind, call.settings):
                return replies.failure(BAD_SOURCE[kind]), user.get_username() if user else ""
            if user is None or not user.is_active:
                return replies.failure(replies.BAD_LOGIN), ""
            if known.kind != kind and not may_exchange(user, kind, call.settings):
                return replies.failure(replies.NO_RIGHTS[kind]), user.get_username()
            session = known.of_kind(kind, call.address)
            call.by_cookie = True
        else:
            user, refusal = authorise(call, site_user_allowed=False)
            if refusal is not None or user is None:
                name = user.get_username() if user else name
                return refusal or replies.failure(replies.BAD_LOGIN), name
            session = ExchangeSession.objects.without_cookie(user, kind, mode, call.address)
        call.session = session
        call.finished_before = session.finished
        return HANDLERS[kind][mode](call), user.get_username()


def _book(call: Call, username: str, reply: Reply, started: float) -> Reply:
    """Make the handler's deferred writes, note the session as seen and log the request.

    All in one transaction: one commit a request. The reply 1C gets: the
    handler's, or ``failure`` if the handler's own writes could not be made
    (its work is undone, :meth:`Call.defer`). A log that cannot be written
    never costs 1C its answer otherwise.
    """
    try:
        with unsynced.unsynced_batch() if call.unsynced else transaction.atomic():
            for write in call.writes:
                write()
            _log(call, username, reply, started)
        return reply
    except Exception as error:
        if not call.writes:
            logger.exception("Could not log a 1C exchange request")
            return reply
        logger.exception("Could not record a 1C exchange request; its work is undone")
        failed = replies.failure(replies.INTERNAL_ERROR.format(error=type(error).__name__))
    call.undo_work()
    try:
        with transaction.atomic():
            _log(call, username, failed, started)
    except Exception:
        logger.exception("Could not log a 1C exchange request")
    return failed


def _log(call: Call, username: str, reply: Reply, started: float) -> None:
    if call.session is not None:
        call.session.touch(
            reopen=call.reopens_session,
            received=call.received,
            new_files=call.new_files,
            by_cookie=call.by_cookie,
            remarks=call.remarks,
        )
    _log_request(
        call.request,
        call.kind,
        call.address,
        call.session,
        username,
        reply,
        started,
        received=call.received,
    )


def _log_request(
    request: HttpRequest,
    kind: str,
    address: str | None,
    session: ExchangeSession | None,
    username: str,
    reply: Reply,
    started: float,
    *,
    received: int = 0,
) -> None:
    """Log one request; ``received``: the bytes an upload stored (a chunked body has no length)."""
    ExchangeRequest.objects.log(
        session=session,
        kind=kind,
        mode=request.GET.get("mode", ""),
        filename=query_value(request, "filename") or "",
        method=request.method or "",
        username=username,
        address=address,
        status=reply.status,
        message=reply.message,
        bytes_in=received or int(request.META.get("CONTENT_LENGTH") or 0),
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _login_name(request: HttpRequest) -> str:
    found = credentials(request)
    return found[0] if found else ""


exchange_view = ExchangeView.as_view()
