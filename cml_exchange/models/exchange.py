"""The exchange log: sessions opened by ``checkauth``, every request, the stored files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cml_exchange.models.base import Leased


class ExchangeKind(models.TextChoices):
    CATALOG = "catalog", _("catalog")
    SALE = "sale", _("orders")


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
    created = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    initialized = models.DateTimeField(_("init"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last request"), auto_now=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, blank=True, db_index=True)
    files = models.PositiveIntegerField(_("files"), default=0)
    bytes_received = models.PositiveBigIntegerField(_("bytes received"), default=0)

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

    @property
    def folder(self) -> str:
        """The exchange's own folder in its type's upload directory.

        Each exchange stores what 1C uploads apart, so two exchanges running
        at once (two 1C bases, or one started twice) never write into, unpack
        over or import each other's files.
        """
        return f"{FOLDER_PREFIX}{self.pk}"


#: The prefix of an exchange's folder name (``exchange-<session pk>``).
FOLDER_PREFIX = "exchange-"


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
