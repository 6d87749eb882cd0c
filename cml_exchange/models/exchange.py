"""The exchange log: sessions opened by ``checkauth``, every request, the stored files."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any, Literal, cast

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cml_exchange.models import statements
from cml_exchange.models.base import Leased

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

#: How long a session's cookie stays valid after its last request.
SESSION_IDLE = dt.timedelta(hours=3)
#: A cookie-less ``init`` goes on with the session a ``checkauth`` this recent opened.
CHECKAUTH_TO_INIT = dt.timedelta(minutes=10)


class ExchangeKind(models.TextChoices):
    CATALOG = "catalog", _("catalog")
    SALE = "sale", _("orders")


class ExchangeSessionManager(models.Manager["ExchangeSession"]):
    """Opening exchanges and finding them again, by cookie or by login."""

    def open(
        self,
        user: AbstractBaseUser,
        kind: str,
        address: str | None,
        *,
        token: str | None = None,
        sessid: str | None = None,
    ) -> ExchangeSession:
        """A new exchange of ``kind`` (with ``token``/``sessid``: one more type of a login)."""
        return self.create(  # type: ignore[misc]
            kind=kind,
            token=token or secrets.token_hex(20),
            sessid=sessid or secrets.token_hex(16),
            user=user,
            address=address,
        )

    def by_token(
        self, token: str, kind: str, *, upload: str | None = None
    ) -> ExchangeSession | None:
        """The session cookie ``token`` names: of ``kind`` if there is one, else of another type.

        Sessions silent for :data:`SESSION_IDLE` are no longer found. A finished
        session still is: 1C goes on after ``success`` with the same cookie
        (orders files), as a 1-C-Bitrix session outlives its exchange.
        ``upload``: the name of a file a part of which the request brings; its
        row comes with the session (:meth:`ExchangeSession.upload_row`).
        """
        return self.pick(self.token_read(token, kind, upload=upload).rows(), kind)

    def token_read(self, token: str, kind: str, *, upload: str | None = None) -> statements.Read:
        """The read of :meth:`by_token`, for ``statements.together()``; :meth:`pick` chooses."""
        beside = None
        if upload is not None:
            beside = statements.Beside(
                ExchangeFile,
                {"kind": kind},
                named="name",
                prefix=FOLDER_PREFIX,
                suffix=f"/{upload}",
                attribute=_UPLOAD_ROW,
            )
        return statements.Read(
            self.model,
            {"token": token, "last_seen__gte": timezone.now() - SESSION_IDLE},
            related="user",
            beside=beside,
        )

    def pick(self, found: list[ExchangeSession], kind: str) -> ExchangeSession | None:
        """The session :meth:`by_token` gives among the rows its read found."""
        found.sort(key=lambda session: session.kind != kind)
        return found[0] if found else None

    def without_cookie(
        self, user: AbstractBaseUser, kind: str, mode: str, address: str | None
    ) -> ExchangeSession:
        """The session of a request that logged in by itself (Basic auth, no cookie).

        Clients that never keep cookies still make one exchange of several
        requests: they go on with the user's latest unfinished session of this
        type if it was active lately. An orders file (``file``, ``import``)
        goes on with it finished too, as 1C sends its orders file after
        ``success`` with its cookie; a finished catalog exchange is never
        joined, so that the next run's ``deactivate`` counts from its own start.
        ``init`` starts a new exchange, unless the latest session was opened by
        a ``checkauth`` just before and not yet initialised. A session a request
        has come back to with its cookie (``by_cookie``) is that client's alone:
        a request without one never joins it, so another script of the same
        login cannot take, say, the orders 1C's ``success`` is about to confirm.
        """
        now = timezone.now()
        where: dict[str, object] = {"user": user.pk, "kind": kind, "by_cookie": False}
        if mode == "init":
            where.update(
                initialized__isnull=True,
                finished__isnull=True,
                last_seen__gte=now - CHECKAUTH_TO_INIT,
            )
        else:
            where.update(last_seen__gte=now - SESSION_IDLE)
            if kind != ExchangeKind.SALE or mode not in ("file", "import"):
                where.update(finished__isnull=True)
        # Every request of such a client asks: by a statement built once.
        recent = statements.rows(self.model, where, order=("-last_seen", "-pk"), limit=1)
        return recent[0] if recent else self.open(user, kind, address)


class ExchangeSession(Leased):
    """One exchange of one type, from ``checkauth`` to ``complete`` (or to the next ``checkauth``).

    1C finds it again by the cookie ``checkauth`` gave (``token``). It lives in
    the database so that any worker process, after any restart, recognises it.
    As in 1C-Bitrix, the cookie belongs to the login, not to a type: a
    ``type=sale`` request with a cookie from a catalog ``checkauth`` gets a
    session of its own type sharing that cookie and ``sessid`` (one row per
    token and type), so each type keeps its own state, files and log.
    """

    kind = models.CharField(_("type"), max_length=16, choices=ExchangeKind.choices)
    token = models.CharField(max_length=64, db_index=True)
    sessid = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    version = models.CharField(_("schema version asked for"), max_length=16, blank=True)
    #: The orders schema ``init`` answered (``type=sale``): what its ``query`` writes,
    #: whatever the settings say by then. Empty: the old protocol, or a catalog exchange.
    answered_version = models.CharField(
        _("schema version answered"), max_length=16, blank=True, default="", db_default=""
    )
    created = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    initialized = models.DateTimeField(_("init"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last request"), auto_now=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, blank=True, db_index=True)
    files = models.PositiveIntegerField(_("files"), default=0)
    bytes_received = models.PositiveBigIntegerField(_("bytes received"), default=0)
    #: A request came back with the cookie ``checkauth`` gave: requests without
    #: one no longer join this exchange (:meth:`ExchangeSessionManager.without_cookie`).
    by_cookie = models.BooleanField(_("by cookie"), default=False, db_default=False)
    #: An import of this exchange did not take everything as 1C sent it: it
    #: warned, or told 1C of documents it did not apply (the monitor's "remarks").
    remarks = models.BooleanField(_("remarks"), default=False, db_default=False)

    objects = ExchangeSessionManager()

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-created"]
        permissions = [("exchange", _("Can exchange with 1C"))]
        constraints = [
            models.UniqueConstraint(fields=["token", "kind"], name="cml_session_token_kind")
        ]

    def __str__(self) -> str:
        created = (
            timezone.localtime(self.created) if timezone.is_aware(self.created) else self.created
        )
        return f"{self.get_kind_display()} {created:%Y-%m-%d %H:%M}"

    def upload_row(self, kind: str, name: str) -> ExchangeFile | Literal[False] | None:
        """The row of the upload ``name`` (folder included) read with this session, if it was.

        ``False`` when it was not read with it (``by_token(upload=…)``) for that
        type and name; ``None`` when it was and there is no such row.
        """
        read = self.__dict__.get(_UPLOAD_ROW)
        if not isinstance(read, statements.BesideRow):
            return False
        if read.looked_for != {"kind": kind, "name": name}:
            return False
        return cast("ExchangeFile | None", read.row)

    @property
    def folder(self) -> str:
        """The exchange's own folder in its type's upload directory.

        Each exchange stores what 1C uploads apart, so two exchanges running
        at once (two 1C bases, or one started twice) never write into, unpack
        over or import each other's files.
        """
        return f"{FOLDER_PREFIX}{self.pk}"

    def of_kind(self, kind: str, address: str | None) -> ExchangeSession:
        """Itself if of ``kind``, else the session of ``kind`` sharing its cookie."""
        if self.kind == kind:
            return self
        sibling, _created = ExchangeSession.objects.select_related("user").get_or_create(
            token=self.token,
            kind=kind,
            defaults={"sessid": self.sessid, "user": self.user, "address": address},
        )
        return sibling

    def sessid_matches(self, sent: str) -> bool:
        """Whether ``sent`` is this session's ``sessid`` (compared in constant time)."""
        return secrets.compare_digest(sent, self.sessid)

    def note_init(self, version: str | None, answered: str = "") -> None:
        """``init``: the exchange starts here, with the schema version 1C asked for.

        ``answered``: the orders schema the site answered, which its ``query`` writes.
        """
        self.initialized = timezone.now()
        self.version = (version or "")[:16]
        self.answered_version = answered[:16]
        self._update(
            initialized=self.initialized,
            version=self.version,
            answered_version=self.answered_version,
        )

    def finish(self, outcome: str) -> None:
        """Show the exchange as finished now (a later request of it opens it again)."""
        self.finished, self.outcome = timezone.now(), outcome
        self._update(finished=self.finished, outcome=outcome)

    def touch(
        self,
        *,
        reopen: bool = False,
        received: int = 0,
        new_files: int = 0,
        by_cookie: bool = False,
        remarks: bool = False,
    ) -> None:
        """A request of this exchange was answered now; ``reopen``: it goes on after finishing.

        ``received`` bytes of uploads (in ``new_files`` files begun) are added
        to the exchange's counts in the same update; ``by_cookie``: the request
        came with the exchange's cookie; ``remarks``: its import did not take
        everything as 1C sent it. ``auto_now`` is not applied by
        ``update()``, so ``last_seen`` is set here.
        """
        values: dict[str, Any] = {"last_seen": timezone.now()}
        if reopen:
            values.update(finished=None, outcome="")
        if by_cookie and not self.by_cookie:
            self.by_cookie = values["by_cookie"] = True
        if remarks and not self.remarks:
            self.remarks = values["remarks"] = True
        if received or new_files:
            values.update(bytes_received=statements.Add(received), files=statements.Add(new_files))
        self._update(**values)

    def _update(self, **values: Any) -> None:
        """Write ``values`` to this row alone (concurrent requests update other columns)."""
        statements.update(ExchangeSession, self.pk, **values)


