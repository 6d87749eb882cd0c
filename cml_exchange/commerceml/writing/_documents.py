"""Element trees for the order writer: one ``Документ`` at a time, in each version's order.

:class:`DocumentShape` turns a :class:`~cml_exchange.commerceml.entities.Document`
into an lxml element without a namespace (the writer places it inside the
root). The element order follows the official 2.08/2.10 XSD sequences, which
1C-Bitrix's 2.05 output shares at document level; only order lines differ
(see :meth:`DocumentShape._line_bitrix` and :meth:`DocumentShape._line_xsd`).
3.1 has no public XSD: it takes the 2.10 shape, with the payments and
shipments moved out of the order into sibling documents of its
``Контейнер`` (:meth:`DocumentShape.container`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Final

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Address,
    Characteristic,
    Contact,
    Counterparty,
    Discount,
    Document,
    OrderLine,
    Representative,
    Requisite,
    Tax,
    TaxRate,
    Unit,
    Warehouse,
)
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.values import format_bool, format_decimal

Element = etree._Element

#: Characters XML 1.0 cannot carry, not even as references.
_NOT_XML: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: ``Единица`` of a line is a unit code of 3 or 4 characters (XSD ``ЕдиницаТип``).
_UNIT_CODE_LENGTHS: Final = range(3, 5)


def _set_text(element: Element, value: str) -> None:
    try:
        element.text = value
    except ValueError:  # control characters, lone surrogates
        element.text = _NOT_XML.sub("", value)


def _set_attribute(element: Element, name: str, value: str | None) -> None:
    if not value:
        return
    try:
        element.set(name, value)
    except ValueError:
        element.set(name, _NOT_XML.sub("", value))


def _add(parent: Element, tag: str, value: str | None = None) -> Element:
    """Append ``tag``, with ``value`` as text when there is one (a required element)."""
    element = etree.SubElement(parent, tag)
    if value:
        _set_text(element, value)
    return element


def _optional(parent: Element, tag: str, value: str | None) -> None:
    """Append ``tag`` only when ``value`` is neither ``None`` nor empty."""
    if value:
        _set_text(etree.SubElement(parent, tag), value)


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not value.is_finite():
        raise WriterError(f"Число {value} нельзя записать в документ CommerceML.")
    return format_decimal(value)


def _flag(value: bool | None) -> str | None:
    return None if value is None else format_bool(value)


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d")


def _time(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M:%S")


class DocumentShape:
    """Build ``Документ`` elements for one schema version ("2.05", "2.08", "2.10" or "3.1")."""

    def __init__(self, schema_version: str) -> None:
        self.bitrix = schema_version == "2.05"
        self.subordinates = schema_version == "2.10"

    def document(self, document: Document) -> Element:
        """The ``Документ`` element of ``document``; raises :class:`WriterError` if impossible."""
        element = etree.Element(T.DOCUMENT)
        self._fill(element, document, parent_id=None)
        return element

    def container(self, document: Document) -> Element:
        """A 3.1 ``Контейнер``: the order's ``Документ``, then one per subordinate document.

        As 1C-Bitrix's ``CSaleExport`` writes it from schema 3 on (docs/research/
        commerceml-3.1.md §4.1): the payments and shipments are siblings of the
        order, each a whole ``Документ`` whose ``Основание`` is the order's ``Ид``,
        not nested ``ПодчиненныеДокументы``. A subordinate's ``basis`` must be
        ``None`` or the order's id; raises :class:`WriterError` if impossible.
        """
        box = etree.Element(T.CONTAINER)
        box.append(self.document(document))
        for subordinate in document.subordinates:
            if subordinate.subordinates:
                raise WriterError(
                    f"Подчиненный документ {subordinate.id} не может иметь своих "
                    "подчиненных документов."
                )
            sibling = etree.SubElement(box, T.DOCUMENT)
            self._fill(sibling, subordinate, parent_id=None, basis=document.id)
        return box

    def _fill(
        self,
        element: Element,
        document: Document,
        parent_id: str | None,
        *,
        basis: str | None = None,
    ) -> None:
        """Fill a ``Документ`` (``parent_id`` None) or a nested ``ПодчиненныйДокумент``.

        ``basis`` is the order a top-level payment or shipment belongs to (3.1):
        written as its ``Основание``, which must then agree with the document's own.
        """
        if not document.id:
            raise WriterError(f"Документ №{document.number or '?'} без Ид нельзя выгрузить.")
        top = parent_id is None
        owner = parent_id or basis
        if owner is not None and document.basis not in (None, owner):
            where = "вложен в документ" if parent_id else "записан в Контейнер документа"
            raise WriterError(
                f"Подчиненный документ {document.id} ссылается на документ {document.basis}, "
                f"а {where} {owner}."
            )
        _add(element, T.ID, document.id)
        _optional(element, T.VERSION, document.version)
        if document.deleted:
            _add(element, T.DELETION_MARK, format_bool(True))
        _add(element, T.NUMBER, document.number)
        _optional(element, T.NUMBER_1C, document.number_1c)
        _add(element, T.DATE, _date(document.date))
        _optional(element, T.DATE_1C, _date(document.date_1c))
        _add(element, T.OPERATION, document.operation)
        if top:
            _optional(element, T.BASIS, basis or document.basis)
        # Роль…Контрагенты are required in a Документ, optional in a ПодчиненныйДокумент.
        for tag, value in (
            (T.ROLE, document.role),
            (T.CURRENCY, document.currency),
            (T.EXCHANGE_RATE, _number(document.exchange_rate)),
            (T.AMOUNT, _number(document.amount)),
        ):
            if top or value:
                _add(element, tag, value)
        if top or document.counterparties:
            box = _add(element, T.COUNTERPARTIES)
            for counterparty in document.counterparties:
                self._counterparty(box, counterparty)
        _optional(element, T.TIME, _time(document.time))
        _optional(element, T.PAYMENT_DUE, _date(document.payment_due))
        _optional(element, T.COMMENT, document.comment)
        _taxes(element, document.taxes)
        _discounts(element, document.discounts)
        if document.warehouses:
            box = _add(element, T.WAREHOUSES)
            for warehouse in document.warehouses:
                _warehouse(box, warehouse)
        if document.lines is not None:
            box = _add(element, T.PRODUCTS)
            for line in document.lines:
                if self.bitrix:
                    self._line_bitrix(box, line)
                else:
                    self._line_xsd(box, line)
        _requisites(element, document.requisites)
        if self.subordinates and top and document.subordinates:
            box = _add(element, T.SUBORDINATE_DOCUMENTS)
            for subordinate in document.subordinates:
                if subordinate.subordinates:
                    raise WriterError(
                        f"Подчиненный документ {subordinate.id} не может иметь своих "
                        "подчиненных документов."
                    )
                self._fill(_add(box, T.SUBORDINATE_DOCUMENT), subordinate, document.id)

    # -- counterparties -------------------------------------------------------

    def _counterparty(self, parent: Element, counterparty: Counterparty) -> None:
        """Write a ``Контрагент``: the company or the person variant of the XSD's choice."""
        company = (
            counterparty.official_name is not None
            or counterparty.legal_address is not None
            or counterparty.okpo is not None
        )
        person = (
            counterparty.full_name is not None
            or counterparty.last_name is not None
            or counterparty.first_name is not None
            or counterparty.middle_name is not None
            or counterparty.registration_address is not None
        )
        if company and person:
            raise WriterError(
                f"Контрагент {counterparty.id}: заполнены реквизиты и юридического, и "
                "физического лица; схема CommerceML допускает только одно из двух."
            )
        element = _add(parent, T.COUNTERPARTY)
        _optional(element, T.ID, counterparty.id)
        _optional(element, T.VERSION, counterparty.version)
        if counterparty.deleted:
            _add(element, T.DELETION_MARK, format_bool(True))
        _optional(element, T.NAME, counterparty.name)
        if company:
            _add(element, T.OFFICIAL_NAME, counterparty.official_name)
            _address(element, T.LEGAL_ADDRESS, counterparty.legal_address)
            _optional(element, T.INN, counterparty.inn)
            _optional(element, T.KPP, counterparty.kpp)
            _optional(element, T.OKPO, counterparty.okpo)
        else:
            _add(element, T.FULL_NAME, counterparty.full_name)
            _optional(element, T.LAST_NAME, counterparty.last_name)
            _optional(element, T.FIRST_NAME, counterparty.first_name)
            _optional(element, T.MIDDLE_NAME, counterparty.middle_name)
            _optional(element, T.INN, counterparty.inn)
            _optional(element, T.KPP, counterparty.kpp)
            _address(element, T.REGISTRATION_ADDRESS, counterparty.registration_address)
        _address(element, T.ADDRESS, counterparty.address)
        _contacts(element, counterparty.contacts)
        if counterparty.representatives:
            box = _add(element, T.REPRESENTATIVES)
            for representative in counterparty.representatives:
                self._representative(box, representative)
        _add(element, T.ROLE, counterparty.role)

    def _representative(self, parent: Element, representative: Representative) -> None:
        element = _add(parent, T.REPRESENTATIVE)
        if self.bitrix:
            # 1C-Bitrix wraps the contact person in a Контрагент, relation first.
            inner = _add(element, T.COUNTERPARTY)
            _add(inner, T.RELATION, representative.relation)
            _optional(inner, T.ID, representative.id)
            _optional(inner, T.NAME, representative.name)
            return
        # The XSD's Представитель is a person or a company (the choice is required):
        # the name doubles as the person's ПолноеНаименование.
        _optional(element, T.ID, representative.id)
        _optional(element, T.NAME, representative.name)
        _add(element, T.FULL_NAME, representative.name)
        _add(element, T.RELATION, representative.relation)

    # -- order lines ----------------------------------------------------------

    def _line_bitrix(self, parent: Element, line: OrderLine) -> None:
        """A line in 1C-Bitrix's 2.05 order (``bitrix-query-response-full.xml``).

        The samples fix the order of ``Ид``, ``ИдКаталога``, ``Наименование``,
        ``БазоваяЕдиница``, ``ЦенаЗаЕдиницу``, ``Количество``, ``Сумма`` and
        ``ЗначенияРеквизитов``; docs/protocol.md puts ``Скидки`` before the
        price and ``СтавкиНалогов`` last. No sample shows ``Артикул``,
        ``Коэффициент``, ``ХарактеристикиТовара`` or ``Налоги`` in a Bitrix
        line, so their places here are our choice; readers match by name.
        """
        element = _add(parent, T.PRODUCT)
        _optional(element, T.ID, line.id)
        _optional(element, T.CATALOG_ID, line.catalog_id)
        _optional(element, T.ARTICLE, line.article)
        _add(element, T.NAME, line.name)
        if line.unit is not None:
            _base_unit(element, line.unit)
        _discounts(element, line.discounts)
        _optional(element, T.PRICE_PER_UNIT, _number(line.price))
        _optional(element, T.QUANTITY, _number(line.quantity))
        _optional(element, T.AMOUNT, _number(line.amount))
        _optional(element, T.COEFFICIENT, _number(line.coefficient))
        _characteristics(element, line.characteristics)
        _requisites(element, line.requisites)
        _tax_rates(element, line.tax_rates)
        _taxes(element, line.taxes)

    def _line_xsd(self, parent: Element, line: OrderLine) -> None:
        """A line in the XSD's order: the catalog ``Товар`` first, then the document part."""
        element = _add(parent, T.PRODUCT)
        _optional(element, T.ID, line.id)
        _optional(element, T.ARTICLE, line.article)
        _add(element, T.NAME, line.name)
        _base_unit(element, line.unit)  # required by the XSD, even when empty
        _tax_rates(element, line.tax_rates)
        _characteristics(element, line.characteristics)
        _requisites(element, line.requisites)
        _optional(element, T.CATALOG_ID, line.catalog_id)
        _optional(element, T.PRICE_PER_UNIT, _number(line.price))
        _optional(element, T.QUANTITY, _number(line.quantity))
        _optional(element, T.AMOUNT, _number(line.amount))
        code = line.unit.code if line.unit is not None else None
        if code and len(code) in _UNIT_CODE_LENGTHS:
            _add(element, T.UNIT, code)
        _optional(element, T.COEFFICIENT, _number(line.coefficient))
        _taxes(element, line.taxes)
        _discounts(element, line.discounts)


