"""Builders for the pieces shared by products, offers and order lines."""

from __future__ import annotations

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Characteristic,
    Discount,
    PropertyValue,
    Tax,
    TaxRate,
    Unit,
)
from cml_exchange.commerceml.reading._xml import (
    Element,
    Warn,
    children,
    collect,
    flag,
    number,
    optional_text,
    text,
)
from cml_exchange.commerceml.values import parse_bool


def _trimmed(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def base_unit(element: Element) -> Unit | None:
    """Read a ``БазоваяЕдиница`` in any of its three shapes.

    Attributes with the short name as text (``<БазоваяЕдиница Код="796 " …>шт``),
    attributes with a nested ``Пересчет`` (УТ 11), or just the code as text
    (``<БазоваяЕдиница>796 </БазоваяЕдиница>``, 2.09 packages).
    """
    code = _trimmed(element.get(T.CODE))
    own_text = optional_text(element)
    name_short = None
    if own_text is not None:
        if code is None and own_text.isdigit():
            code = own_text
        else:
            name_short = own_text
    if code is None:
        for tag, child in children(element):
            if tag == T.RECALCULATION:
                for inner_tag, inner in children(child):
                    if inner_tag == T.UNIT:
                        code = optional_text(inner)
    unit = Unit(
        code=code,
        name_full=_trimmed(element.get(T.UNIT_FULL_NAME)),
        name_short=name_short,
        international_abbr=_trimmed(element.get(T.INTERNATIONAL_ABBR)),
    )
    if unit == Unit():
        return None
    return unit


def unit_entry(element: Element) -> Unit:
    """Read a unit written as elements: ``ЕдиницаИзмерения`` or an order line's ``Единица``."""
    unit = Unit()
    for tag, child in children(element):
        if tag == T.CODE:
            unit.code = optional_text(child)
        elif tag == T.ID:
            unit.id = optional_text(child)
        elif tag == T.UNIT_FULL_NAME:
            unit.name_full = optional_text(child)
        elif tag == T.SHORT_NAME:
            unit.name_short = optional_text(child)
        elif tag == T.INTERNATIONAL_ABBR:
            unit.international_abbr = optional_text(child)
        elif tag == T.VERSION:
            unit.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            unit.deleted = flag(child)
    return unit


def line_unit(element: Element) -> Unit | None:
    """Read an order line's ``Единица``: nested elements (УТ 11), a code or a short name as text."""
    if len(element):
        return unit_entry(element)
    value = optional_text(element)
    if value is None:
        return None
    return Unit(code=value) if value.isdigit() else Unit(name_short=value)


def property_values(element: Element) -> list[PropertyValue]:
    """Read ``ЗначенияСвойств``; empty ``<Значение/>`` elements are dropped."""

    def build(item: Element) -> PropertyValue | None:
        property_id = ""
        values = []
        for tag, child in children(item):
            if tag == T.ID:
                property_id = text(child)
            elif tag == T.VALUE:
                value = text(child)
                if value:
                    values.append(value)
        return PropertyValue(property_id=property_id, values=values) if property_id else None

    return collect(element, T.PROPERTY_VALUE, build)


def characteristics(element: Element) -> list[Characteristic]:
    """Read ``ХарактеристикиТовара``: name/value pairs, with an id in УТ 11."""

    def build(item: Element) -> Characteristic | None:
        found = Characteristic(name="")
        for tag, child in children(item):
            if tag == T.NAME:
                found.name = text(child)
            elif tag == T.VALUE:
                found.value = text(child)
            elif tag == T.ID:
                found.id = optional_text(child)
        return found if found.name or found.value else None

    return collect(element, T.CHARACTERISTIC, build)


def tax_rates(element: Element) -> list[TaxRate]:
    """Read ``СтавкиНалогов``; the rate stays text (``18``, ``Без НДС``)."""

    def build(item: Element) -> TaxRate | None:
        found = TaxRate(name="")
        for tag, child in children(item):
            if tag == T.NAME:
                found.name = text(child)
            elif tag == T.RATE:
                found.rate = text(child)
        return found if found.name or found.rate else None

    return collect(element, T.TAX_RATE, build)


def taxes(element: Element, warn: Warn, owner_id: str | None) -> list[Tax]:
    """Read ``Налоги`` of a document or a line."""

    def build(item: Element) -> Tax | None:
        found = Tax(name="")
        for tag, child in children(item):
            if tag == T.NAME:
                found.name = text(child)
            elif tag == T.TAX_INCLUDED:
                found.included = parse_bool(child.text)
            elif tag == T.AMOUNT:
                found.amount = number(child, warn, owner_id)
            elif tag == T.RATE:
                found.rate = optional_text(child)
        return found

    return collect(element, T.TAX, build)


def discounts(element: Element, warn: Warn, owner_id: str | None) -> list[Discount]:
    """Read ``Скидки`` of a document or a line."""

    def build(item: Element) -> Discount | None:
        found = Discount()
        for tag, child in children(item):
            if tag == T.NAME:
                found.name = text(child)
            elif tag == T.AMOUNT:
                found.amount = number(child, warn, owner_id)
            elif tag == T.PERCENT:
                found.percent = number(child, warn, owner_id)
            elif tag == T.TAX_INCLUDED:
                found.included = parse_bool(child.text)
        return found

    return collect(element, T.DISCOUNT, build)
