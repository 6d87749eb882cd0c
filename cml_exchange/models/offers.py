"""What is on sale: offers, their prices in each price type, their stock in each warehouse."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cml_exchange.models.base import (
    DECIMAL_PLACES,
    EXTERNAL_ID_LENGTH,
    MAX_DIGITS,
    WAITING_FOR_OPTION,
    FromOneC,
)
from cml_exchange.models.catalog import Catalog, Product, Property, PropertyOption, Unit


class PriceType(FromOneC):
    """A price type (``ТипЦены``): retail, wholesale and so on."""

    name = models.CharField(_("name"), max_length=255, blank=True)
    currency = models.CharField(_("currency"), max_length=32, blank=True)
    tax_name = models.CharField(_("tax"), max_length=64, blank=True)
    tax_included = models.BooleanField(_("tax included in the price"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    declared = models.BooleanField(
        _("declared by 1C"),
        default=True,
        help_text=_("Off for a price type that prices refer to but no file has declared yet."),
    )

    class Meta:
        verbose_name = _("price type")
        verbose_name_plural = _("price types")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="cml_price_type_external_id")
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class Warehouse(FromOneC):
    """A warehouse (``Склад``)."""

    name = models.CharField(_("name"), max_length=255, blank=True)
    address = models.TextField(_("address"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    declared = models.BooleanField(
        _("declared by 1C"),
        default=True,
        help_text=_("Off for a warehouse that stock refers to but no file has declared yet."),
    )

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="cml_warehouse_external_id")
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class Offer(FromOneC):
    """An offer (``Предложение``): a product as sold, or one of its characteristics.

    ``external_id`` is 1C's whole id (``product#characteristic``).
    ``product_external_id`` is the product it belongs to; ``product`` stays
    empty until that product has been imported, and is linked when it is.
    There are three checksums because split packages send an offer's identity,
    prices and stock in different files.
    """

    # Indexed by the unique (catalog, external_id), which starts with it: no index of its own.
    catalog = models.ForeignKey(
        Catalog,
        verbose_name=_("catalog"),
        on_delete=models.CASCADE,
        related_name="offers",
        db_index=False,
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="offers",
    )
    # Indexed only while the offer waits for its product (cml_offer_waiting_product).
    product_external_id = models.CharField(_("product's 1C id"), max_length=EXTERNAL_ID_LENGTH)
    name = models.CharField(_("name"), max_length=512, blank=True)
    # Without PostgreSQL's LIKE twin (of this index and external_id's): see Product.slug.
    barcode = models.CharField(_("barcode"), max_length=255, blank=True, db_index=True)
    article = models.CharField(_("article"), max_length=255, blank=True)
    code = models.CharField(_("code"), max_length=255, blank=True)
    # Not indexed, as Product.base_unit.
    base_unit = models.ForeignKey(
        Unit,
        verbose_name=_("base unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
    )
    quantity = models.DecimalField(
        _("quantity"), null=True, blank=True, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    deleted = models.BooleanField(_("marked for deletion in 1C"), default=False)
    version = models.CharField(_("1C version"), max_length=64, blank=True)
    checksum = models.CharField(max_length=32, blank=True)
    prices_checksum = models.CharField(max_length=32, blank=True)
    stock_checksum = models.CharField(max_length=32, blank=True)
    #: The digest of the ``Предложение`` element that last wrote any of the three (0: none,
    #: or another element wrote since), as ``Product.source_digest``.
    source_digest = models.BigIntegerField(default=0, editable=False)
    #: What the element of ``source_digest`` carried besides its identity: prices (1) and
    #: stock (2). Prices or stock written by another element clear ``source_digest`` only if
    #: that element carried them (3, both, for rows written before this was kept).
    source_parts = models.PositiveSmallIntegerField(default=3, editable=False)
    #: The digest of the element of prices alone (a ``prices`` file's, no name, no stock)
    #: whose prices ``prices_checksum`` holds (0: none, or another element wrote them since).
    prices_digest = models.BigIntegerField(default=0, editable=False)
    #: The same for an element of stock alone (a ``rests`` file's) and ``stock_checksum``.
    stock_digest = models.BigIntegerField(default=0, editable=False)
    last_seen_full = models.DateTimeField(_("last seen in a full exchange"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "external_id"], name="cml_offer_catalog_external_id"
            )
        ]
        indexes = [
            # As Product's: only the few deactivated offers are indexed.
            models.Index(
                fields=["active"], condition=models.Q(active=False), name="cml_offer_inactive"
            ),
            # Only offers that came before their product, which link_waiting_offers looks
            # up by it within its catalog, after a look whether the catalog has any: an
            # offer stored with its product costs no entry (a third of the offers' insert
            # on SQLite with a full index).
            models.Index(
                fields=["catalog", "product_external_id"],
                condition=models.Q(product__isnull=True),
                name="cml_offer_waiting_product",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class OfferCharacteristic(models.Model):
    """A ``ХарактеристикаТовара`` of an offer: name and value as text (Размер: 40)."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="characteristics"
    )
    external_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    name = models.CharField(_("name"), max_length=255)
    value = models.CharField(_("value"), max_length=1024, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("characteristic")
        verbose_name_plural = _("characteristics")
        ordering = ["offer", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class OfferPropertyValue(models.Model):
    """A value of an offer-level property (УТ 11.4's ``ЗначенияСвойств`` on offers)."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="property_values"
    )
    property = models.ForeignKey(
        Property, verbose_name=_("property"), on_delete=models.CASCADE, related_name="+"
    )
    option = models.ForeignKey(
        PropertyOption, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    option_external_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    value = models.TextField(_("value"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("offer property value")
        verbose_name_plural = _("offer property values")
        ordering = ["offer", "position"]
        indexes = [
            models.Index(
                fields=["property"], condition=WAITING_FOR_OPTION, name="cml_offer_value_waiting"
            )
        ]

    def __str__(self) -> str:
        return self.value


class Price(models.Model):
    """The price of an offer in one price type. ``value`` is empty for "price on request"."""

    # Indexed by the unique (offer, …), which starts with it.
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.CASCADE,
        related_name="prices",
        db_index=False,
    )
    price_type = models.ForeignKey(
        PriceType, verbose_name=_("price type"), on_delete=models.CASCADE, related_name="prices"
    )
    value = models.DecimalField(
        _("price"), null=True, blank=True, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    currency = models.CharField(_("currency"), max_length=32, blank=True)
    unit = models.CharField(_("unit"), max_length=64, blank=True)
    coefficient = models.DecimalField(
        _("coefficient"),
        null=True,
        blank=True,
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
    )
    presentation = models.CharField(_("as 1C shows it"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["offer", "price_type"], name="cml_price_offer_type")
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.currency}".strip()


class Stock(models.Model):
    """How much of an offer one warehouse holds."""

    # Indexed by the unique (offer, …), which starts with it.
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.CASCADE,
        related_name="stock",
        db_index=False,
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="stock"
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["offer", "warehouse"], name="cml_stock_offer_warehouse")
        ]

    def __str__(self) -> str:
        return str(self.quantity)
