"""Typed entities for what CommerceML 2 files carry.

The reader yields these one at a time; the order writer takes :class:`Document`
entities. They are plain dataclasses with no behaviour beyond a few derived
properties, and they compare by value, so a document written and read back
equals the one that was written.

Conventions:

* Ids are opaque strings, trimmed, compared byte for byte.
* Numbers are :class:`~decimal.Decimal`, read only from number elements.
* ``None`` means "the file did not say"; an empty list means "the file said:
  none". The difference matters for split packages: an offer from a
  ``prices___`` file has ``stock is None`` (leave stock alone), while one with
  an empty ``<Остатки/>`` has ``stock == []``.
* ``deleted`` folds the four spellings of a deletion mark into one flag.
"""

from __future__ import annotations

import datetime as dt
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

    @property
    def product_id(self) -> str:
        """The product's id: the text before the first ``#``."""
        return self.id.partition("#")[0]

    @property
    def characteristic_id(self) -> str | None:
        """The text after the first ``#``, or ``None`` for an offer without one."""
        _, hash_sign, rest = self.id.partition("#")
        return rest if hash_sign else None


# --------------------------------------------------------------------------
# Documents (orders) and counterparties
# --------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class AddressField:
    type: str
    value: str = ""


@dataclass(slots=True, kw_only=True)
class Address:
    """An address: its one-line ``Представление`` and the typed ``АдресноеПоле`` parts."""

    presentation: str = ""
    fields: list[AddressField] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Contact:
    """A ``Контакт``: a type (``Почта``, ``Телефон``, ``ТелефонРабочий``…) and a value."""

    type: str
    value: str = ""


@dataclass(slots=True, kw_only=True)
class Representative:
    """A ``Представитель``: a contact person of a counterparty."""

    relation: str = ""
    id: str | None = None
    name: str = ""


@dataclass(slots=True, kw_only=True)
class Counterparty:
    """A counterparty: in a document's ``Контрагенты`` or in a ``Контрагенты`` file.

    A person has ``last_name``/``first_name``/``middle_name`` and a
    ``registration_address``; a company has ``official_name``, ``legal_address``
    and ``kpp``.
    """

    id: str
    name: str = ""
    full_name: str | None = None
    official_name: str | None = None
    role: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    okpo: str | None = None
    registration_address: Address | None = None
    legal_address: Address | None = None
    address: Address | None = None
    contacts: list[Contact] = field(default_factory=list)
    representatives: list[Representative] = field(default_factory=list)
    version: str | None = None
    deleted: bool = False


@dataclass(slots=True, kw_only=True)
class Tax:
    """A ``Налог`` of a document or a line: name, included flag, amount and rate."""

    name: str
    included: bool | None = None
    amount: Decimal | None = None
    rate: str | None = None


@dataclass(slots=True, kw_only=True)
class Discount:
    """A ``Скидка``: name, amount, percent and whether it is already in the sums."""

    name: str = ""
    amount: Decimal | None = None
    percent: Decimal | None = None
    included: bool | None = None


@dataclass(slots=True, kw_only=True)
class OrderLine:
    """A ``Товар`` of a document.

    ``price`` is ``ЦенаЗаЕдиницу`` or, as УТ 11 writes it, ``Цена``. The
    delivery of a Bitrix-style order is a line with the id ``ORDER_DELIVERY``.
    """

    id: str
    name: str = ""
    catalog_id: str | None = None
    article: str | None = None
    unit: Unit | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    amount: Decimal | None = None
    coefficient: Decimal | None = None
    discounts: list[Discount] = field(default_factory=list)
    tax_rates: list[TaxRate] = field(default_factory=list)
    taxes: list[Tax] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)
    characteristics: list[Characteristic] = field(default_factory=list)

    @property
    def is_delivery(self) -> bool:
        return self.id == "ORDER_DELIVERY"

    def requisite(self, name: str) -> str | None:
        """The value of the first requisite called ``name``, or ``None``."""
        return _requisite(self.requisites, name)


@dataclass(slots=True, kw_only=True)
class Payment:
    """An ``Оплата`` of the 2.09 ``Оплаты`` block."""

    date: dt.date | None = None
    number: str | None = None
    transaction: str | None = None
    method: str | None = None
    amount: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class Document:
    """A ``Документ``: an order, or a payment or shipment subordinate to one.

    An order has ``operation`` "Заказ товара".

    ``lines is None`` means the document had no ``Товары`` at all (a
    status-only update from 1C), which is not the same as an empty order.
    ``subordinates`` are the 2.10 ``ПодчиненныеДокументы``; ``basis`` is the
    ``Основание`` (the order's id) of a subordinate document. ``in_container``
    is true when the document came wrapped in a ``Контейнер``.
    """

    id: str
    number: str | None = None
    date: dt.date | None = None
    time: dt.time | None = None
    operation: str | None = None
    role: str | None = None
    currency: str | None = None
    exchange_rate: Decimal | None = None
    amount: Decimal | None = None
    version: str | None = None
    deleted: bool = False
    number_1c: str | None = None
    date_1c: dt.date | None = None
    comment: str | None = None
    payment_due: dt.date | None = None
    basis: str | None = None
    counterparties: list[Counterparty] = field(default_factory=list)
    lines: list[OrderLine] | None = None
    taxes: list[Tax] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)
    warehouses: list[Warehouse] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    subordinates: list[Document] = field(default_factory=list)
    in_container: bool = False

    def requisite(self, name: str) -> str | None:
        """The value of the first requisite called ``name``, or ``None``."""
        return _requisite(self.requisites, name)


def _requisite(requisites: list[Requisite], name: str) -> str | None:
    for requisite in requisites:
        if requisite.name == name:
            return requisite.value
    return None


#: Everything a reader can yield.
Entity = (
    FileInfo
    | Classifier
    | Catalog
    | OfferPackage
    | Group
    | Property
    | PriceType
    | Warehouse
    | Unit
    | Category
    | Product
    | Offer
    | Document
    | Counterparty
)
