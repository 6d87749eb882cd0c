"""Entities of catalogs and offer packages.

The file and its containers, the classifier, products and offers. The
conventions (None versus empty, ids, numbers) are in the package docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# --------------------------------------------------------------------------
# The file itself and its containers (yielded before their contents)
# --------------------------------------------------------------------------

#: Kinds of content a file can hold, in the order they are listed in ``FileInfo.kinds``.
KIND_CLASSIFIER = "classifier"
KIND_CATALOG = "catalog"
KIND_OFFERS = "offers"
KIND_OFFER_CHANGES = "offer_changes"
KIND_DOCUMENTS = "documents"
KIND_COUNTERPARTIES = "counterparties"


@dataclass(slots=True, kw_only=True)
class FileInfo:
    """The root element's attributes; always the first entity a reader yields."""

    schema_version: str | None = None
    generated_at: str | None = None
    namespace: str | None = None
    encoding: str | None = None


@dataclass(slots=True, kw_only=True)
class Classifier:
    """A ``Классификатор`` header: yielded before its groups, properties and the rest."""

    id: str
    name: str = ""
    only_changes: bool = False


@dataclass(slots=True, kw_only=True)
class Catalog:
    """A ``Каталог`` header: yielded before its products."""

    id: str
    classifier_id: str | None = None
    name: str = ""
    description: str | None = None
    only_changes: bool = False


@dataclass(slots=True, kw_only=True)
class OfferPackage:
    """A ``ПакетПредложений`` (or ``ИзмененияПакетаПредложений``) header.

    ``changes`` is true for ``ИзмененияПакетаПредложений``, which only ever
    carries changes; ``only_changes`` is then true as well.
    """

    id: str
    name: str = ""
    catalog_id: str | None = None
    classifier_id: str | None = None
    only_changes: bool = False
    changes: bool = False


# --------------------------------------------------------------------------
# Classifier contents
# --------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Group:
    """A product group. Parents are always yielded before their children.

    ``position`` is the index among siblings, ``depth`` is 0 for a top-level group.
    """

    id: str
    name: str = ""
    parent_id: str | None = None
    position: int = 0
    depth: int = 0
    version: str | None = None
    deleted: bool = False


@dataclass(slots=True, kw_only=True)
class PropertyOption:
    """One value of a ``Справочник`` property (``ИдЗначения`` and ``Значение``)."""

    id: str
    value: str


#: Property value types. A property without ``ТипЗначений`` is a string.
VALUE_TYPE_DIRECTORY = "Справочник"
VALUE_TYPE_STRING = "Строка"
VALUE_TYPE_NUMBER = "Число"
VALUE_TYPE_TIME = "Время"


@dataclass(slots=True, kw_only=True)
class Property:
    """A property definition (``Свойство``).

    ``for_products``/``for_offers`` are ``None`` when the file does not say
    (files before 2.05 never do).
    """

    id: str
    name: str = ""
    value_type: str = VALUE_TYPE_STRING
    for_products: bool | None = None
    for_offers: bool | None = None
    required: bool | None = None
    multiple: bool | None = None
    external: bool | None = None
    options: list[PropertyOption] = field(default_factory=list)
    version: str | None = None
    deleted: bool = False


@dataclass(slots=True, kw_only=True)
class PriceType:
    """A price type (``ТипЦены``). ``tax_included`` is ``Налог/УчтеноВСумме``."""

    id: str
    name: str = ""
    currency: str | None = None
    tax_name: str | None = None
    tax_included: bool | None = None
    description: str | None = None
    version: str | None = None
    deleted: bool = False


@dataclass(slots=True, kw_only=True)
class Warehouse:
    """A declared warehouse (``Склад`` under ``Склады``)."""

    id: str
    name: str = ""
    address: str | None = None
    comment: str | None = None
    version: str | None = None
    deleted: bool = False


@dataclass(slots=True, kw_only=True)
class Unit:
    """A unit of measure, wherever it appears.

    As a classifier entry (``ЕдиницаИзмерения``), as a product's
    ``БазоваяЕдиница`` (attributes plus the short name as text, or just the code
    as text), or as an order line's ``Единица`` (nested elements, or text).
    ``code`` is trimmed: 1C writes ``"796 "``.
    """

    code: str | None = None
    id: str | None = None
    name_full: str | None = None
    name_short: str | None = None
    international_abbr: str | None = None
    version: str | None = None
    deleted: bool = False


@dataclass(slots=True, kw_only=True)
class Category:
    """A product category of УТ 11.4+ (``Категория``) with the ids of its properties."""

    id: str
    name: str = ""
    property_ids: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Image:
    """A picture: a path relative to the exchange directory, and its caption if any."""

    path: str
    caption: str | None = None


@dataclass(slots=True, kw_only=True)
class PropertyValue:
    """A product's or offer's value(s) of one property.

    For a ``Справочник`` property each value is an option id (``ИдЗначения``);
    otherwise it is the literal value. Empty ``<Значение/>`` elements are dropped.
    """

    property_id: str
    values: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Requisite:
    """A free-form ``ЗначениеРеквизита``: a Russian name and a text value."""

    name: str
    value: str = ""