# -- pieces shared by every version ------------------------------------------


def _base_unit(parent: Element, unit: Unit | None) -> None:
    """``БазоваяЕдиница`` as 1C-Bitrix writes it: attributes, and the short name as text.

    ``Unit.id``, ``version`` and ``deleted`` have no place here and are not written.
    """
    element = _add(parent, T.BASE_UNIT, unit.name_short if unit is not None else None)
    if unit is not None:
        _set_attribute(element, T.CODE, unit.code)
        _set_attribute(element, T.UNIT_FULL_NAME, unit.name_full)
        _set_attribute(element, T.INTERNATIONAL_ABBR, unit.international_abbr)


def _address(parent: Element, tag: str, address: Address | None) -> None:
    if address is None:
        return
    element = _add(parent, tag)
    _add(element, T.PRESENTATION, address.presentation)
    for field in address.fields:
        item = _add(element, T.ADDRESS_FIELD)
        _add(item, T.TYPE, field.type)
        _add(item, T.VALUE, field.value)


def _contacts(parent: Element, contacts: list[Contact]) -> None:
    if not contacts:
        return
    box = _add(parent, T.CONTACTS)
    for contact in contacts:
        element = _add(box, T.CONTACT)
        _add(element, T.TYPE, contact.type)
        _add(element, T.VALUE, contact.value)


