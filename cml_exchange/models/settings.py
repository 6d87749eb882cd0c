"""The settings a shop owner edits in the admin: Bitrix's "Интеграция с 1С", catalog tab.

One row, created on first use with Bitrix's defaults (``ExchangeSettings.load()``).
What the people who deploy the site decide (where files go, hard size caps,
throttling) is in Django settings instead, read through ``cml_exchange.conf``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import Group as UserGroup
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cml_exchange.importer.options import ImportOptions


class ExchangeSettings(models.Model):
    """The exchange's options; ``load()`` gives the one row."""

    class Missing(models.TextChoices):
        """The values of ``importer.options.MissingAction``."""

        NOTHING = "nothing", _("nothing")
        DEACTIVATE = "deactivate", _("deactivate")
        DELETE = "delete", _("delete")

    catalog_groups = models.ManyToManyField(
        UserGroup,
        verbose_name=_("user groups allowed to load the catalog"),
        blank=True,
        related_name="+",
        help_text=_(
            "Members of these groups may exchange the catalog with 1C. Superusers and "
            "users with the permission “exchange with 1C” always may."
        ),
    )
    step_interval = models.PositiveIntegerField(
        _("step interval, seconds (0: load in one step)"),
        default=30,
        help_text=_(
            "How long one import request may work before it answers “progress” and 1C "
            "calls again. Keep it below your web server's and proxy's timeouts."
        ),
    )
    file_limit = models.PositiveIntegerField(
        _("size of one uploaded part of a file, bytes"),
        default=204800,
        help_text=_(
            "1C splits larger files into parts of this size. Keep it below the web "
            "server's request body limit (nginx: client_max_body_size, 1 MB by default)."
        ),
    )
    use_zip = models.BooleanField(_("use zip compression if available"), default=True)
    use_checksums = models.BooleanField(
        _("use checksums of items to speed up catalog updates"),
        default=True,
        help_text=_("Items whose content has not changed since the last exchange are skipped."),
    )
    missing_products = models.CharField(
        _("what to do with products missing from a full import"),
        max_length=16,
        choices=Missing.choices,
        default=Missing.DEACTIVATE,
        help_text=_(
            "Only within the catalog that came in full. 1C-Bitrix deletes them by default; "
            "deactivating keeps their pictures, addresses and place in past orders."
        ),
    )
    missing_groups = models.CharField(
        _("what to do with groups missing from a full import"),
        max_length=16,
        choices=Missing.choices,
        default=Missing.DEACTIVATE,
    )
    slug_on_add = models.BooleanField(_("make slugs from names when adding"), default=True)
    slug_on_update = models.BooleanField(_("make slugs from names when updating"), default=True)
    slug_replace_char = models.CharField(
        _("replacement for characters that cannot be in a slug"), max_length=1, default="_"
    )
    #: Bitrix's rule: once 1C has sent a valid sessid, it must send it always.
    catalog_sessid_required = models.BooleanField(default=False, editable=False)
    sale_sessid_required = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("exchange settings")
        verbose_name_plural = _("exchange settings")
        default_permissions = ("change", "view")

    def __str__(self) -> str:
        return str(_("Exchange with 1C"))

    @classmethod
    def load(cls) -> ExchangeSettings:
        """The settings row, created with the defaults if there is none yet."""
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings

    def import_options(self) -> ImportOptions:
        """The importer's options as these settings make them."""
        from cml_exchange.importer.options import ImportOptions, MissingAction

        return ImportOptions(
            use_checksums=self.use_checksums,
            missing_products=MissingAction(self.missing_products),
            missing_groups=MissingAction(self.missing_groups),
            slug_on_add=self.slug_on_add,
            slug_on_update=self.slug_on_update,
            slug_replace_char=self.slug_replace_char or "_",
        )
