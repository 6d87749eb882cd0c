"""What every handler gets (a :class:`Call`), and the login both exchange types open with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeSession, ExchangeSettings
from cml_exchange.protocol import replies
from cml_exchange.protocol.auth import credentials, login, may_exchange
from cml_exchange.protocol.replies import Reply
from cml_exchange.protocol.sessions import COOKIE_NAME, open_session


@dataclass
class Call:
    """One request, as the handlers see it."""

    request: HttpRequest
    kind: str
    settings: ExchangeSettings
    address: str | None
    session: ExchangeSession | None = None

    @property
    def directory(self) -> Path:
        """Where this exchange type keeps 1C's files: ``<UPLOAD_ROOT>/catalog`` or ``…/sale``."""
        return app_settings.UPLOAD_ROOT / self.kind

    def open(self) -> ExchangeSession:
        if self.session is None:  # the view only calls other modes with a session
            raise RuntimeError("no exchange session")
        return self.session


def open_exchange(
    call: Call, no_rights: str
) -> tuple[Reply, ExchangeSession | None, AbstractBaseUser | None]:
    """``checkauth``: log in, check the rights, open a session.

    The reply is ``success``, the cookie's name and value and ``sessid=…``,
    four lines each ending in a line break (the sale exchange's whole
    answer; the catalog adds ``timestamp=…``). ``no_rights`` is the message
    for a user who may not exchange this type.
    """
    user = login(call.request, credentials(call.request))
    if user is None:
        return replies.failure(replies.BAD_LOGIN), None, None
    if not may_exchange(user, call.kind, call.settings):
        return replies.failure(no_rights), None, user
    session = open_session(call.request, user, call.kind, call.address)
    reply = replies.lines(replies.SUCCESS, COOKIE_NAME, session.token, f"sessid={session.sessid}")
    return reply, session, user
