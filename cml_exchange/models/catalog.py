"""The catalog as 1C describes it: classifiers, catalogs, groups, properties, products."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cml_exchange.models.base import (
    DECIMAL_PLACES,
    EXTERNAL_ID_LENGTH,
    MAX_DIGITS,
    WAITING_FOR_OPTION,
    FromOneC,
)


class Classifier(FromOneC):
    """A ``Классификатор``: the groups and properties shared by one or more catalogs."""

    name = models.CharField(_("name"), max_length=255, blank=True)
    #: Set while the option "do not import the only top-level group" leaves it out.
    skipped_root = models.CharField(
        _("1C id of the top-level group left out"),
        max_length=EXTERNAL_ID_LENGTH,
        blank=True,
        help_text=_(
            "The classifier's only top-level group, not imported: products placed in it "
            "are left without it."
        ),
    )

    class Meta:
        verbose_name = _("classifier")
        verbose_name_plural = _("classifiers")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="cml_classifier_external_id")
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class Catalog(FromOneC):
    """A ``Каталог``: a set of products. A shop may receive several from one or more 1C bases."""

    name = models.CharField(_("name"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    classifier = models.ForeignKey(
        Classifier,
        verbose_name=_("classifier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="catalogs",
    )

    class Meta:
        verbose_name = _("catalog")
        verbose_name_plural = _("catalogs")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="cml_catalog_external_id")
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class Group(FromOneC):
    """A product group, in a tree.

    ``path`` is the chain of primary keys from the root, ``/1/5/9/``, so a
    subtree is ``path__startswith=group.path``; ``depth`` is 0 at the top.
    """

    classifier = models.ForeignKey(
        Classifier, verbose_name=_("classifier"), on_delete=models.CASCADE, related_name="groups"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    path = models.CharField(_("path"), max_length=1024, blank=True, db_index=True)
    version = models.CharField(_("1C version"), max_length=64, blank=True)
    deleted = models.BooleanField(_("marked for deletion in 1C"), default=False)
    last_seen_full = models.DateTimeField(_("last seen in a full exchange"), null=True, blank=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["path", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["classifier", "external_id"], name="cml_group_classifier_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Property(FromOneC):
    """A property definition (``Свойство``) of products or offers."""

    class ValueType(models.TextChoices):
        DIRECTORY = "Справочник", pgettext_lazy("property value type", "directory")
        STRING = "Строка", _("string")
        NUMBER = "Число", pgettext_lazy("property value type", "number")
        TIME = "Время", _("time")

    classifier = models.ForeignKey(
        Classifier,
        verbose_name=_("classifier"),
        on_delete=models.CASCADE,
        related_name="properties",
    )
    name = models.CharField(_("name"), max_length=255)
    value_type = models.CharField(
        _("value type"), max_length=32, default=ValueType.STRING, choices=ValueType.choices
    )
    for_products = models.BooleanField(_("for products"), null=True, blank=True)
    for_offers = models.BooleanField(_("for offers"), null=True, blank=True)
    required = models.BooleanField(_("required"), null=True, blank=True)
    multiple = models.BooleanField(_("multiple"), null=True, blank=True)
    version = models.CharField(_("1C version"), max_length=64, blank=True)
    deleted = models.BooleanField(_("marked for deletion in 1C"), default=False)

    class Meta:
        verbose_name = _("property")
        verbose_name_plural = _("properties")
        constraints = [
            models.UniqueConstraint(
                fields=["classifier", "external_id"], name="cml_property_classifier_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PropertyOption(models.Model):
    """One value of a ``Справочник`` property."""

    property = models.ForeignKey(
        Property, verbose_name=_("property"), on_delete=models.CASCADE, related_name="options"
    )
    external_id = models.CharField(_("1C id"), max_length=EXTERNAL_ID_LENGTH)
    value = models.CharField(_("value"), max_length=1024, blank=True)

    class Meta:
        verbose_name = _("property option")
        verbose_name_plural = _("property options")
        constraints = [
            models.UniqueConstraint(
                fields=["property", "external_id"], name="cml_option_property_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.value


class Unit(models.Model):
    """A unit of measure, keyed by its OKEI code (``796`` is a piece)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    external_id = models.CharField(_("1C id"), max_length=EXTERNAL_ID_LENGTH, blank=True)
    name_full = models.CharField(_("full name"), max_length=255, blank=True)
    name_short = models.CharField(_("short name"), max_length=64, blank=True)
    international_abbr = models.CharField(
        _("international abbreviation"), max_length=16, blank=True
    )

    class Meta:
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")

    def __str__(self) -> str:
        return self.name_short or self.name_full or self.code


