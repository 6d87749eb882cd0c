"""What every row that comes from 1C carries, and the lease a row worked on step by step holds."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Room for any 1C id: GUIDs, "guid#guid" offer ids, МойСклад tokens.
EXTERNAL_ID_LENGTH = 255

#: Money and quantities: 1C writes up to 4 decimals (Bitrix's "ЧДЦ=2" aside).
MAX_DIGITS = 19
DECIMAL_PLACES = 4

#: A property value naming a ``Справочник`` option 1C has not declared yet: linked to
#: it when it comes (a string or number value keeps no option id, and never waits).
WAITING_FOR_OPTION = Q(option__isnull=True) & ~Q(option_external_id="")


class FromOneC(models.Model):
    """Abstract base: the 1C id, an active flag and timestamps.

    ``external_id`` is the trimmed ``Ид`` as 1C sent it, compared byte for
    byte. Uniqueness is declared by each model, because some ids are unique
    only within their catalog or classifier.
    """

    external_id = models.CharField(_("1C id"), max_length=EXTERNAL_ID_LENGTH, db_index=True)
    active = models.BooleanField(_("active"), default=True, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Leased(models.Model):
    """Abstract base: a row one process at a time works on, whatever process and database.

    The lease is an atomic ``UPDATE … WHERE`` on the row, the same on
    PostgreSQL and SQLite; a process that dies holding it loses it when it
    runs out. An exchange session holds it for one ``import`` request, an
    import job for one step.
    """

    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @contextmanager
    def lease(self, seconds: float, *, owner: str | None = None) -> Iterator[str | None]:
        """Hold the row for ``seconds``; yields the holder's token, or ``None`` if it is taken.

        ``owner`` names the holder (default: a new token); the same owner
        may take a lease it already holds. The lease ends with the block.
        """
        owner = owner or uuid.uuid4().hex
        now = timezone.now()
        rows = type(self)._default_manager.filter(pk=self.pk)
        taken = rows.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner)
        ).update(lease_owner=owner, lease_until=now + dt.timedelta(seconds=seconds))
        try:
            yield owner if taken else None
        finally:
            if taken:
                rows.filter(lease_owner=owner).update(lease_owner="", lease_until=None)
