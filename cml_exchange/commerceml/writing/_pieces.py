"""Pieces every version of the order writer shares: units, addresses, taxes, requisites.

Each writes its element into a document's text (:data:`~._markup.Out`) at a
level; units and requisites, which repeat from line to line and order to order,
are rendered once each and kept in :data:`PIECES`.
"""

from __future__ import annotations

from typing import Final

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Address,
    Characteristic,
    Contact,
    Discount,
    Requisite,
    Tax,
    TaxRate,
    Unit,
    Warehouse,
)
from cml_exchange.commerceml.writing._markup import (
    INDENT,
    TRUE,
    Out,
    add,
    close_element,
    flag_text,
    number_text,
    open_element,
    optional,
    xml_attribute,
    xml_text,
)


def base_unit(out: Out, level: int, unit: Unit | None) -> None:
    """``БазоваяЕдиница`` as 1C-Bitrix writes it: attributes, and the short name as text.

    ``Unit.id``, ``version`` and ``deleted`` have no place here and are not written.
    The few units of a shop repeat on every line: each is rendered once (:data:`PIECES`).
    """
    if unit is None:
        out.append(f"{INDENT[level]}<{T.BASE_UNIT}/>\n")
        return
    key = (level, unit.code, unit.name_full, unit.international_abbr, unit.name_short)
    text = PIECES.get(key)
    if text is None:
        text = _remember(key, _base_unit_text(level, unit))
    out.append(text)


def _base_unit_text(level: int, unit: Unit) -> str:
    tag = T.BASE_UNIT
    attributes = "".join(
        f' {name}="{xml_attribute(value)}"'
        for name, value in (
            (T.CODE, unit.code),
            (T.UNIT_FULL_NAME, unit.name_full),
            (T.INTERNATIONAL_ABBR, unit.international_abbr),
        )
        if value
    )
    if unit.name_short:
        return f"{INDENT[level]}<{tag}{attributes}>{xml_text(unit.name_short)}</{tag}>\n"
    return f"{INDENT[level]}<{tag}{attributes}/>\n"


def address(out: Out, level: int, tag: str, address: Address | None) -> None:
    if address is None:
        return
    mark = open_element(out, level, tag)
    add(out, level + 1, T.PRESENTATION, address.presentation)
    for field in address.fields:
        item = open_element(out, level + 1, T.ADDRESS_FIELD)
        add(out, level + 2, T.TYPE, field.type)
        add(out, level + 2, T.VALUE, field.value)
        close_element(out, level + 1, T.ADDRESS_FIELD, item)
    close_element(out, level, tag, mark)


def contacts(out: Out, level: int, contacts: list[Contact]) -> None:
    if not contacts:
        return
    box = open_element(out, level, T.CONTACTS)
    for contact in contacts:
        mark = open_element(out, level + 1, T.CONTACT)
        add(out, level + 2, T.TYPE, contact.type)
        add(out, level + 2, T.VALUE, contact.value)
        close_element(out, level + 1, T.CONTACT, mark)
    close_element(out, level, T.CONTACTS, box)


def warehouse(out: Out, level: int, warehouse: Warehouse) -> None:
    mark = open_element(out, level, T.WAREHOUSE)
    inner = level + 1
    add(out, inner, T.ID, warehouse.id)
    optional(out, inner, T.VERSION, warehouse.version)
    if warehouse.deleted:
        add(out, inner, T.DELETION_MARK, TRUE)
    optional(out, inner, T.NAME, warehouse.name)
    optional(out, inner, T.COMMENT, warehouse.comment)
    if warehouse.address:
        address = open_element(out, inner, T.ADDRESS)
        add(out, inner + 1, T.PRESENTATION, warehouse.address)
        close_element(out, inner, T.ADDRESS, address)
    close_element(out, level, T.WAREHOUSE, mark)


