"""What every handler gets (a :class:`Call`), and the login both exchange types open with."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest

from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeSession, ExchangeSettings
from cml_exchange.protocol import replies
from cml_exchange.protocol.auth import credentials, login, may_exchange
from cml_exchange.protocol.replies import Reply
from cml_exchange.protocol.sessions import COOKIE_NAME
from cml_exchange.storage.folders import ExchangeFolder

logger = logging.getLogger(__name__)


@dataclass
class Call:
    """One request, as the handlers see it."""

    request: HttpRequest
    kind: str
    settings: ExchangeSettings
    address: str | None
    session: ExchangeSession | None = None
    #: When the session had finished before this request (``None``: it was open).
    finished_before: dt.datetime | None = None
    #: The request named its session by the cookie ``checkauth`` gave.
    by_cookie: bool = False
    #: Set by a handler whose import did not take everything as 1C sent it (it
    #: warned, or told 1C of documents not applied): the monitor shows the
    #: exchange "успешно, с замечаниями".
    remarks: bool = False
    #: Database writes the handler leaves to the view, which makes them in the
    #: transaction that logs the request (one commit for both); see :meth:`defer`.
    writes: list[Callable[[], None]] = dataclasses.field(default_factory=list)
    #: What puts back the handler's work outside the database if those writes fail.
    undo: list[Callable[[], None]] = dataclasses.field(default_factory=list)
    #: Bytes of uploads this request stored, and files it began: added to the
    #: session's counts when the view notes the session as seen.
    received: int = 0
    new_files: int = 0
    #: Set by a handler whose deferred writes only count what it stored in files
    #: that are not synced either, by ``statements.update()`` and ``insert()``,
    #: reading nothing back: the request's transaction is then an
    #: :func:`~cml_exchange.models.unsynced.unsynced_batch`, and a crash loses no
    #: more of it than of those files' unsynced bytes.
    unsynced: bool = False

    def defer(self, write: Callable[[], None], *, undo: Callable[[], None]) -> None:
        """Have the view make ``write`` with the request's log, or call ``undo`` if that fails.

        For short handlers whose reply is decided before their bookkeeping (an
        upload's part): their rows, the session's ``last_seen`` and the log then
        commit together, once. If that transaction fails, ``undo`` runs and 1C
        gets ``failure`` instead of the handler's reply, so that what was done
        and what was recorded never disagree.
        """
        self.writes.append(write)
        self.undo.append(undo)

    def write_now(self) -> bool:
        """Make the deferred writes at once, for a handler that goes on to read them.

        In a transaction of their own; if it fails, the work is undone (as the view
        would undo it) and ``False`` is returned, for the handler to answer ``failure``.
        """
        writes, undo = self.writes, self.undo
        self.writes, self.undo = [], []
        try:
            with transaction.atomic():
                for write in writes:
                    write()
        except Exception:
            logger.exception("Could not record a 1C exchange request; its work is undone")
            self.undo = undo
            self.undo_work()
            return False
        return True

    def undo_work(self) -> None:
        """Put back what the handler did outside the database (its deferred writes failed)."""
        self.received = self.new_files = 0
        for step in self.undo:
            try:
                step()
            except Exception:
                logger.exception("Could not undo a 1C exchange request")

    @property
    def reopens_session(self) -> bool:
        """The session had finished, and this request (which did not finish it) goes on with it."""
        session = self.session
        return (
            session is not None
            and self.finished_before is not None
            and session.finished == self.finished_before
        )

    @property
    def kind_directory(self) -> Path:
        """Where this exchange type keeps 1C's files: ``<UPLOAD_ROOT>/catalog`` or ``…/sale``."""
        return app_settings.UPLOAD_ROOT / self.kind

    @property
    def folder(self) -> ExchangeFolder:
        """The exchange's uploads: its own folder in :attr:`kind_directory`, and their rows."""
        return ExchangeFolder(self.kind_directory, self.open())

    @property
    def directory(self) -> Path:
        """The exchange's own folder in :attr:`kind_directory`, where its uploads go."""
        return self.folder.path

    def open(self) -> ExchangeSession:
        if self.session is None:  # the view only calls other modes with a session
            raise RuntimeError("no exchange session")
        return self.session


def site_user(request: HttpRequest) -> AbstractBaseUser | None:
    """The active user logged in to the site by Django's session cookie, if any."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


def authorise(
    call: Call, *, site_user_allowed: bool
) -> tuple[AbstractBaseUser | None, Reply | None]:
    """The user a request logs in as by itself, and the refusal if it may not exchange.

    The login is HTTP Basic (or ``USER_LOGIN``/``USER_PASSWORD``); without
    credentials and with ``site_user_allowed``, a user already logged in to
    the site (Django's session) is taken, as 1-C-Bitrix takes ``$USER`` when
    it is authorised. The refusal is ``failure`` with Bitrix's words for a bad
    login (no user) or for a user without the rights to this exchange type.
    """
    found = credentials(call.request)
    if found is not None:
        user = login(call.request, found)
    else:
        user = site_user(call.request) if site_user_allowed else None
    if user is None:
        return None, replies.failure(replies.BAD_LOGIN)
    if not may_exchange(user, call.kind, call.settings):
        return user, replies.failure(replies.NO_RIGHTS[call.kind])
    return user, None


def open_exchange(call: Call) -> tuple[Reply, ExchangeSession | None, AbstractBaseUser | None]:
    """``checkauth``: log in (:func:`authorise`, the site's user allowed), open a session.

    The reply is ``success``, the cookie's name and value and ``sessid=…``,
    four lines each ending in a line break (the sale exchange's whole
    answer; the catalog adds ``timestamp=…``), and the same cookie in
    ``Set-Cookie``.
    """
    user, refusal = authorise(call, site_user_allowed=True)
    if refusal is not None or user is None:
        return refusal or replies.failure(replies.BAD_LOGIN), None, user
    session = ExchangeSession.objects.open(user, call.kind, call.address)
    reply = replies.lines(replies.SUCCESS, COOKIE_NAME, session.token, f"sessid={session.sessid}")
    return dataclasses.replace(reply, cookie=(COOKIE_NAME, session.token)), session, user
