"""What the scan checks in a file's values, before the importer writes any of them.

Each check mirrors what the reader builds from the XML and the importer
writes (the same trimming, the same fallbacks: a product without a name is
written under its full name, then its id), so a file is refused when one of
its values would not fit its column. Simple fields are checked in every
occurrence, not only the one the reader keeps. What the reader skips (an item
without an ``Ид``, a price without a price type, stock without a warehouse)
is not checked: it is never written.

Django-free: the limits come in as :class:`ValueLimits`, which the importer
builds from its models (``cml_exchange.importer.limits``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, cast

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import VALUE_TYPE_STRING
from cml_exchange.commerceml.reading._structure import NESTABLE_IN_CLASSIFIER, PACKAGES, WATCHED
from cml_exchange.commerceml.reading._xml import Element, children, local_name, optional_text, text
from cml_exchange.commerceml.values import (
    MAX_FRACTION_DIGITS,
    fits_decimal,
    largest_decimal,
    parse_decimal,
)

#: The text columns the scan checks, ``"Model.field"``, with how 1C's user calls the value.
TEXT_COLUMNS: Final[Mapping[str, str]] = {
    "Classifier.external_id": "Ид классификатора",
    "Classifier.name": "наименование классификатора",
    "Catalog.external_id": "Ид каталога",
    "Catalog.name": "наименование каталога",
    "Group.external_id": "Ид группы",
    "Group.name": "наименование группы",
    "Group.version": "номер версии группы",
    "Property.external_id": "Ид свойства",
    "Property.name": "наименование свойства",
    "Property.value_type": "тип значений свойства",
    "Property.version": "номер версии свойства",
    "PropertyOption.external_id": "Ид значения справочника",
    "PropertyOption.value": "значение справочника",
    "PriceType.external_id": "Ид типа цены",
    "PriceType.name": "наименование типа цены",
    "PriceType.currency": "валюта типа цены",
    "PriceType.tax_name": "налог типа цены",
    "Warehouse.external_id": "Ид склада",
    "Warehouse.name": "наименование склада",
    "Unit.code": "код единицы измерения",
    "Unit.external_id": "Ид единицы измерения",
    "Unit.name_full": "полное наименование единицы измерения",
    "Unit.name_short": "краткое наименование единицы измерения",
    "Unit.international_abbr": "международное сокращение единицы измерения",
    "Category.external_id": "Ид категории",
    "Category.name": "наименование категории",
    "Product.external_id": "Ид товара",
    "Product.name": "наименование товара",
    "Product.code": "код товара",
    "Product.article": "артикул товара",
    "Product.barcode": "штрихкод товара",
    "Product.manufacturer": "изготовитель товара",
    "Product.country": "страна товара",
    "Product.version": "номер версии товара",
    "ProductRequisite.name": "наименование реквизита товара",
    "ProductTax.name": "наименование налога товара",
    "ProductTax.rate": "ставка налога товара",
    "ProductImage.source_path": "путь к картинке",
    "ProductImage.caption": "описание картинки",
    "Offer.external_id": "Ид предложения",
    "Offer.name": "наименование предложения",
    "Offer.barcode": "штрихкод предложения",
    "Offer.article": "артикул предложения",
    "Offer.code": "код предложения",
    "Offer.version": "номер версии предложения",
    "OfferCharacteristic.external_id": "Ид характеристики",
    "OfferCharacteristic.name": "наименование характеристики",
    "OfferCharacteristic.value": "значение характеристики",
    "Price.currency": "валюта цены",
    "Price.unit": "единица цены",
}
#: The number columns the scan checks, as :data:`TEXT_COLUMNS`.
NUMBER_COLUMNS: Final[Mapping[str, str]] = {
    "Product.weight": "вес товара",
    "Offer.quantity": "количество",
    "Stock.quantity": "остаток на складе",
    "Price.value": "цена",
    "Price.coefficient": "коэффициент цены",
}
#: A number as 1C writes nearly all of them: a sign, whole digits (group 2), a fraction (3).
_PLAIN_NUMBER = re.compile(r"\s*(-?)([0-9]+)(?:[.,]([0-9]*))?\s*")
#: The length limit of a column that has none.
_NO_LIMIT = sys.maxsize
#: Problems a scan keeps in full (all are counted).
MAX_PROBLEMS = 100

#: Simple children of a product or offer, by element, and the column each is written to.
_PRODUCT_TEXTS = {
    T.NAME: "Product.name",
    T.ARTICLE: "Product.article",
    T.BARCODE: "Product.barcode",
    T.BARCODE_ALT: "Product.barcode",
    T.CODE: "Product.code",
    T.COUNTRY: "Product.country",
    T.VERSION: "Product.version",
}
_OFFER_TEXTS = {
    T.NAME: "Offer.name",
    T.ARTICLE: "Offer.article",
    T.BARCODE: "Offer.barcode",
    T.BARCODE_ALT: "Offer.barcode",
    T.CODE: "Offer.code",
    T.VERSION: "Offer.version",
    T.UNIT_CODE: "Unit.code",
}
#: What a classifier or an offer package declares, with the model and what 1C calls it.
_DECLARED = {
    T.PRICE_TYPE: ("PriceType", "тип цены"),
    T.WAREHOUSE: ("Warehouse", "склад"),
    T.CATEGORY: ("Category", "категория"),
}
_UNIT_FIELDS = (
    (T.CODE, "Unit.code"),
    (T.ID, "Unit.external_id"),
    (T.UNIT_FULL_NAME, "Unit.name_full"),
    (T.SHORT_NAME, "Unit.name_short"),
    (T.INTERNATIONAL_ABBR, "Unit.international_abbr"),
)


@dataclass(frozen=True, slots=True)
class ValueLimits:
    """What the columns the importer writes can hold, keyed ``"Model.field"``.

    ``lengths``: characters of a text column; ``decimals``: ``(max_digits,
    decimal_places)`` of a number column; ``not_negative``: number columns
    where a value below zero is refused; ``numbers_only``: number columns
    where text that is not a number (``NaN``, ``abc``) is refused, where
    elsewhere the reader warns (``bad_number``) and leaves the value out.
    A column not named is not checked, so ``ValueLimits()`` checks nothing.
    """

    lengths: Mapping[str, int] = field(default_factory=dict)
    decimals: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    not_negative: frozenset[str] = frozenset()
    numbers_only: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """A value that cannot be stored: what is wrong, whose it is and where it is in the file.

    ``message`` and ``owner`` are Russian (``цена «1e30» больше допустимого (…)``,
    ``предложение «p-2»``; no owner when the value is the item's own ``Ид``);
    ``element`` is the path below the root
    (``ПакетПредложений/Предложения/Предложение/Цены/Цена/ЦенаЗаЕдиницу``),
    ending in ``/@name`` for an attribute.
    """

    column: str
    message: str
    owner: str
    line: int | None
    element: str


def _nearest_watched(element: Element) -> str:
    """The closest ancestor the reader watches: what the reader takes the element to be in."""
    parent = element.getparent()
    while parent is not None:
        name = local_name(cast(str, parent.tag))
        if name in WATCHED:
            return name
        parent = parent.getparent()
    return ""


def _path(element: Element) -> str:
    names = []
    current: Element | None = element
    while current is not None and current.getparent() is not None:
        names.append(local_name(cast(str, current.tag)))
        current = current.getparent()
    return "/".join(reversed(names))


def _excerpt(value: str, size: int = 40) -> str:
    return value if len(value) <= size else value[:size] + "…"


def _plain_fits(raw: str, digits: int, signed: bool) -> bool:
    """Whether ``raw`` is a plain number that surely fits (``False``: look closer).

    Plain: digits, at most one point or comma, a minus where ``signed``;
    fewer whole digits than ``digits``, the column's digits before the point.
    """
    plain = _PLAIN_NUMBER.fullmatch(raw)
    return (
        plain is not None
        and len(plain[2]) < digits
        and len(plain[3] or "") <= MAX_FRACTION_DIGITS
        and (signed or not plain[1])
    )


def _fields(element: Element) -> dict[str, Element]:
    """The element's children by local name; of several with one name, the last."""
    fields = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            fields[local_name(tag)] = child
    return fields


class Checker:
    """Checks the values of one file's entities against ``limits``; collects the problems.

    The scan hands it each product, offer, group and property element at its
    end (:meth:`entity`) and each container at its end (:meth:`container`).
    ``problems`` keeps the first :data:`MAX_PROBLEMS`, ``count`` counts all.
    """

    def __init__(self, limits: ValueLimits) -> None:
        self.limits = limits
        self.problems: list[ValueProblem] = []
        self.count = 0

    # -- reporting --------------------------------------------------------------

    def report(
        self, column: str, message: str, owner: str, element: Element, attribute: str | None
    ) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            path = _path(element) + (f"/@{attribute}" if attribute else "")
            self.problems.append(ValueProblem(column, message, owner, element.sourceline, path))

    def text(
        self,
        column: str,
        value: str | None,
        element: Element,
        owner: str,
        attribute: str | None = None,
    ) -> None:
        """Check a text value (trimmed, as the reader trims it) against its column."""
        limit = self.limits.lengths.get(column)
        if value and limit is not None and len(value) > limit:
            message = (
                f"{TEXT_COLUMNS[column]} длиннее {limit} символов ({len(value)}): "
                f"«{_excerpt(value)}»"
            )
            self.report(column, message, owner, element, attribute)

    def own_text(self, column: str, element: Element, owner: str) -> None:
        """Check an element's own text against its column (at once, if it is short)."""
        raw = element.text
        if raw is not None and len(raw) > self.limits.lengths.get(column, _NO_LIMIT):
            self.text(column, raw.strip(), element, owner)

    def child_text(self, column: str, fields: Mapping[str, Element], tag: str, owner: str) -> None:
        """Check the text of the child ``tag`` in ``fields`` (see :func:`_fields`), if any."""
        if tag in fields:
            self.own_text(column, fields[tag], owner)

    def number(
        self, column: str, element: Element, owner: str, attribute: str | None = None
    ) -> bool:
        """Check a number element (or attribute); whether the reader takes a value from it."""
        raw = element.get(attribute) if attribute else element.text
        if raw is None:
            return False
        limits = self.limits
        decimals = limits.decimals.get(column)
        digits = decimals[0] - decimals[1] if decimals is not None else _NO_LIMIT
        if _plain_fits(raw, digits, column not in limits.not_negative):
            return True  # the usual case, decided without building a Decimal
        if not raw.strip():
            return False
        shown = _excerpt(raw.strip())
        label = NUMBER_COLUMNS[column]
        value = parse_decimal(raw)
        if value is None:
            if column in limits.numbers_only:
                self.report(column, f"{label} «{shown}» — не число", owner, element, attribute)
            return False
        if decimals is not None and not fits_decimal(value, *decimals):
            largest = f"{largest_decimal(*decimals):,}".replace(",", " ")
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -MAX_FRACTION_DIGITS:
                message = f"{label} «{shown}» записано с {-exponent} знаками после запятой"
            elif value.is_signed():
                message = f"{label} «{shown}» меньше допустимого (-{largest})"
            else:
                message = f"{label} «{shown}» больше допустимого ({largest})"
            self.report(column, message, owner, element, attribute)
        elif value < 0 and column in limits.not_negative:
            self.report(column, f"{label} «{shown}» меньше нуля", owner, element, attribute)
        return True

    # -- what the reader reads ----------------------------------------------------

    def entity(self, tag: str, element: Element) -> None:
        """Check a product, offer, group or property, if the reader reads it as one."""
        if tag == T.PRODUCT:
            if _nearest_watched(element) == T.CATALOG:
                self.product(element)
        elif tag == T.OFFER:
            if _nearest_watched(element) in PACKAGES:
                self.offer(element)
        elif tag == T.GROUP:
            parent = element.getparent()
            holder = parent.getparent() if parent is not None else None
            if (
                parent is not None
                and holder is not None
                and local_name(cast(str, parent.tag)) == T.GROUPS
                and local_name(cast(str, holder.tag)) in (T.CLASSIFIER, T.GROUP)
            ):
                self.named("Group", "группа", element)
        elif tag == T.PROPERTY and _nearest_watched(element) == T.CLASSIFIER:
            self.property(element)

    def container(self, tag: str, element: Element) -> None:
        """Check a container's header and the price types, warehouses… it declares."""
        parent = element.getparent()
        if parent is None:
            return
        holder = parent.getparent()
        if holder is not None and not (  # the reader refuses a container elsewhere
            holder.getparent() is None
            and local_name(cast(str, parent.tag)) == T.CLASSIFIER
            and tag in NESTABLE_IN_CLASSIFIER
        ):
            return
        fields = _fields(element)
        if tag == T.CLASSIFIER:
            owner = "классификатор"
            self.child_text("Classifier.external_id", fields, T.ID, owner)
            self.child_text("Classifier.name", fields, T.NAME, owner)
        elif tag == T.CATALOG:
            owner = "каталог"
            self.child_text("Catalog.external_id", fields, T.ID, owner)
            self.child_text("Classifier.external_id", fields, T.CLASSIFIER_ID, owner)
            self.child_text("Catalog.name", fields, T.NAME, owner)
            return
        else:
            owner = "пакет предложений"
            self.child_text("Classifier.external_id", fields, T.CLASSIFIER_ID, owner)
            catalog = fields.get(T.CATALOG_ID)
            own_id = text(fields[T.ID]) if T.ID in fields else ""
            if catalog is not None and optional_text(catalog):
                self.text("Catalog.external_id", optional_text(catalog), catalog, owner)
            elif own_id.endswith("#") and len(own_id) > 1:  # the catalog's id and a "#"
                self.text("Catalog.external_id", own_id[:-1], fields[T.ID], owner)
        wanted = [T.PRICE_TYPE, T.WAREHOUSE]
        if tag == T.CLASSIFIER:
            wanted += [T.UNIT_OF_MEASURE, T.CATEGORY]
        for item in element.iter(*(f"{{*}}{name}" for name in wanted)):
            if _nearest_watched(item) != tag:
                continue  # a warehouse of an offer's stock, not a declaration
            name = local_name(cast(str, item.tag))
            if name == T.UNIT_OF_MEASURE:
                self.unit_of_measure(item)
            else:
                model, kind = _DECLARED[name]
                self.named(model, kind, item)

    def named(
        self, model: str, kind: str, element: Element
    ) -> tuple[dict[str, Element], str] | None:
        """Check the ``Ид`` and ``Наименование`` of a group, property, price type or warehouse.

        Returns the element's fields and its owner's description, or ``None``
        for an item the reader skips (no ``Ид``).
        """
        fields = _fields(element)
        own_id = text(fields[T.ID]) if T.ID in fields else ""
        if not own_id:
            return None
        owner = f"{kind} «{_excerpt(own_id)}»"
        self.text(f"{model}.external_id", own_id, fields[T.ID], "")
        if T.NAME in fields:  # written as the name, or the id when empty
            self.text(f"{model}.name", text(fields[T.NAME]) or own_id, fields[T.NAME], owner)
        if model in ("Group", "Property"):
            self.child_text(f"{model}.version", fields, T.VERSION, owner)
        elif model == "PriceType":
            self.child_text("PriceType.currency", fields, T.CURRENCY, owner)
            if T.TAX in fields:
                self.child_text("PriceType.tax_name", _fields(fields[T.TAX]), T.NAME, owner)
        return fields, owner

    def unit_of_measure(self, element: Element) -> None:
        fields = _fields(element)
        code = optional_text(fields[T.CODE]) if T.CODE in fields else None
        if code:  # a unit without a code is not written
            owner = f"единица измерения «{_excerpt(code)}»"
            for tag, column in _UNIT_FIELDS:
                self.child_text(column, fields, tag, owner)

    def property(self, element: Element) -> None:
        named = self.named("Property", "свойство", element)
        if named is None:
            return
        fields, owner = named
        if T.VALUE_TYPE in fields:
            value_type = text(fields[T.VALUE_TYPE]) or VALUE_TYPE_STRING
            self.text("Property.value_type", value_type, fields[T.VALUE_TYPE], owner)
        if T.VALUE_OPTIONS not in fields:
            return
        for entry_tag, entry in children(fields[T.VALUE_OPTIONS]):
            if entry_tag not in (T.DIRECTORY, T.OPTION):
                continue
            option_id: Element | None = None
            value: Element | None = None
            for tag, child in children(entry):
                if tag in (T.VALUE_ID, T.ID):
                    option_id = child
                elif tag == T.VALUE:
                    value = child
            if option_id is not None and text(option_id):  # one without an id is skipped
                self.text("PropertyOption.external_id", text(option_id), option_id, owner)
                if value is not None:
                    self.text("PropertyOption.value", text(value), value, owner)

    def base_unit(self, element: Element, owner: str) -> None:
        """A ``БазоваяЕдиница`` as the reader reads it; one without a code is not written."""
        code = (element.get(T.CODE) or "").strip() or None
        code_element, attribute = element, cast(str | None, T.CODE)
        name_short = None
        own_text = optional_text(element)
        if own_text is not None:
            if code is None and own_text.isdigit():
                code, attribute = own_text, None
            else:
                name_short = own_text
        if code is None:
            for tag, child in children(element):
                if tag == T.RECALCULATION:
                    for inner_tag, inner in children(child):
                        if inner_tag == T.UNIT:
                            code, code_element, attribute = optional_text(inner), inner, None
        if not code:
            return
        self.text("Unit.code", code, code_element, owner, attribute)
        self.text("Unit.name_short", name_short, element, owner)
        for name, column in (
            (T.UNIT_FULL_NAME, "Unit.name_full"),
            (T.INTERNATIONAL_ABBR, "Unit.international_abbr"),
        ):
            self.text(column, (element.get(name) or "").strip(), element, owner, name)

    def product(self, element: Element) -> None:
        """A catalog's ``Товар``, with the reader's fallbacks for its name, code and weight."""
        fields: dict[str, Element] = {}
        simple: list[tuple[str, Element]] = []
        pictures: list[Element] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            tag = local_name(child.tag)
            fields[tag] = child
            if tag in _PRODUCT_TEXTS:
                simple.append((_PRODUCT_TEXTS[tag], child))
            elif tag == T.PICTURE:
                pictures.append(child)
        own_id = text(fields[T.ID]) if T.ID in fields else ""
        if not own_id:
            return  # skipped by the reader
        owner = f"товар «{_excerpt(own_id)}»"
        self.text("Product.external_id", own_id, fields[T.ID], "")
        for column, child in simple:
            self.own_text(column, child, owner)
        # Requisites fill in what the elements leave out (the reader keeps the last block).
        named: dict[str, tuple[str, Element]] = {}  # the first non-empty value of each name
        weights: list[Element] = []
        captions: dict[str, tuple[str, Element]] = {}
        block = fields.get(T.REQUISITES)
        for tag, item in children(block) if block is not None else ():
            if tag != T.REQUISITE:
                continue
            name, value, name_element, value_element = "", "", item, item
            for field_tag, field_element in children(item):
                if field_tag == T.NAME:
                    name, name_element = text(field_element), field_element
                elif field_tag == T.VALUE and not value:
                    value, value_element = text(field_element), field_element
            if not name:
                continue
            self.text("ProductRequisite.name", name, name_element, owner)
            if value:
                named.setdefault(name, (value, value_element))
                if name == T.REQ_WEIGHT:
                    weights.append(value_element)
                elif name == T.REQ_FILE_DESCRIPTION:
                    path, hash_sign, caption = value.partition("#")
                    if hash_sign and caption.strip():
                        captions[path.strip()] = (caption.strip(), value_element)
        name = text(fields[T.NAME]) if T.NAME in fields else ""
        if not name:  # written under its full name instead
            full = optional_text(fields[T.FULL_NAME]) if T.FULL_NAME in fields else None
            if full:
                self.text("Product.name", full, fields[T.FULL_NAME], owner)
            elif T.REQ_FULL_NAME in named:
                self.text("Product.name", *named[T.REQ_FULL_NAME], owner)
        code = optional_text(fields[T.CODE]) if T.CODE in fields else None
        if code is None and T.REQ_CODE in named:
            self.text("Product.code", *named[T.REQ_CODE], owner)
        weight = fields.get(T.WEIGHT)
        if weight is None or not self.number("Product.weight", weight, owner):
            for value_element in weights:  # the first that reads as a number
                if self.number("Product.weight", value_element, owner):
                    break
        for picture in pictures:
            source = optional_text(picture)
            if source:
                self.text("ProductImage.source_path", source, picture, owner)
                if source in captions:
                    self.text("ProductImage.caption", *captions[source], owner)
        if T.MANUFACTURER in fields:
            self.child_text("Product.manufacturer", _fields(fields[T.MANUFACTURER]), T.NAME, owner)
        if T.BASE_UNIT in fields:
            self.base_unit(fields[T.BASE_UNIT], owner)
        if T.TAX_RATES in fields:
            for tag, rate in children(fields[T.TAX_RATES]):
                if tag == T.TAX_RATE:
                    rate_fields = _fields(rate)
                    self.child_text("ProductTax.name", rate_fields, T.NAME, owner)
                    self.child_text("ProductTax.rate", rate_fields, T.RATE, owner)

    def offer(self, element: Element) -> None:
        """A package's ``Предложение``: identity, characteristics, prices and stock."""
        fields: dict[str, Element] = {}
        simple: list[tuple[str, Element]] = []
        stock: list[Element] = []  # elements with ИдСклада and КоличествоНаСкладе attributes
        rests: list[Element] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            tag = local_name(child.tag)
            fields[tag] = child
            if tag in _OFFER_TEXTS:
                simple.append((_OFFER_TEXTS[tag], child))
            elif tag == T.WAREHOUSE:
                stock.append(child)
            elif tag == T.WAREHOUSES:
                stock.append(child)
                stock.extend(
                    inner for inner_tag, inner in children(child) if inner_tag == T.WAREHOUSE
                )
            elif tag == T.RESTS:
                rests.append(child)
        own_id = text(fields[T.ID]) if T.ID in fields else ""
        if not own_id:
            return  # an empty offer, skipped by the reader
        characteristic = (
            optional_text(fields[T.CHARACTERISTIC_ID]) if T.CHARACTERISTIC_ID in fields else None
        )
        if characteristic and "#" not in own_id:
            own_id = f"{own_id}#{characteristic}"
        owner = f"предложение «{_excerpt(own_id)}»"
        self.text("Offer.external_id", own_id, fields[T.ID], "")
        for column, child in simple:
            self.own_text(column, child, owner)
        if T.BASE_UNIT in fields:
            self.base_unit(fields[T.BASE_UNIT], owner)
        if T.CHARACTERISTICS in fields:
            for tag, item in children(fields[T.CHARACTERISTICS]):
                if tag == T.CHARACTERISTIC:
                    parts = _fields(item)
                    self.child_text("OfferCharacteristic.name", parts, T.NAME, owner)
                    self.child_text("OfferCharacteristic.value", parts, T.VALUE, owner)
                    self.child_text("OfferCharacteristic.external_id", parts, T.ID, owner)
        if T.PRICES in fields:
            for tag, price in children(fields[T.PRICES]):
                if tag == T.PRICE:
                    self.price(_fields(price), owner)
        quantity = fields.get(T.QUANTITY)
        has_quantity = quantity is not None and self.number("Offer.quantity", quantity, owner)
        for holder in stock:
            warehouse = (holder.get(T.WAREHOUSE_ID_ATTR) or "").strip()
            if warehouse and self.number(
                "Stock.quantity", holder, owner, T.WAREHOUSE_QUANTITY_ATTR
            ):
                self.text("Warehouse.external_id", warehouse, holder, owner, T.WAREHOUSE_ID_ATTR)
        for block in rests:
            for rest_tag, rest in children(block):
                if rest_tag != T.REST:
                    continue
                if len(rest) == 0:  # <Остаток>66</Остаток>: the total, unless Количество says
                    if not has_quantity:
                        self.number("Offer.quantity", rest, owner)
                    continue
                for tag, row in children(rest):
                    if tag == T.QUANTITY and not has_quantity:  # Остаток/Количество: the same
                        self.number("Offer.quantity", row, owner)
                    if tag != T.WAREHOUSE:
                        continue
                    parts = _fields(row)
                    warehouse = text(parts[T.ID]) if T.ID in parts else ""
                    quantity = parts.get(T.QUANTITY)
                    if (
                        warehouse
                        and quantity is not None
                        and self.number("Stock.quantity", quantity, owner)
                    ):
                        self.text("Warehouse.external_id", warehouse, parts[T.ID], owner)

    def price(self, fields: Mapping[str, Element], owner: str) -> None:
        """A ``Цена``; one without a price type is skipped by the reader."""
        type_id = text(fields[T.PRICE_TYPE_ID]) if T.PRICE_TYPE_ID in fields else ""
        if not type_id:
            return
        self.text("PriceType.external_id", type_id, fields[T.PRICE_TYPE_ID], owner)
        if T.PRICE_PER_UNIT in fields:
            self.number("Price.value", fields[T.PRICE_PER_UNIT], owner)
        if T.COEFFICIENT in fields:
            self.number("Price.coefficient", fields[T.COEFFICIENT], owner)
        self.child_text("Price.currency", fields, T.CURRENCY, owner)
        self.child_text("Price.unit", fields, T.UNIT, owner)