class Category(FromOneC):
    """A product category of УТ 11.4+ and the properties it uses."""

    classifier = models.ForeignKey(
        Classifier,
        verbose_name=_("classifier"),
        on_delete=models.CASCADE,
        related_name="categories",
    )
    name = models.CharField(_("name"), max_length=255)
    properties = models.ManyToManyField(
        Property, verbose_name=_("properties"), blank=True, related_name="categories"
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["classifier", "external_id"], name="cml_category_classifier_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(FromOneC):
    """A catalog item (``Товар``).

    ``checksum`` is a hash of everything 1C sent for the item; an import that
    finds it unchanged skips the item (Bitrix's "контрольные суммы"), and
    ``source_digest`` lets it do so before the item is even built.
    ``last_seen_full`` is when a full exchange last mentioned the item: what a
    full exchange did not mention is older than the exchange.
    """

    # Indexed by the unique (catalog, external_id), which starts with it: no index of its own.
    catalog = models.ForeignKey(
        Catalog,
        verbose_name=_("catalog"),
        on_delete=models.CASCADE,
        related_name="products",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=512)
    full_name = models.TextField(_("full name"), blank=True)
    # On PostgreSQL these indexes (and external_id's) come without the varchar_pattern_ops
    # twin Django adds for LIKE 'abc%': migration 0025 drops it, as no query needs it.
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    code = models.CharField(_("code"), max_length=255, blank=True)
    article = models.CharField(_("article"), max_length=255, blank=True, db_index=True)
    barcode = models.CharField(_("barcode"), max_length=255, blank=True, db_index=True)
    description = models.TextField(_("description"), blank=True)
    # Not indexed: only a unit's deletion looks products up by it (see Meta).
    base_unit = models.ForeignKey(
        Unit,
        verbose_name=_("base unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
    )
    groups = models.ManyToManyField(
        Group, verbose_name=_("groups"), through="ProductGroup", related_name="products"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=255, blank=True)
    weight = models.DecimalField(
        _("weight"), null=True, blank=True, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    deleted = models.BooleanField(_("marked for deletion in 1C"), default=False)
    version = models.CharField(_("1C version"), max_length=64, blank=True)
    checksum = models.CharField(_("checksum"), max_length=32, blank=True)
    #: The digest of the ``Товар`` element the row was last written from (0: none), so that
    #: the reader passes the same element over unbuilt (commerceml.reading.digests).
    source_digest = models.BigIntegerField(default=0, editable=False)
    last_seen_full = models.DateTimeField(_("last seen in a full exchange"), null=True, blank=True)
    #: The shop owner's switch, never 1C's: a new product waits hidden for review
    #: when the settings say so (``hide_new_products``).
    published = models.BooleanField(
        _("shown on the site"),
        default=True,
        help_text=_("The shop owner's switch: 1C never changes it."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "external_id"], name="cml_product_catalog_external_id"
            )
        ]
        # Nearly every product is active and shown: an index of the whole column would
        # serve no query and cost every write (6% of a first import on SQLite, with the
        # base unit's). The few hidden or deactivated ones are indexed, for the admin.
        indexes = [
            models.Index(
                fields=["active"], condition=models.Q(active=False), name="cml_product_inactive"
            ),
            models.Index(
                fields=["published"],
                condition=models.Q(published=False),
                name="cml_product_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductGroup(models.Model):
    """A product's membership of a group (1C allows several)."""

    # Indexed by the unique (product, group), which starts with it.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="group_links", db_index=False
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="product_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("product in group")
        verbose_name_plural = _("products in groups")
        constraints = [
            models.UniqueConstraint(fields=["product", "group"], name="cml_product_group")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.group_id}"


class ProductPropertyValue(models.Model):
    """One value of one property of a product.

    For a ``Справочник`` property ``option`` points at the chosen value and
    ``value`` repeats its text; ``option_external_id`` keeps the id 1C sent,
    so that an option declared later can still be linked.
    """

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="property_values"
    )
    property = models.ForeignKey(
        Property, verbose_name=_("property"), on_delete=models.CASCADE, related_name="+"
    )
    option = models.ForeignKey(
        PropertyOption,
        verbose_name=_("option"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    option_external_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    value = models.TextField(_("value"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("property value")
        verbose_name_plural = _("property values")
        ordering = ["product", "position"]
        indexes = [
            models.Index(
                fields=["property"], condition=WAITING_FOR_OPTION, name="cml_product_value_waiting"
            )
        ]

    def __str__(self) -> str:
        return self.value


class ProductRequisite(models.Model):
    """A free-form ``ЗначениеРеквизита`` of a product (``ВидНоменклатуры``…)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="requisites"
    )
    name = models.CharField(_("name"), max_length=255)
    value = models.TextField(_("value"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("requisite")
        verbose_name_plural = _("requisites")
        ordering = ["product", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class ProductTax(models.Model):
    """A tax rate of a product (``НДС``, ``20``)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="taxes"
    )
    name = models.CharField(_("name"), max_length=255)
    rate = models.CharField(_("rate"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")

    def __str__(self) -> str:
        return f"{self.name} {self.rate}".strip()


def product_image_path(instance: ProductImage, filename: str) -> str:
    return f"cml_exchange/products/{filename}"


class ProductImage(models.Model):
    """A picture of a product, stored through Django's storage API.

    ``source_path`` is the path 1C gave (``import_files/9d/….jpg``); the
    stored names are derived from the picture's content and the size it was
    made to fit, so an import that is repeated or resumed never stores the
    same picture twice. ``file`` is the picture (shrunk to the settings'
    detail size), ``preview`` a smaller copy; a picture that could not be
    read as an image is stored as sent and is its own preview.
    """

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images"
    )
    file = models.FileField(_("file"), upload_to=product_image_path, max_length=500)
    preview = models.FileField(
        _("preview"), upload_to=product_image_path, max_length=500, blank=True
    )
    source_path = models.CharField(_("path in the exchange"), max_length=500)
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        ordering = ["product", "position"]

    def __str__(self) -> str:
        return self.caption or self.source_path