def taxes(out: Out, level: int, taxes: list[Tax]) -> None:
    if not taxes:
        return
    box = open_element(out, level, T.TAXES)
    for tax in taxes:
        mark = open_element(out, level + 1, T.TAX)
        add(out, level + 2, T.NAME, tax.name)
        optional(out, level + 2, T.TAX_INCLUDED, flag_text(tax.included))
        add(out, level + 2, T.AMOUNT, number_text(tax.amount))
        optional(out, level + 2, T.RATE, tax.rate)
        close_element(out, level + 1, T.TAX, mark)
    close_element(out, level, T.TAXES, box)


def discounts(out: Out, level: int, discounts: list[Discount]) -> None:
    if not discounts:
        return
    box = open_element(out, level, T.DISCOUNTS)
    for discount in discounts:
        mark = open_element(out, level + 1, T.DISCOUNT)
        add(out, level + 2, T.NAME, discount.name)
        add(out, level + 2, T.AMOUNT, number_text(discount.amount))
        optional(out, level + 2, T.PERCENT, number_text(discount.percent))
        optional(out, level + 2, T.TAX_INCLUDED, flag_text(discount.included))
        close_element(out, level + 1, T.DISCOUNT, mark)
    close_element(out, level, T.DISCOUNTS, box)


def tax_rates(out: Out, level: int, rates: list[TaxRate]) -> None:
    if not rates:
        return
    box = open_element(out, level, T.TAX_RATES)
    for rate in rates:
        mark = open_element(out, level + 1, T.TAX_RATE)
        add(out, level + 2, T.NAME, rate.name)
        add(out, level + 2, T.RATE, rate.rate)
        close_element(out, level + 1, T.TAX_RATE, mark)
    close_element(out, level, T.TAX_RATES, box)


def characteristics(out: Out, level: int, characteristics: list[Characteristic]) -> None:
    if not characteristics:
        return
    box = open_element(out, level, T.CHARACTERISTICS)
    for characteristic in characteristics:
        mark = open_element(out, level + 1, T.CHARACTERISTIC)
        optional(out, level + 2, T.ID, characteristic.id)
        add(out, level + 2, T.NAME, characteristic.name)
        add(out, level + 2, T.VALUE, characteristic.value)
        close_element(out, level + 1, T.CHARACTERISTIC, mark)
    close_element(out, level, T.CHARACTERISTICS, box)


def requisites(out: Out, level: int, requisites: list[Requisite]) -> None:
    """``ЗначенияРеквизитов``: the most frequent block, each requisite rendered once.

    Most requisites repeat from line to line and order to order (a line's kind,
    "paid: false", a status): each (level, name, value) is kept in :data:`PIECES`.
    """
    if not requisites:
        return
    out.append(f"{INDENT[level]}<{T.REQUISITES}>\n")
    for requisite in requisites:
        key = (level, requisite.name, requisite.value)
        text = PIECES.get(key)
        if text is None:
            text = _remember(key, _requisite_text(level, requisite))
        out.append(text)
    out.append(f"{INDENT[level]}</{T.REQUISITES}>\n")


def _requisite_text(level: int, requisite: Requisite) -> str:
    middle, inner = INDENT[level + 1], INDENT[level + 2]
    name = f"<{T.NAME}>{xml_text(requisite.name)}</{T.NAME}>" if requisite.name else f"<{T.NAME}/>"
    value = (
        f"<{T.VALUE}>{xml_text(requisite.value)}</{T.VALUE}>"
        if requisite.value
        else f"<{T.VALUE}/>"
    )
    return f"{middle}<{T.REQUISITE}>\n{inner}{name}\n{inner}{value}\n{middle}</{T.REQUISITE}>\n"


#: Rendered pieces that repeat (units, requisites) by what they are made of; emptied
#: when :data:`PIECES_LIMIT` is reached, so values that never repeat (dates) cannot grow it.
PIECES: dict[tuple[object, ...], str] = {}
PIECES_LIMIT: Final = 4096


def _remember(key: tuple[object, ...], text: str) -> str:
    if len(PIECES) >= PIECES_LIMIT:
        PIECES.clear()
    PIECES[key] = text
    return text
