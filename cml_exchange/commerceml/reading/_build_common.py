"""Builders for the pieces shared by products, offers and order lines."""

from __future__ import annotations

from typing import NamedTuple

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Characteristic,
    Discount,
    Offer,
    Product,
    PropertyValue,
    Tax,
    TaxRate,
    Unit,
)
from cml_exchange.commerceml.reading._xml import (
    LOCAL_NAMES,
    Element,
    Warn,
    bool_text,
    children,
    collect,
    fields_of,
    fill,
    fill_numbers,
    flag,
    is_deleted_status,
    name_of,
    optional_text,
    text,
)


def _trimmed(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class UnitCode(NamedTuple):
    """A ``БазоваяЕдиница``'s code, where it is written, and the short name if the text is not it.

    ``element`` and ``attribute`` say where the code was found: the ``Код``
    attribute, the element's own text (``attribute`` is ``None``) or a
    ``Пересчет/Единица`` inside it.
    """

    code: str | None
    element: Element
    attribute: str | None
    name_short: str | None


def base_unit_code(element: Element) -> UnitCode:
    """Find a ``БазоваяЕдиница``'s code: the ``Код`` attribute, a number as text, or ``Пересчет``.

    Text that is not the code (not a number, or beside a ``Код``) is the short name.
    """
    code = _trimmed(element.get(T.CODE))
    code_element = element
    attribute: str | None = T.CODE
    own_text = optional_text(element)
    name_short = None
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
    return UnitCode(code, code_element, attribute, name_short)


def base_unit(element: Element) -> Unit | None:
    """Read a ``БазоваяЕдиница`` in any of its three shapes.

    Attributes with the short name as text (``<БазоваяЕдиница Код="796 " …>шт``),
    attributes with a nested ``Пересчет`` (УТ 11), or just the code as text
    (``<БазоваяЕдиница>796 </БазоваяЕдиница>``, 2.09 packages).
    """
    code, _, _, name_short = base_unit_code(element)
    name_full = _trimmed(element.get(T.UNIT_FULL_NAME))
    abbreviation = _trimmed(element.get(T.INTERNATIONAL_ABBR))
    if code is None and name_full is None and name_short is None and abbreviation is None:
        return None
    return Unit(
        code=code, name_full=name_full, name_short=name_short, international_abbr=abbreviation
    )


_UNIT_FIELDS = fields_of(
    Unit,
    {
        T.CODE: ("code", optional_text),
        T.ID: ("id", optional_text),
        T.UNIT_FULL_NAME: ("name_full", optional_text),
        T.SHORT_NAME: ("name_short", optional_text),
        T.INTERNATIONAL_ABBR: ("international_abbr", optional_text),
        T.VERSION: ("version", optional_text),
        T.DELETION_MARK: ("deleted", flag),
    },
)


def unit_entry(element: Element) -> Unit:
    """Read a unit written as elements: ``ЕдиницаИзмерения`` or an order line's ``Единица``."""
    return fill(Unit(), element, _UNIT_FIELDS)


def line_unit(element: Element) -> Unit | None:
    """Read an order line's ``Единица``: nested elements (УТ 11), a code or a short name as text."""
    if len(element):
        return unit_entry(element)
    value = optional_text(element)
    if value is None:
        return None
    return Unit(code=value) if value.isdigit() else Unit(name_short=value)


def read_merged(found: Product | Offer, tag: str, child: Element) -> None:
    """Read ``child`` if it is one of the fields a product or offer merges from several.

    Either of ``ПометкаУдаления`` and ``Статус`` = ``Удален`` marks it deleted;
    the first non-empty of ``Штрихкод`` and ``ШтрихКод`` is its barcode.
    """
    if tag == T.DELETION_MARK:
        found.deleted = found.deleted or flag(child)
    elif tag == T.STATUS:
        found.deleted = found.deleted or is_deleted_status(child.text)
    elif tag in (T.BARCODE, T.BARCODE_ALT):
        found.barcode = found.barcode or optional_text(child)


def property_values(element: Element) -> list[PropertyValue]:
    """Read ``ЗначенияСвойств``; empty ``<Значение/>`` elements are dropped."""

    def build(item: Element) -> PropertyValue | None:
        property_id = ""
        values = []
        names = LOCAL_NAMES
        for child in item:
            tag = names.get(child.tag) or name_of(child)
            if tag == T.ID:
                property_id = text(child)
            elif tag == T.VALUE:
                value = text(child)
                if value:
                    values.append(value)
        return PropertyValue(property_id=property_id, values=values) if property_id else None

    return collect(element, T.PROPERTY_VALUE, build)


_CHARACTERISTIC_FIELDS = fields_of(
    Characteristic,
    {T.NAME: ("name", text), T.VALUE: ("value", text), T.ID: ("id", optional_text)},
)


def characteristics(element: Element) -> list[Characteristic]:
    """Read ``ХарактеристикиТовара``: name/value pairs, with an id in УТ 11."""

    def build(item: Element) -> Characteristic | None:
        found = fill(Characteristic(name=""), item, _CHARACTERISTIC_FIELDS)
        return found if found.name or found.value else None

    return collect(element, T.CHARACTERISTIC, build)


_TAX_RATE_FIELDS = fields_of(TaxRate, {T.NAME: ("name", text), T.RATE: ("rate", text)})


def tax_rates(element: Element) -> list[TaxRate]:
    """Read ``СтавкиНалогов``; the rate stays text (``18``, ``Без НДС``)."""

    def build(item: Element) -> TaxRate | None:
        found = fill(TaxRate(name=""), item, _TAX_RATE_FIELDS)
        return found if found.name or found.rate else None

    return collect(element, T.TAX_RATE, build)


_TAX_FIELDS = fields_of(
    Tax,
    {
        T.NAME: ("name", text),
        T.TAX_INCLUDED: ("included", bool_text),
        T.RATE: ("rate", optional_text),
    },
)
_TAX_NUMBERS = fields_of(Tax, {T.AMOUNT: "amount"})


def taxes(element: Element, warn: Warn, owner_id: str | None) -> list[Tax]:
    """Read ``Налоги`` of a document or a line."""

    def build(item: Element) -> Tax | None:
        return fill_numbers(Tax(name=""), item, _TAX_FIELDS, _TAX_NUMBERS, warn, owner_id)

    return collect(element, T.TAX, build)


_DISCOUNT_FIELDS = fields_of(
    Discount, {T.NAME: ("name", text), T.TAX_INCLUDED: ("included", bool_text)}
)
_DISCOUNT_NUMBERS = fields_of(Discount, {T.AMOUNT: "amount", T.PERCENT: "percent"})


def discounts(element: Element, warn: Warn, owner_id: str | None) -> list[Discount]:
    """Read ``Скидки`` of a document or a line."""

    def build(item: Element) -> Discount | None:
        return fill_numbers(Discount(), item, _DISCOUNT_FIELDS, _DISCOUNT_NUMBERS, warn, owner_id)

    return collect(element, T.DISCOUNT, build)
