"""The value checks of a catalog's products and a package's offers.

Each check mirrors what the reader builds from a ``Товар`` or a
``Предложение`` and the importer writes, with the reader's own helpers for
its fallbacks (the unit code, the offer id with its characteristic, the
requisites that fill in for elements, the pictures' captions).
"""

from __future__ import annotations

from collections.abc import Mapping

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.reading._build_catalog import file_caption
from cml_exchange.commerceml.reading._build_common import base_unit_code
from cml_exchange.commerceml.reading._build_offers import offer_id
from cml_exchange.commerceml.reading._value_limits import ValueChecks, fields_by_name
from cml_exchange.commerceml.reading._xml import (
    Element,
    children,
    local_name,
    optional_text,
    requisite_fields,
    text,
)
from cml_exchange.commerceml.values import excerpt

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


class ItemChecks(ValueChecks):
    """The checks of products and offers (and their units and prices)."""

    def base_unit(self, element: Element, owner: str) -> None:
        """A ``БазоваяЕдиница`` as the reader reads it; one without a code is not written."""
        code, code_element, attribute, name_short = base_unit_code(element)
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
        owner = f"товар «{excerpt(own_id)}»"
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
            name, name_element, value, value_element = requisite_fields(item)
            if not name:
                continue
            self.text("ProductRequisite.name", name, name_element, owner)
            if value:
                named.setdefault(name, (value, value_element))
                if name == T.REQ_WEIGHT:
                    weights.append(value_element)
                elif name == T.REQ_FILE_DESCRIPTION:
                    described = file_caption(value)
                    if described is not None:
                        captions[described[0]] = (described[1], value_element)
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
            self.child_text(
                "Product.manufacturer", fields_by_name(fields[T.MANUFACTURER]), T.NAME, owner
            )
        if T.BASE_UNIT in fields:
            self.base_unit(fields[T.BASE_UNIT], owner)
        if T.TAX_RATES in fields:
            for tag, rate in children(fields[T.TAX_RATES]):
                if tag == T.TAX_RATE:
                    rate_fields = fields_by_name(rate)
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
        characteristic = fields.get(T.CHARACTERISTIC_ID)
        if characteristic is not None:
            own_id = offer_id(own_id, optional_text(characteristic))
        owner = f"предложение «{excerpt(own_id)}»"
        self.text("Offer.external_id", own_id, fields[T.ID], "")
        for column, child in simple:
            self.own_text(column, child, owner)
        if T.BASE_UNIT in fields:
            self.base_unit(fields[T.BASE_UNIT], owner)
        if T.CHARACTERISTICS in fields:
            for tag, item in children(fields[T.CHARACTERISTICS]):
                if tag == T.CHARACTERISTIC:
                    parts = fields_by_name(item)
                    self.child_text("OfferCharacteristic.name", parts, T.NAME, owner)
                    self.child_text("OfferCharacteristic.value", parts, T.VALUE, owner)
                    self.child_text("OfferCharacteristic.external_id", parts, T.ID, owner)
        if T.PRICES in fields:
            for tag, price in children(fields[T.PRICES]):
                if tag == T.PRICE:
                    self.price(fields_by_name(price), owner)
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
                    parts = fields_by_name(row)
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
        self.child_text("Price.presentation", fields, T.PRESENTATION, owner)
