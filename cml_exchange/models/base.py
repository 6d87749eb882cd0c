"""What every row that comes from 1C carries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Room for any 1C id: GUIDs, "guid#guid" offer ids, МойСклад tokens.
EXTERNAL_ID_LENGTH = 255

#: Money and quantities: 1C writes up to 4 decimals (Bitrix's "ЧДЦ=2" aside).
MAX_DIGITS = 19
DECIMAL_PLACES = 4


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