def _warehouse(parent: Element, warehouse: Warehouse) -> None:
    element = _add(parent, T.WAREHOUSE)
    _add(element, T.ID, warehouse.id)
    _optional(element, T.VERSION, warehouse.version)
    if warehouse.deleted:
        _add(element, T.DELETION_MARK, format_bool(True))
    _optional(element, T.NAME, warehouse.name)
    _optional(element, T.COMMENT, warehouse.comment)
    if warehouse.address:
        _add(_add(element, T.ADDRESS), T.PRESENTATION, warehouse.address)


def _taxes(parent: Element, taxes: list[Tax]) -> None:
    if not taxes:
        return
    box = _add(parent, T.TAXES)
    for tax in taxes:
        element = _add(box, T.TAX)
        _add(element, T.NAME, tax.name)
        _optional(element, T.TAX_INCLUDED, _flag(tax.included))
        _add(element, T.AMOUNT, _number(tax.amount))
        _optional(element, T.RATE, tax.rate)


def _discounts(parent: Element, discounts: list[Discount]) -> None:
    if not discounts:
        return
    box = _add(parent, T.DISCOUNTS)
    for discount in discounts:
        element = _add(box, T.DISCOUNT)
        _add(element, T.NAME, discount.name)
        _add(element, T.AMOUNT, _number(discount.amount))
        _optional(element, T.PERCENT, _number(discount.percent))
        _optional(element, T.TAX_INCLUDED, _flag(discount.included))


def _tax_rates(parent: Element, rates: list[TaxRate]) -> None:
    if not rates:
        return
    box = _add(parent, T.TAX_RATES)
    for rate in rates:
        element = _add(box, T.TAX_RATE)
        _add(element, T.NAME, rate.name)
        _add(element, T.RATE, rate.rate)


def _characteristics(parent: Element, characteristics: list[Characteristic]) -> None:
    if not characteristics:
        return
    box = _add(parent, T.CHARACTERISTICS)
    for characteristic in characteristics:
        element = _add(box, T.CHARACTERISTIC)
        _optional(element, T.ID, characteristic.id)
        _add(element, T.NAME, characteristic.name)
        _add(element, T.VALUE, characteristic.value)


def _requisites(parent: Element, requisites: list[Requisite]) -> None:
    if not requisites:
        return
    box = _add(parent, T.REQUISITES)
    for requisite in requisites:
        element = _add(box, T.REQUISITE)
        _add(element, T.NAME, requisite.name)
        _add(element, T.VALUE, requisite.value)