#: The prefix of an exchange's folder name (``exchange-<session pk>``).
FOLDER_PREFIX = "exchange-"
#: Where a session read with an upload's row (``by_token(upload=…)``) keeps it.
_UPLOAD_ROW = "_cml_upload_row"


class ExchangeRequestManager(models.Manager["ExchangeRequest"]):
    def log(
        self,
        *,
        session: ExchangeSession | None,
        kind: str,
        mode: str,
        filename: str,
        method: str,
        address: str | None,
        username: str,
        status: str,
        message: str,
        bytes_in: int,
        duration_ms: int,
    ) -> None:
        """Record one answered request; values longer than their columns are cut.

        Every request writes one, so by a statement built once, without signals
        (:mod:`~cml_exchange.models.statements`).
        """
        statements.insert(
            self.model,
            session_id=session.pk if session is not None else None,
            kind=kind[:32],
            mode=mode[:32],
            filename=filename[:500],
            method=method[:8],
            address=address,
            username=username[:150],
            bytes_in=bytes_in,
            duration_ms=duration_ms,
            status=status[:16],
            message=message[:500],
        )

    def failed_logins(
        self, address: str, *, status: str, message: str, since: dt.datetime, limit: int
    ) -> list[tuple[str, dt.datetime]]:
        """The newest failed logins from ``address`` since ``since``: (login, time), ≤ ``limit``.

        A failed login is a request answered ``status`` with ``message``
        that sent a login name (requests without one checked no password).
        """
        # Checked before every password a client without cookies sends: a statement built once.
        newest = statements.rows(
            self.model,
            {
                "address": address,
                "status": status,
                "message": message,
                "created__gte": since,
                "username__ne": "",
            },
            order=("-created",),
            limit=limit,
        )
        return [(row.username, row.created) for row in newest]


