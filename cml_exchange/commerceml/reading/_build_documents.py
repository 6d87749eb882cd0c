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
    first_child,
    flag,
    number,
    optional_text,
    requisites,
    text,
)
from cml_exchange.commerceml.values import parse_bool, parse_date, parse_time


def document(element: Element, warn: Warn, *, in_container: bool = False) -> Document:
    """Read a ``Документ`` (or a ``ПодчиненныйДокумент``); the caller rejects one without ``Ид``.

    ``lines`` stays ``None`` when there is no ``Товары`` element, so a
    status-only update is never mistaken for an order that lost its lines.
    A ``ПометкаУдаления`` requisite counts as a deletion mark, like the element,
    and the requisites ``Номер по 1С``/``Дата по 1С`` fill ``number_1c``/``date_1c``
    when the elements ``Номер1С``/``Дата1С`` are absent.
    """
    found = Document(id="", in_container=in_container)
    id_element = first_child(element, T.ID)
    owner = optional_text(id_element) if id_element is not None else None
    line = partial(_line, warn=warn, owner=owner)
    payment = partial(_payment, warn=warn, owner=owner)
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NUMBER:
            found.number = optional_text(child)
        elif tag == T.DATE:
            found.date = parse_date(child.text)
        elif tag == T.TIME:
            found.time = parse_time(child.text)
        elif tag == T.OPERATION:
            found.operation = optional_text(child)
        elif tag == T.ROLE:
            found.role = optional_text(child)
        elif tag == T.CURRENCY:
            found.currency = optional_text(child)
        elif tag == T.EXCHANGE_RATE:
            found.exchange_rate = number(child, warn, owner)
        elif tag == T.AMOUNT:
            found.amount = number(child, warn, owner)
        elif tag == T.VERSION:
            found.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            found.deleted = found.deleted or flag(child)
        elif tag == T.NUMBER_1C:
            found.number_1c = optional_text(child)
        elif tag == T.DATE_1C:
            found.date_1c = parse_date(child.text)
        elif tag == T.COMMENT:
            found.comment = optional_text(child)
        elif tag == T.PAYMENT_DUE:
            found.payment_due = parse_date(child.text)
        elif tag == T.BASIS:
            found.basis = optional_text(child)
        elif tag == T.COUNTERPARTIES:
            found.counterparties = collect(child, T.COUNTERPARTY, _counterparty_or_none)
        elif tag == T.PRODUCTS:
            found.lines = collect(child, T.PRODUCT, line)
        elif tag == T.TAXES:
            found.taxes = taxes(child, warn, owner)
        elif tag == T.DISCOUNTS:
            found.discounts = discounts(child, warn, owner)
        elif tag == T.REQUISITES:
            found.requisites = requisites(child)
        elif tag == T.WAREHOUSES:
            found.warehouses = collect(child, T.WAREHOUSE, warehouse)
        elif tag == T.PAYMENTS:
            found.payments = collect(child, T.PAYMENT, payment)
        elif tag == T.SUBORDINATE_DOCUMENTS:
            found.subordinates = collect(
                child, T.SUBORDINATE_DOCUMENT, lambda item: document(item, warn)
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


def _line(element: Element, warn: Warn, owner: str | None) -> OrderLine | None:
    found = OrderLine(id="")
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.CATALOG_ID:
            found.catalog_id = optional_text(child)
        elif tag == T.ARTICLE:
            found.article = optional_text(child)
        elif tag == T.BASE_UNIT:
            found.unit = base_unit(child) or found.unit
        elif tag == T.UNIT:
            unit = line_unit(child)
            if found.unit is None:
                found.unit = unit
            elif unit is not None:
                found.unit.code = found.unit.code or unit.code
                found.unit.name_short = found.unit.name_short or unit.name_short
        elif tag in (T.PRICE_PER_UNIT, T.PRICE):
            found.price = number(child, warn, owner)
        elif tag == T.QUANTITY:
            found.quantity = number(child, warn, owner)
        elif tag == T.AMOUNT:
            found.amount = number(child, warn, owner)
        elif tag == T.COEFFICIENT:
            found.coefficient = number(child, warn, owner)
        elif tag == T.DISCOUNTS:
            found.discounts = discounts(child, warn, owner)
        elif tag == T.TAX_RATES:
            found.tax_rates = tax_rates(child)
        elif tag == T.TAXES:
            found.taxes = taxes(child, warn, owner)
        elif tag == T.REQUISITES:
            found.requisites = requisites(child)
        elif tag == T.CHARACTERISTICS:
            found.characteristics = characteristics(child)
    if not found.id and not found.name:
        return None
    return found


def _payment(element: Element, warn: Warn, owner: str | None) -> Payment:
    found = Payment()
    for tag, child in children(element):
        if tag == T.PAYMENT_DATE:
            found.date = parse_date(child.text)
        elif tag == T.DOCUMENT_NUMBER:
            found.number = optional_text(child)
        elif tag == T.TRANSACTION_NUMBER:
            found.transaction = optional_text(child)
        elif tag == T.PAYMENT_METHOD:
            found.method = optional_text(child)
        elif tag == T.PAYMENT_AMOUNT:
            found.amount = number(child, warn, owner)
    return found


def counterparty(element: Element) -> Counterparty:
    """Read a ``Контрагент``; the caller rejects one without ``Ид``."""
    found = Counterparty(id="")
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.FULL_NAME:
            found.full_name = optional_text(child)
        elif tag == T.OFFICIAL_NAME:
            found.official_name = optional_text(child)
        elif tag == T.ROLE:
            found.role = optional_text(child)
        elif tag == T.LAST_NAME:
            found.last_name = optional_text(child)
        elif tag == T.FIRST_NAME:
            found.first_name = optional_text(child)
        elif tag == T.MIDDLE_NAME:
            found.middle_name = optional_text(child)
        elif tag == T.INN:
            found.inn = optional_text(child)
        elif tag == T.KPP:
            found.kpp = optional_text(child)
        elif tag in (T.OKPO, T.OKPO_CODE):
            found.okpo = optional_text(child)
        elif tag == T.REGISTRATION_ADDRESS:
            found.registration_address = _address(child)
        elif tag == T.LEGAL_ADDRESS:
            found.legal_address = _address(child)
        elif tag == T.ADDRESS:
            found.address = _address(child)
        elif tag == T.CONTACTS:
            found.contacts = collect(child, T.CONTACT, _contact)
        elif tag == T.REPRESENTATIVES:
            found.representatives = collect(child, T.REPRESENTATIVE, _representative)
        elif tag == T.VERSION:
            found.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            found.deleted = flag(child)
    return found


def _counterparty_or_none(element: Element) -> Counterparty | None:
    found = counterparty(element)
    return found if found.id or found.name else None


def _address(element: Element) -> Address:
    found = Address()
    for tag, child in children(element):
        if tag == T.PRESENTATION:
            found.presentation = text(child)
        elif tag == T.ADDRESS_FIELD:
            field = AddressField(type="")
            for field_tag, part in children(child):
                if field_tag == T.TYPE:
                    field.type = text(part)
                elif field_tag == T.VALUE:
                    field.value = text(part)
            if field.type or field.value:
                found.fields.append(field)
    return found


def _contact(element: Element) -> Contact | None:
    found = Contact(type="")
    for tag, child in children(element):
        if tag == T.TYPE:
            found.type = text(child)
        elif tag == T.VALUE:
            found.value = text(child)
    return found if found.type or found.value else None


def _representative(element: Element) -> Representative | None:
    """Read a ``Представитель``: fields directly, or wrapped in a ``Контрагент`` (Bitrix 2.03)."""
    found = Representative()
    for tag, child in children(element):
        if tag == T.COUNTERPARTY:
            return _representative(child)
        if tag == T.RELATION:
            found.relation = text(child)
        elif tag == T.ID:
            found.id = optional_text(child)
        elif tag == T.NAME:
            found.name = text(child)
    return found if found.id or found.name else None
