"""Builders for documents (orders and their subordinate documents) and counterparties."""

from __future__ import annotations

from functools import partial

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Address,
    AddressField,
    Contact,
    Counterparty,
    Document,
    OrderLine,
    Payment,
    Representative,
    Warehouse,
)
from cml_exchange.commerceml.reading._build_classifier import warehouse
from cml_exchange.commerceml.reading._build_common import (
    base_unit,
    characteristics,
    discounts,
    line_unit,
    tax_rates,
    taxes,
)
from cml_exchange.commerceml.reading._xml import (
    Element,
    Warn,
    children,
    collect,
    date_text,
    fields_of,
    fill,
    fill_numbers,
    first_child,
    flag,
    number,
    optional_text,
    requisites,
    text,
    time_text,
)
from cml_exchange.commerceml.values import parse_bool, parse_date

# -- counterparties ------------------------------------------------------------

_ADDRESS_FIELD_FIELDS = fields_of(AddressField, {T.TYPE: ("type", text), T.VALUE: ("value", text)})


def _address(element: Element) -> Address:
    found = Address()
    for tag, child in children(element):
        if tag == T.PRESENTATION:
            found.presentation = text(child)
        elif tag == T.ADDRESS_FIELD:
            field = fill(AddressField(type=""), child, _ADDRESS_FIELD_FIELDS)
            if field.type or field.value:
                found.fields.append(field)
    return found


_CONTACT_FIELDS = fields_of(Contact, {T.TYPE: ("type", text), T.VALUE: ("value", text)})


def _contact(element: Element) -> Contact | None:
    found = fill(Contact(type=""), element, _CONTACT_FIELDS)
    return found if found.type or found.value else None


_REPRESENTATIVE_FIELDS = fields_of(
    Representative,
    {T.RELATION: ("relation", text), T.ID: ("id", optional_text), T.NAME: ("name", text)},
)


def _representative(element: Element) -> Representative | None:
    """Read a ``Представитель``: fields directly, or wrapped in a ``Контрагент`` (Bitrix 2.03)."""
    found = Representative()
    for tag, child in children(element):
        if tag == T.COUNTERPARTY:
            return _representative(child)
        field = _REPRESENTATIVE_FIELDS.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
    return found if found.id or found.name else None


def _contacts(element: Element) -> list[Contact]:
    return collect(element, T.CONTACT, _contact)


def _representatives(element: Element) -> list[Representative]:
    return collect(element, T.REPRESENTATIVE, _representative)


_COUNTERPARTY_FIELDS = fields_of(
    Counterparty,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.FULL_NAME: ("full_name", optional_text),
        T.OFFICIAL_NAME: ("official_name", optional_text),
        T.ROLE: ("role", optional_text),
        T.LAST_NAME: ("last_name", optional_text),
        T.FIRST_NAME: ("first_name", optional_text),
        T.MIDDLE_NAME: ("middle_name", optional_text),
        T.INN: ("inn", optional_text),
        T.KPP: ("kpp", optional_text),
        T.OKPO: ("okpo", optional_text),
        T.OKPO_CODE: ("okpo", optional_text),
        T.REGISTRATION_ADDRESS: ("registration_address", _address),
        T.LEGAL_ADDRESS: ("legal_address", _address),
        T.ADDRESS: ("address", _address),
        T.CONTACTS: ("contacts", _contacts),
        T.REPRESENTATIVES: ("representatives", _representatives),
        T.VERSION: ("version", optional_text),
        T.DELETION_MARK: ("deleted", flag),
    },
)


def counterparty(element: Element) -> Counterparty:
    """Read a ``Контрагент``; the caller rejects one without ``Ид``."""
    return fill(Counterparty(id=""), element, _COUNTERPARTY_FIELDS)


def _counterparties(element: Element) -> list[Counterparty]:
    """A document's ``Контрагенты``; one with neither ``Ид`` nor name is left out."""

    def build(item: Element) -> Counterparty | None:
        found = counterparty(item)
        return found if found.id or found.name else None

    return collect(element, T.COUNTERPARTY, build)


# -- order lines and payments ----------------------------------------------------

_LINE_FIELDS = fields_of(
    OrderLine,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.CATALOG_ID: ("catalog_id", optional_text),
        T.ARTICLE: ("article", optional_text),
        T.TAX_RATES: ("tax_rates", tax_rates),
        T.REQUISITES: ("requisites", requisites),
        T.CHARACTERISTICS: ("characteristics", characteristics),
    },
)
_LINE_NUMBERS = fields_of(
    OrderLine,
    {
        T.PRICE_PER_UNIT: "price",
        T.PRICE: "price",
        T.QUANTITY: "quantity",
        T.AMOUNT: "amount",
        T.COEFFICIENT: "coefficient",
    },
)