class ExchangeRequest(models.Model):
    """One request 1C made, and the first lines of the answer it got."""

    session = models.ForeignKey(
        ExchangeSession,
        verbose_name=_("exchange"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requests",
    )
    kind = models.CharField(_("type"), max_length=32, blank=True)
    mode = models.CharField(_("mode"), max_length=32, blank=True)
    filename = models.CharField(_("file"), max_length=500, blank=True)
    method = models.CharField(max_length=8)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    bytes_in = models.PositiveBigIntegerField(_("bytes in"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    status = models.CharField(_("answer"), max_length=16, db_index=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = ExchangeRequestManager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}/{self.mode} → {self.status}"


class ExchangeFile(models.Model):
    """A file in an exchange directory, as 1C uploaded it (maybe in many parts)."""

    kind = models.CharField(_("type"), max_length=16, choices=ExchangeKind.choices)
    name = models.CharField(_("name"), max_length=500)
    session = models.ForeignKey(
        ExchangeSession,
        verbose_name=_("uploaded in"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="uploads",
    )
    size = models.PositiveBigIntegerField(_("size"), default=0)
    parts = models.PositiveIntegerField(_("parts"), default=0)
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated = models.DateTimeField(_("last part"), auto_now=True)
    imported = models.DateTimeField(_("imported"), null=True, blank=True)
    #: Documents of an orders file applied so far, for the next step of its import.
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="cml_file_kind_name")]

    def __str__(self) -> str:
        return self.name

    def mark_imported(self) -> None:
        """The file is imported now (a later part starts it afresh)."""
        self.imported = timezone.now()
        ExchangeFile.objects.filter(pk=self.pk).update(imported=self.imported)

    def keep_position(self, position: int) -> None:
        """Its documents before ``position`` are applied: the next step starts there."""
        self.position = position
        ExchangeFile.objects.filter(pk=self.pk).update(position=position)
