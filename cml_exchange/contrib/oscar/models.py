"""What links the app's catalog rows (1C's, by its ids) to the Oscar rows made from them.

Oscar's own tables get no 1C ids (``upc`` holds 64 characters, 1C's offer ids
``guid#guid`` 73): each link is a row here, one to one, and disappears with
either side. A row of Oscar's without a link is the shop's own and the
adapter leaves it alone.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProductClassLink(models.Model):
    """The Oscar product class of an app catalog: its products and their attributes."""

    catalog = models.OneToOneField(
        "cml_exchange.Catalog", on_delete=models.CASCADE, related_name="oscar_link"
    )
    product_class = models.OneToOneField(
        "catalogue.ProductClass", on_delete=models.CASCADE, related_name="cml_link"
    )

    class Meta:
        verbose_name = _("catalog → product class")
        verbose_name_plural = _("catalogs → product classes")

    def __str__(self) -> str:
        return f"{self.catalog_id} → {self.product_class_id}"


class CategoryLink(models.Model):
    """The Oscar category of an app group."""

    group = models.OneToOneField(
        "cml_exchange.Group", on_delete=models.CASCADE, related_name="oscar_link"
    )
    category = models.OneToOneField(
        "catalogue.Category", on_delete=models.CASCADE, related_name="cml_link"
    )

    class Meta:
        verbose_name = _("group → category")
        verbose_name_plural = _("groups → categories")

    def __str__(self) -> str:
        return f"{self.group_id} → {self.category_id}"


class ProductLink(models.Model):
    """The Oscar product of an app product: a parent, or a stand-alone product."""

    product = models.OneToOneField(
        "cml_exchange.Product", on_delete=models.CASCADE, related_name="oscar_link"
    )
    oscar_product = models.OneToOneField(
        "catalogue.Product", on_delete=models.CASCADE, related_name="cml_product_link"
    )
    #: Whether 1C last had it active: ``is_public`` follows 1C only when this changes,
    #: so a product the shop owner hid (or has yet to review) stays hidden.
    public_1c = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("product → Oscar product")
        verbose_name_plural = _("products → Oscar products")

    def __str__(self) -> str:
        return f"{self.product_id} → {self.oscar_product_id}"


class OfferLink(models.Model):
    """The Oscar product an app offer is sold as: a child, or the stand-alone product itself."""

    offer = models.OneToOneField(
        "cml_exchange.Offer", on_delete=models.CASCADE, related_name="oscar_link"
    )
    oscar_product = models.OneToOneField(
        "catalogue.Product", on_delete=models.CASCADE, related_name="cml_offer_link"
    )
    #: Whether 1C last had the offer active (see ``ProductLink.public_1c``).
    public_1c = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("offer → Oscar product")
        verbose_name_plural = _("offers → Oscar products")

    def __str__(self) -> str:
        return f"{self.offer_id} → {self.oscar_product_id}"


class PartnerLink(models.Model):
    """The Oscar partner of a 1C warehouse; with none, the partner of stock without a warehouse."""

    warehouse = models.OneToOneField(
        "cml_exchange.Warehouse",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="oscar_link",
    )
    partner = models.OneToOneField(
        "partner.Partner", on_delete=models.CASCADE, related_name="cml_link"
    )

    class Meta:
        verbose_name = _("warehouse → partner")
        verbose_name_plural = _("warehouses → partners")

    def __str__(self) -> str:
        return f"{self.warehouse_id or '—'} → {self.partner_id}"


class AttributeLink(models.Model):
    """The Oscar attribute that holds a 1C property, or an offer characteristic, in a class.

    ``property`` is set for a property's attribute; ``characteristic`` is the
    name of a characteristic (``Размер``) for the others.
    """

    product_class = models.ForeignKey(
        "catalogue.ProductClass", on_delete=models.CASCADE, related_name="cml_attribute_links"
    )
    property = models.ForeignKey(
        "cml_exchange.Property",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="oscar_links",
    )
    characteristic = models.CharField(max_length=255, blank=True)
    attribute = models.OneToOneField(
        "catalogue.ProductAttribute", on_delete=models.CASCADE, related_name="cml_link"
    )

    class Meta:
        verbose_name = _("property → attribute")
        verbose_name_plural = _("properties → attributes")
        constraints = [  # noqa: RUF012 (Django reads Meta options as class attributes)
            models.UniqueConstraint(
                fields=["product_class", "property"],
                condition=Q(property__isnull=False),
                name="cml_oscar_attribute_property",
            ),
            models.UniqueConstraint(
                fields=["product_class", "characteristic"],
                condition=Q(property__isnull=True),
                name="cml_oscar_attribute_characteristic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.property_id or self.characteristic} → {self.attribute_id}"


class OrderState(models.Model):
    """What the orders exchange keeps of an Oscar order: its versions, and what 1C said of it.

    ``version`` rises whenever the order or one of its lines is saved on the
    site; ``exported_version`` is the last version 1C confirmed. An Oscar
    order without a row here (placed before the app was installed) counts
    as version 1, never sent.
    """

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="cml_state")
    version = models.PositiveIntegerField(default=1)
    exported_version = models.PositiveIntegerField(default=0)
    external_id = models.CharField(_("1C id"), max_length=255, blank=True, db_index=True)
    number_1c = models.CharField(_("number in 1C"), max_length=64, blank=True)
    date_1c = models.DateField(_("date in 1C"), null=True, blank=True)
    posted_1c = models.BooleanField(_("posted in 1C"), null=True, blank=True)
    version_1c = models.CharField(_("1C's document version applied"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("paid (1C)"), null=True, blank=True)
    payment_number_1c = models.CharField(_("payment number in 1C"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("shipped (1C)"), null=True, blank=True)
    shipment_number_1c = models.CharField(_("shipment number in 1C"), max_length=64, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=255, blank=True)
    refunded_at = models.DateTimeField(_("refunded (1C)"), null=True, blank=True)
    refund_reason = models.TextField(_("refund reason"), blank=True)
    canceled_at = models.DateTimeField(_("canceled (1C)"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancel reason"), blank=True)

    class Meta:
        verbose_name = _("order's exchange with 1C")
        verbose_name_plural = _("orders' exchange with 1C")

    def __str__(self) -> str:
        return f"{self.order_id} v{self.version}/{self.exported_version}"