def _line(element: Element, warn: Warn, owner: str | None) -> OrderLine | None:
    found = OrderLine(id="")
    for tag, child in children(element):
        field = _LINE_FIELDS.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
        elif tag in _LINE_NUMBERS:
            setattr(found, _LINE_NUMBERS[tag], number(child, warn, owner))
        elif tag == T.BASE_UNIT:
            found.unit = base_unit(child) or found.unit
        elif tag == T.UNIT:
            unit = line_unit(child)
            if found.unit is None:
                found.unit = unit
            elif unit is not None:
                found.unit.code = found.unit.code or unit.code
                found.unit.name_short = found.unit.name_short or unit.name_short
        elif tag == T.DISCOUNTS:
            found.discounts = discounts(child, warn, owner)
        elif tag == T.TAXES:
            found.taxes = taxes(child, warn, owner)
    if not found.id and not found.name:
        return None
    return found


_PAYMENT_FIELDS = fields_of(
    Payment,
    {
        T.PAYMENT_DATE: ("date", date_text),
        T.DOCUMENT_NUMBER: ("number", optional_text),
        T.TRANSACTION_NUMBER: ("transaction", optional_text),
        T.PAYMENT_METHOD: ("method", optional_text),
    },
)
_PAYMENT_NUMBERS = fields_of(Payment, {T.PAYMENT_AMOUNT: "amount"})


def _payment(element: Element, warn: Warn, owner: str | None) -> Payment:
    return fill_numbers(Payment(), element, _PAYMENT_FIELDS, _PAYMENT_NUMBERS, warn, owner)


# -- documents -------------------------------------------------------------------


def _warehouses(element: Element) -> list[Warehouse]:
    return collect(element, T.WAREHOUSE, warehouse)


_DOCUMENT_FIELDS = fields_of(
    Document,
    {
        T.ID: ("id", text),
        T.NUMBER: ("number", optional_text),
        T.DATE: ("date", date_text),
        T.TIME: ("time", time_text),
        T.OPERATION: ("operation", optional_text),
        T.ROLE: ("role", optional_text),
        T.CURRENCY: ("currency", optional_text),
        T.VERSION: ("version", optional_text),
        T.NUMBER_1C: ("number_1c", optional_text),
        T.DATE_1C: ("date_1c", date_text),
        T.COMMENT: ("comment", optional_text),
        T.PAYMENT_DUE: ("payment_due", date_text),
        T.BASIS: ("basis", optional_text),
        T.COUNTERPARTIES: ("counterparties", _counterparties),
        T.REQUISITES: ("requisites", requisites),
        T.WAREHOUSES: ("warehouses", _warehouses),
    },
)
_DOCUMENT_NUMBERS = fields_of(Document, {T.EXCHANGE_RATE: "exchange_rate", T.AMOUNT: "amount"})


def document(
    element: Element, warn: Warn, *, in_container: bool = False, owner: str | None = None
) -> Document:
    """Read a ``Документ`` (or a ``ПодчиненныйДокумент``); the caller rejects one without ``Ид``.

    ``lines`` stays ``None`` when there is no ``Товары`` element, so a
    status-only update is never mistaken for an order that lost its lines.
    A ``ПометкаУдаления`` requisite counts as a deletion mark, like the element,
    and the requisites ``Номер по 1С``/``Дата по 1С`` fill ``number_1c``/``date_1c``
    when the elements ``Номер1С``/``Дата1С`` are absent.

    Warnings name ``owner`` when given, else the document's own ``Ид``: a
    subordinate document's name its order, which is applied or refused whole.
    """
    found = Document(id="", in_container=in_container)
    id_element = first_child(element, T.ID)
    if owner is None and id_element is not None:
        owner = optional_text(id_element)
    line = partial(_line, warn=warn, owner=owner)
    payment = partial(_payment, warn=warn, owner=owner)
    for tag, child in children(element):
        field = _DOCUMENT_FIELDS.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
        elif tag in _DOCUMENT_NUMBERS:
            setattr(found, _DOCUMENT_NUMBERS[tag], number(child, warn, owner))
        elif tag == T.DELETION_MARK:
            found.deleted = found.deleted or flag(child)
        elif tag == T.PRODUCTS:
            found.lines = collect(child, T.PRODUCT, line)
        elif tag == T.TAXES:
            found.taxes = taxes(child, warn, owner)
        elif tag == T.DISCOUNTS:
            found.discounts = discounts(child, warn, owner)
        elif tag == T.PAYMENTS:
            found.payments = collect(child, T.PAYMENT, payment)
        elif tag == T.SUBORDINATE_DOCUMENTS:
            found.subordinates = collect(
                child, T.SUBORDINATE_DOCUMENT, lambda item: document(item, warn, owner=owner)
            )
    if parse_bool(found.requisite(T.REQ_DELETION_MARK)) is True:
        found.deleted = True
    # Before УТ 11 wrote Номер1С/Дата1С as elements, 1C sent them as requisites.
    found.number_1c = found.number_1c or found.requisite(T.REQ_NUMBER_1C) or None
    found.date_1c = found.date_1c or parse_date(found.requisite(T.REQ_DATE_1C))
    for subordinate in found.subordinates:
        # In 2.10 a subordinate document is tied to its order by nesting, not by Основание.
        subordinate.basis = subordinate.basis or found.id or None
    return found
