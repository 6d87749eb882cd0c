"""The settings a shop owner edits in the admin: Bitrix's "Интеграция с 1С" (catalog, orders).

One row, created on first use with Bitrix's defaults (``ExchangeSettings.load()``).
What the people who deploy the site decide (where files go, hard size caps,
throttling) is in Django settings instead, read through ``cml_exchange.conf``.
"""

from __future__ import annotations

from django.contrib.auth.models import Group as UserGroup
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, router
from django.utils.translation import gettext_lazy as _

from cml_exchange.models import statements

#: The characters a slug may hold besides letters and digits (Django's ``validate_slug``):
#: any other one makes product addresses the site cannot route.
SLUG_REPLACE_CHAR = RegexValidator(
    r"\A[-_]\Z",
    _(
        "Only “_” or “-”: a slug cannot hold other characters, and the product's page "
        "would have no address."
    ),
)


class MissingAction(models.TextChoices):
    """What to do with items a full exchange did not mention (Bitrix: N, A, D)."""

    NOTHING = "nothing", _("nothing")
    DEACTIVATE = "deactivate", _("deactivate")
    DELETE = "delete", _("delete")


class ExchangeSettings(models.Model):
    """The exchange's options; ``load()`` gives the one row (``ImportOptions.from_settings``)."""

    catalog_groups = models.ManyToManyField(
        UserGroup,
        verbose_name=_("user groups allowed to load the catalog"),
        blank=True,
        related_name="+",
        help_text=_(
            "Members of these groups may exchange the catalog with 1C. Superusers and "
            "users with the permission “Can exchange with 1C” always may."
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
        validators=[MinValueValidator(1)],
        help_text=_(
            "1C splits larger files into parts of this size. Keep it below the web "
            "server's request body limit (nginx: client_max_body_size, 1 MB by default)."
        ),
    )
    use_zip = models.BooleanField(_("use zip compression if available"), default=True)

    class SchemaVersion(models.TextChoices):
        V2 = "2", _("2.x: the version 1C chooses (as 1C-Bitrix)")
        V3_1 = "3.1", _("3.1: ask 1C for CommerceML 3.1")

    schema_version = models.CharField(
        _("schema version"),
        max_length=8,
        choices=SchemaVersion.choices,
        default=SchemaVersion.V2,
        help_text=_(
            "With 3.1 the site answers version=3.1 when 1C names a version at init, as "
            "sites do for 1C-Bitrix's exchange module (БУС), and orders go to 1C in "
            "CommerceML 3.1, each in its Контейнер. Files of 2.x and 3.1 are read either way."
        ),
    )
    use_checksums = models.BooleanField(
        _("use checksums of items to speed up catalog updates"),
        default=True,
        help_text=_("Items whose content has not changed since the last exchange are skipped."),
    )
    missing_products = models.CharField(
        _("what to do with products missing from a full import"),
        max_length=16,
        choices=MissingAction.choices,
        default=MissingAction.DEACTIVATE,
        help_text=_(
            "Only within the catalog that came in full. 1C-Bitrix deletes them by default; "
            "deactivating keeps their pictures, addresses and place in past orders."
        ),
    )
    missing_groups = models.CharField(
        _("what to do with groups missing from a full import"),
        max_length=16,
        choices=MissingAction.choices,
        default=MissingAction.DEACTIVATE,
    )
    slug_on_add = models.BooleanField(_("make slugs from names when adding"), default=True)
    slug_on_update = models.BooleanField(_("make slugs from names when updating"), default=True)
    slug_replace_char = models.CharField(
        _("replacement for characters that cannot be in a slug"),
        max_length=1,
        default="_",
        validators=[SLUG_REPLACE_CHAR],
        help_text=_("“_” or “-”: a slug is part of the product's address on the site."),
    )
    skip_root_group = models.BooleanField(
        _("do not import the top level of product groups if it is the only one"),
        default=False,
        help_text=_(
            "Some 1C configurations put all groups under one root group (“Products”, "
            "“Catalog”). With this on, that group is not imported: its subgroups become "
            "top-level groups, and products placed in the root group itself are left "
            "without it."
        ),
    )
    generate_preview = models.BooleanField(
        _("generate preview pictures"),
        default=True,
        help_text=_(
            "For each product picture, store a smaller copy for lists and search results, "
            "which fits in the preview size below."
        ),
    )
    preview_width = models.PositiveIntegerField(
        _("preview width, pixels"), default=100, validators=[MinValueValidator(1)]
    )
    preview_height = models.PositiveIntegerField(
        _("preview height, pixels"), default=100, validators=[MinValueValidator(1)]
    )
    resize_detail = models.BooleanField(
        _("resize detail pictures"),
        default=True,
        help_text=_(
            "Shrink each product picture to fit in the size below before storing it. "
            "Pictures are never enlarged, and keep their proportions; the previews too. "
            "A change applies to the pictures of each product when 1C next updates it."
        ),
    )
    detail_width = models.PositiveIntegerField(
        _("maximum width of a detail picture, pixels"),
        default=300,
        validators=[MinValueValidator(1)],
    )
    detail_height = models.PositiveIntegerField(
        _("maximum height of a detail picture, pixels"),
        default=300,
        validators=[MinValueValidator(1)],
    )
    # -- what the site owns (not in Bitrix's form) -----------------------------------
    site_owns_name = models.BooleanField(
        _("keep names edited on the site"),
        default=False,
        help_text=_("1C sets a product's name and full name when it creates it, never after."),
    )
    site_owns_description = models.BooleanField(
        _("keep descriptions edited on the site"),
        default=False,
        help_text=_("1C sets a product's description when it creates it, never after."),
    )
    site_owns_pictures = models.BooleanField(
        _("keep pictures chosen on the site"),
        default=False,
        help_text=_("1C's pictures are taken for new products only."),
    )
    site_owns_slug = models.BooleanField(
        _("keep slugs edited on the site"),
        default=False,
        help_text=_("A product's slug is made once, when 1C creates it."),
    )
    match_products_by = models.CharField(
        _("match new products with the site's by"),
        max_length=16,
        blank=True,
        default="",
        choices=[
            ("", _("nothing (a new 1C id is a new product)")),
            ("article", _("article")),
            ("barcode", _("barcode")),
        ],
        help_text=_(
            "A product 1C sends with an id the site does not know takes over the site's "
            "product with the same value, if exactly one has it: for a new 1C base, or "
            "products the shop had before 1C."
        ),
    )
    hide_new_products = models.BooleanField(
        _("new products hidden until reviewed"),
        default=False,
        help_text=_(
            "Products 1C creates are not shown on the site until someone ticks "
            "«shown on the site» (or uses the action in the product list)."
        ),
    )
    # -- orders (Bitrix's "Заказы" tab) ---------------------------------------------
    sale_groups = models.ManyToManyField(
        UserGroup,
        verbose_name=_("user groups allowed to exchange orders"),
        blank=True,
        related_name="+",
    )
    export_storefronts = models.ManyToManyField(
        "cml_exchange.Storefront",
        verbose_name=_("storefronts whose orders are exported"),
        blank=True,
        related_name="+",
        help_text=_("None chosen: the orders of all storefronts."),
    )
    number_prefix = models.CharField(
        _("order number prefix when exporting"), max_length=32, blank=True
    )
    export_paid_only = models.BooleanField(_("export only paid orders"), default=False)
    export_delivery_allowed_only = models.BooleanField(
        _("export only orders with delivery allowed"), default=False
    )
    export_from_status = models.ForeignKey(
        "cml_exchange.OrderStatus",
        verbose_name=_("export orders from this status on"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    export_since = models.DateField(
        _("export orders created since"),
        null=True,
        blank=True,
        help_text=_("Orders made before this day are never sent to 1C."),
    )
    shipment_status = models.ForeignKey(
        "cml_exchange.OrderStatus",
        verbose_name=_("status to set when 1C reports a shipment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    change_status_from_1c = models.BooleanField(
        _("change order statuses as 1C says"), default=False
    )
    replace_currency = models.CharField(
        _("replace the currency when exporting with"), max_length=16, blank=True, default="руб."
    )
    create_orders_from_1c = models.BooleanField(
        _("create orders and customers that 1C made"), default=False
    )

    class OrdersEncoding(models.TextChoices):
        CP1251 = "windows-1251", "windows-1251"
        UTF8 = "utf-8", "UTF-8"

    orders_encoding = models.CharField(
        _("encoding of the orders document"),
        max_length=16,
        choices=OrdersEncoding.choices,
        default=OrdersEncoding.CP1251,
        help_text=_("1C-Bitrix always writes windows-1251; every 1C release reads it."),
    )
    orders_bom = models.BooleanField(
        _("UTF-8 byte order mark in the orders document"),
        default=False,
        help_text=_("Some 1C builds refuse UTF-8 without it; others refuse it. Only for UTF-8."),
    )
    orders_container = models.BooleanField(
        _("wrap each order in Контейнер"),
        default=False,
        help_text=_("Needed by the 1C-Bitrix exchange module for 1C of version 6.5 and later."),
    )

    check_request_source = models.BooleanField(
        _("check the source of requests (sessid)"),
        default=True,
        help_text=_(
            "Once 1C has sent a valid sessid, requests without it are refused with “Ошибка "
            "проверки источника запроса”. Turn it off only for an old exchange module that "
            "loses sessid on the way."
        ),
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

    def sessid_required(self, kind: str) -> bool:
        """Whether requests of ``kind`` must carry the session's ``sessid``."""
        return bool(getattr(self, f"{kind}_sessid_required", False))

    def require_sessid(self, kind: str) -> None:
        """From now on requests of ``kind`` must carry ``sessid`` (1C has sent a valid one)."""
        field = f"{kind}_sessid_required"
        if not getattr(self, field):
            ExchangeSettings.objects.filter(pk=self.pk).update(**{field: True})
            setattr(self, field, True)

    @classmethod
    def load(cls) -> ExchangeSettings:
        """The settings row, created with the defaults if there is none yet.

        Read on every 1C request, so by a statement built once
        (:mod:`~cml_exchange.models.statements`); from the database written to,
        as ``get_or_create`` reads.
        """
        return cls.from_rows(cls.read().rows())

    @classmethod
    def read(cls) -> statements.Read:
        """The read of :meth:`load`, for ``statements.together()`` with a request's other reads."""
        return statements.Read(cls, {"pk": 1}, using=router.db_for_write(cls))

    @classmethod
    def from_rows(cls, found: list[ExchangeSettings]) -> ExchangeSettings:
        """What :meth:`load` gives for the rows :meth:`read` found."""
        if found:
            return found[0]
        settings, created = cls.objects.get_or_create(pk=1)
        if created:  # Bitrix's FINAL_STATUS_ON_DELIVERY defaults to F
            from cml_exchange.models.orders import OrderStatus

            settings.shipment_status = OrderStatus.objects.filter(code="F").first()
            if settings.shipment_status is not None:
                settings.save(update_fields=["shipment_status"])
        return settings