@dataclass(slots=True, kw_only=True)
class TaxRate:
    """A ``СтавкаНалога``: the tax name (``НДС``) and its rate as written (``18``, ``Без НДС``)."""

    name: str
    rate: str = ""


@dataclass(slots=True, kw_only=True)
class Characteristic:
    """A ``ХарактеристикаТовара``: name and value as text (and an id in УТ 11)."""

    name: str
    value: str = ""
    id: str | None = None


@dataclass(slots=True, kw_only=True)
class Manufacturer:
    id: str | None = None
    name: str = ""


@dataclass(slots=True, kw_only=True)
class Product:
    """A catalog item (``Каталог/Товары/Товар``).

    ``full_name``, ``code`` and ``weight`` come from their elements or, in files
    that do not have them, from the requisites of the same meaning. In the
    УТ 10.3 "characteristics in the catalog" mode ``id`` is already
    ``product#characteristic`` and ``characteristics`` is filled.
    """

    id: str
    name: str = ""
    full_name: str | None = None
    version: str | None = None
    deleted: bool = False
    barcode: str | None = None
    article: str | None = None
    code: str | None = None
    base_unit: Unit | None = None
    group_ids: list[str] = field(default_factory=list)
    category_id: str | None = None
    description: str | None = None
    images: list[Image] = field(default_factory=list)
    manufacturer: Manufacturer | None = None
    country: str | None = None
    weight: Decimal | None = None
    property_values: list[PropertyValue] = field(default_factory=list)
    tax_rates: list[TaxRate] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)
    characteristics: list[Characteristic] = field(default_factory=list)
    #: The digest of the element this was built from (see :class:`Unchanged`), or 0 when
    #: the reader computed none or its building warned; not part of the content (no repr).
    source_digest: int = field(default=0, repr=False, compare=False)

    @property
    def base_id(self) -> str:
        """The id before the first ``#`` (the whole id when there is none)."""
        return self.id.partition("#")[0]


# --------------------------------------------------------------------------
# Offers
# --------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Price:
    """One price of an offer.

    ``value`` is ``ЦенаЗаЕдиницу``; it is ``None`` for a price 1C sends without
    a value ("Уточните у менеджера"). ``presentation`` is ``Представление``,
    kept as display text only: no number is ever read from it.
    """

    price_type_id: str
    value: Decimal | None
    presentation: str | None = None
    currency: str | None = None
    unit: str | None = None
    coefficient: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class StockRow:
    """Stock of an offer in one warehouse, from either the attribute or the nested form."""

    warehouse_id: str
    quantity: Decimal


@dataclass(slots=True, kw_only=True)
class Offer:
    """An offer (``Предложение``): a product, or one of its characteristics.

    ``id`` is the whole 1C id (``product#characteristic`` or the bare product
    id). Fields that are ``None`` were not in the file and must be left as they
    are by an importer; see the module docstring.
    """

    id: str
    version: str | None = None
    deleted: bool = False
    name: str | None = None
    barcode: str | None = None
    article: str | None = None
    code: str | None = None
    base_unit: Unit | None = None
    characteristics: list[Characteristic] | None = None
    property_values: list[PropertyValue] | None = None
    prices: list[Price] | None = None
    quantity: Decimal | None = None
    stock: list[StockRow] | None = None
    #: As :attr:`Product.source_digest`.
    source_digest: int = field(default=0, repr=False, compare=False)

    @property
    def product_id(self) -> str:
        """The product's id: the text before the first ``#``."""
        return self.id.partition("#")[0]

    @property
    def characteristic_id(self) -> str | None:
        """The text after the first ``#``, or ``None`` for an offer without one."""
        _, hash_sign, rest = self.id.partition("#")
        return rest if hash_sign else None


@dataclass(slots=True, kw_only=True)
class Unchanged:
    """A product or offer element the reader did not build, because its digest is known.

    A reader given the digests of the elements a site stored (``CmlReader(digests=…)``)
    hashes each ``Товар`` and ``Предложение`` element as parsed; when the digest is
    among them, it yields this instead of the entity. ``kind`` is ``"products"`` or
    ``"offers"``, ``id`` the id the entity would have, ``digest`` the element's digest and
    ``raw`` the element itself (UTF-8 XML), so that a caller who finds the stored item
    differs after all can build the entity from it (``reading.digests.rebuild``).
    ``prices`` and ``stock_rows`` count the offer's prices and warehouse rows as the
    scan does, for a caller that reconciles counts.
    """

    kind: str
    id: str
    digest: int
    raw: bytes = field(repr=False)
    prices: int = 0
    stock_rows: int = 0


@dataclass(slots=True)
class ItemsAhead:
    """The file's first product or offer element has begun; nothing of the items is read yet.

    A reader made with ``announce_items=True`` yields this once, before the
    file's first ``Товар`` (``kind`` ``"products"``) or ``Предложение``
    (``"offers"``), after the header of the container they are in. A caller
    that already holds every item of the file (see ``FileItems``) may stop
    iterating there; one that goes on gets the items as usual.
    """

    kind: str
