"""The text of the order writer's documents: one ``Документ`` at a time, in each version's order.

:class:`DocumentShape` turns a :class:`~cml_exchange.commerceml.entities.Document`
into the XML text of its element, without a namespace (the writer places it
inside the root). The element order follows the official 2.08/2.10 XSD
sequences, which 1C-Bitrix's 2.05 output shares at document level; only order
lines differ (see :meth:`DocumentShape._line_bitrix` and
:meth:`DocumentShape._line_xsd`). 3.1 has no public XSD: it takes the 2.10
shape, with the payments and shipments moved out of the order into sibling
documents of its ``Контейнер`` (:meth:`DocumentShape.container`).

The text is written directly, not through an element tree: building ten
thousand lxml trees of a hundred elements each was the slowest part of
``mode=query``. It is exactly what lxml wrote for the same document, indented
by ``etree.indent(space="  ")`` as a child of the root (each element on a line
of its own, two spaces a level, ``<Тег/>`` when empty) and escaped as libxml2
escapes: ``& < >`` and a carriage return in text; those, ``"``, a line feed and
a tab in attributes. ``tests/unit/commerceml/test_writer_text.py`` holds it to
lxml's output. Characters XML cannot carry (control characters, lone surrogates,
U+FFFE and U+FFFF) are dropped; encoding is the writer's.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Final

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

#: The pieces of a document's text, joined by the writer.
Out = list[str]

#: Characters XML 1.0 cannot carry, not even as references.
_NOT_XML: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: ``Единица`` of a line is a unit code of 3 or 4 characters (XSD ``ЕдиницаТип``).
_UNIT_CODE_LENGTHS: Final = range(3, 5)
#: The indentation of each level: the root is level 0, a document level 1.
_INDENT: Final = tuple("  " * level for level in range(32))
_TRUE: Final = format_bool(True)


def _text(value: str) -> str:
    """``value`` as element text, as libxml2 writes it.

    A printable string (the usual case: no control characters, line breaks,
    surrogates or non-characters) without ``& < >`` is written as it is; the
    test is repeated in :func:`_add` and :func:`_optional`, which save a call so.
    """
    if not value.isprintable() or "&" in value or "<" in value or ">" in value:
        return _escaped(value)
    return value


def _escaped(value: str) -> str:
    """``value`` without what XML cannot carry, ``& < >`` and carriage returns escaped."""
    return (
        _NOT_XML.sub("", value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
    )


def _attribute(value: str) -> str:
    """``value`` as an attribute value in double quotes, as libxml2 writes it."""
    value = _NOT_XML.sub("", value) if not value.isprintable() else value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def _add(out: Out, level: int, tag: str, value: str | None = None) -> None:
    """Write ``tag`` with ``value`` as text, empty without one (a required element)."""
    if value:
        if not value.isprintable() or "&" in value or "<" in value or ">" in value:
            value = _escaped(value)
        out.append(f"{_INDENT[level]}<{tag}>{value}</{tag}>\n")
    else:
        out.append(f"{_INDENT[level]}<{tag}/>\n")


def _optional(out: Out, level: int, tag: str, value: str | None) -> None:
    """Write ``tag`` only when ``value`` is neither ``None`` nor empty."""
    if value:
        if not value.isprintable() or "&" in value or "<" in value or ">" in value:
            value = _escaped(value)
        out.append(f"{_INDENT[level]}<{tag}>{value}</{tag}>\n")


def _open(out: Out, level: int, tag: str) -> int:
    """Start ``tag``, an element with children; :func:`_close` ends it."""
    out.append(f"{_INDENT[level]}<{tag}>\n")
    return len(out)


def _close(out: Out, level: int, tag: str, mark: int) -> None:
    """End what :func:`_open` started (at ``mark``): ``<tag/>`` if nothing went in."""
    if len(out) == mark:
        out[-1] = f"{_INDENT[level]}<{tag}/>\n"
    else:
        out.append(f"{_INDENT[level]}</{tag}>\n")


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not value.is_finite():
        raise WriterError(f"Число {value} нельзя записать в документ CommerceML.")
    return format_decimal(value)


def _flag(value: bool | None) -> str | None:
    return None if value is None else format_bool(value)


def _date(value: dt.date | None) -> str | None:
    if value is None:
        return None
    if type(value) is dt.date and value.year >= 1000:
        return value.isoformat()  # what strftime gives, three times faster
    return value.strftime("%Y-%m-%d")


def _time(value: dt.time | None) -> str | None:
    if value is None:
        return None
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"


class DocumentShape:
    """Write ``Документ`` elements for one schema version ("2.05", "2.08", "2.10" or "3.1")."""

    def __init__(self, schema_version: str) -> None:
        self.bitrix = schema_version == "2.05"
        self.subordinates = schema_version == "2.10"

    def document(self, document: Document) -> str:
        """The ``Документ`` of ``document``; raises :class:`WriterError` if impossible."""
        out: Out = []
        self._document(out, 1, T.DOCUMENT, document, parent_id=None)
        return "".join(out)

    def container(self, document: Document, *, siblings: bool) -> str:
        """A ``Контейнер`` holding the order's ``Документ``, at level 1.

        With ``siblings`` (3.1) it also holds one ``Документ`` per subordinate
        document, as 1C-Bitrix's ``CSaleExport`` writes it from schema 3 on
        (docs/research/commerceml-3.1.md §4.1): the payments and shipments are
        siblings of the order, each a whole ``Документ`` whose ``Основание`` is
        the order's ``Ид``, not nested ``ПодчиненныеДокументы``. A subordinate's
        ``basis`` must be ``None`` or the order's id; raises :class:`WriterError`
        if impossible.
        """
        out: Out = []
        mark = _open(out, 1, T.CONTAINER)
        self._document(out, 2, T.DOCUMENT, document, parent_id=None)
        if siblings:
            for subordinate in document.subordinates:
                if subordinate.subordinates:
                    raise WriterError(
                        f"Подчиненный документ {subordinate.id} не может иметь своих "
                        "подчиненных документов."
                    )
                self._document(out, 2, T.DOCUMENT, subordinate, parent_id=None, basis=document.id)
        _close(out, 1, T.CONTAINER, mark)
        return "".join(out)

    def _document(
        self,
        out: Out,
        level: int,
        tag: str,
        document: Document,
        parent_id: str | None,
        *,
        basis: str | None = None,
    ) -> None:
        """Write a ``Документ`` (``parent_id`` None) or a nested ``ПодчиненныйДокумент``.

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
        mark = _open(out, level, tag)
        inner = level + 1
        _add(out, inner, T.ID, document.id)
        _optional(out, inner, T.VERSION, document.version)
        if document.deleted:
            _add(out, inner, T.DELETION_MARK, _TRUE)
        _add(out, inner, T.NUMBER, document.number)
        _optional(out, inner, T.NUMBER_1C, document.number_1c)
        _add(out, inner, T.DATE, _date(document.date))
        _optional(out, inner, T.DATE_1C, _date(document.date_1c))
        _add(out, inner, T.OPERATION, document.operation)
        if top:
            _optional(out, inner, T.BASIS, basis or document.basis)
        # Роль…Контрагенты are required in a Документ, optional in a ПодчиненныйДокумент.
        for item, value in (
            (T.ROLE, document.role),
            (T.CURRENCY, document.currency),
            (T.EXCHANGE_RATE, _number(document.exchange_rate)),
            (T.AMOUNT, _number(document.amount)),
        ):
            if top or value:
                _add(out, inner, item, value)
        if top or document.counterparties:
            box = _open(out, inner, T.COUNTERPARTIES)
            for counterparty in document.counterparties:
                self._counterparty(out, inner + 1, counterparty)
            _close(out, inner, T.COUNTERPARTIES, box)
        _optional(out, inner, T.TIME, _time(document.time))
        _optional(out, inner, T.PAYMENT_DUE, _date(document.payment_due))
        _optional(out, inner, T.COMMENT, document.comment)
        _taxes(out, inner, document.taxes)
        _discounts(out, inner, document.discounts)
        if document.warehouses:
            box = _open(out, inner, T.WAREHOUSES)
            for warehouse in document.warehouses:
                _warehouse(out, inner + 1, warehouse)
            _close(out, inner, T.WAREHOUSES, box)
        if document.lines is not None:
            box = _open(out, inner, T.PRODUCTS)
            line_writer = self._line_bitrix if self.bitrix else self._line_xsd
            for line in document.lines:
                line_writer(out, inner + 1, line)
            _close(out, inner, T.PRODUCTS, box)
        _requisites(out, inner, document.requisites)
        if self.subordinates and top and document.subordinates:
            box = _open(out, inner, T.SUBORDINATE_DOCUMENTS)
            for subordinate in document.subordinates:
                if subordinate.subordinates:
                    raise WriterError(
                        f"Подчиненный документ {subordinate.id} не может иметь своих "
                        "подчиненных документов."
                    )
                self._document(out, inner + 1, T.SUBORDINATE_DOCUMENT, subordinate, document.id)
            _close(out, inner, T.SUBORDINATE_DOCUMENTS, box)
        _close(out, level, tag, mark)

    # -- counterparties -------------------------------------------------------

    def _counterparty(self, out: Out, level: int, counterparty: Counterparty) -> None:
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
        mark = _open(out, level, T.COUNTERPARTY)
        inner = level + 1
        _optional(out, inner, T.ID, counterparty.id)
        _optional(out, inner, T.VERSION, counterparty.version)
        if counterparty.deleted:
            _add(out, inner, T.DELETION_MARK, _TRUE)
        _optional(out, inner, T.NAME, counterparty.name)
        if company:
            _add(out, inner, T.OFFICIAL_NAME, counterparty.official_name)
            _address(out, inner, T.LEGAL_ADDRESS, counterparty.legal_address)
            _optional(out, inner, T.INN, counterparty.inn)
            _optional(out, inner, T.KPP, counterparty.kpp)
            _optional(out, inner, T.OKPO, counterparty.okpo)
        else:
            _add(out, inner, T.FULL_NAME, counterparty.full_name)
            _optional(out, inner, T.LAST_NAME, counterparty.last_name)
            _optional(out, inner, T.FIRST_NAME, counterparty.first_name)
            _optional(out, inner, T.MIDDLE_NAME, counterparty.middle_name)
            _optional(out, inner, T.INN, counterparty.inn)
            _optional(out, inner, T.KPP, counterparty.kpp)
            _address(out, inner, T.REGISTRATION_ADDRESS, counterparty.registration_address)
        _address(out, inner, T.ADDRESS, counterparty.address)
        _contacts(out, inner, counterparty.contacts)
        if counterparty.representatives:
            box = _open(out, inner, T.REPRESENTATIVES)
            for representative in counterparty.representatives:
                self._representative(out, inner + 1, representative)
            _close(out, inner, T.REPRESENTATIVES, box)
        _add(out, inner, T.ROLE, counterparty.role)
        _close(out, level, T.COUNTERPARTY, mark)

    def _representative(self, out: Out, level: int, representative: Representative) -> None:
        mark = _open(out, level, T.REPRESENTATIVE)
        inner = level + 1
        if self.bitrix:
            # 1C-Bitrix wraps the contact person in a Контрагент, relation first.
            box = _open(out, inner, T.COUNTERPARTY)
            _add(out, inner + 1, T.RELATION, representative.relation)
            _optional(out, inner + 1, T.ID, representative.id)
            _optional(out, inner + 1, T.NAME, representative.name)
            _close(out, inner, T.COUNTERPARTY, box)
        else:
            # The XSD's Представитель is a person or a company (the choice is required):
            # the name doubles as the person's ПолноеНаименование.
            _optional(out, inner, T.ID, representative.id)
            _optional(out, inner, T.NAME, representative.name)
            _add(out, inner, T.FULL_NAME, representative.name)
            _add(out, inner, T.RELATION, representative.relation)
        _close(out, level, T.REPRESENTATIVE, mark)

    # -- order lines ----------------------------------------------------------

    def _line_bitrix(self, out: Out, level: int, line: OrderLine) -> None:
        """A line in 1C-Bitrix's 2.05 order (``bitrix-query-response-full.xml``).

        The samples fix the order of ``Ид``, ``ИдКаталога``, ``Наименование``,
        ``БазоваяЕдиница``, ``ЦенаЗаЕдиницу``, ``Количество``, ``Сумма`` and
        ``ЗначенияРеквизитов``; docs/protocol.md puts ``Скидки`` before the
        price and ``СтавкиНалогов`` last. No sample shows ``Артикул``,
        ``Коэффициент``, ``ХарактеристикиТовара`` or ``Налоги`` in a Bitrix
        line, so their places here are our choice; readers match by name.
        """
        mark = _open(out, level, T.PRODUCT)
        inner = level + 1
        _optional(out, inner, T.ID, line.id)
        _optional(out, inner, T.CATALOG_ID, line.catalog_id)
        _optional(out, inner, T.ARTICLE, line.article)
        _add(out, inner, T.NAME, line.name)
        if line.unit is not None:
            _base_unit(out, inner, line.unit)
        _discounts(out, inner, line.discounts)
        _optional(out, inner, T.PRICE_PER_UNIT, _number(line.price))
        _optional(out, inner, T.QUANTITY, _number(line.quantity))
        _optional(out, inner, T.AMOUNT, _number(line.amount))
        _optional(out, inner, T.COEFFICIENT, _number(line.coefficient))
        _characteristics(out, inner, line.characteristics)
        _requisites(out, inner, line.requisites)
        _tax_rates(out, inner, line.tax_rates)
        _taxes(out, inner, line.taxes)
        _close(out, level, T.PRODUCT, mark)

    def _line_xsd(self, out: Out, level: int, line: OrderLine) -> None:
        """A line in the XSD's order: the catalog ``Товар`` first, then the document part."""
        mark = _open(out, level, T.PRODUCT)
        inner = level + 1
        _optional(out, inner, T.ID, line.id)
        _optional(out, inner, T.ARTICLE, line.article)
        _add(out, inner, T.NAME, line.name)
        _base_unit(out, inner, line.unit)  # required by the XSD, even when empty
        _tax_rates(out, inner, line.tax_rates)
        _characteristics(out, inner, line.characteristics)
        _requisites(out, inner, line.requisites)
        _optional(out, inner, T.CATALOG_ID, line.catalog_id)
        _optional(out, inner, T.PRICE_PER_UNIT, _number(line.price))
        _optional(out, inner, T.QUANTITY, _number(line.quantity))
        _optional(out, inner, T.AMOUNT, _number(line.amount))
        code = line.unit.code if line.unit is not None else None
        if code and len(code) in _UNIT_CODE_LENGTHS:
            _add(out, inner, T.UNIT, code)
        _optional(out, inner, T.COEFFICIENT, _number(line.coefficient))
        _taxes(out, inner, line.taxes)
        _discounts(out, inner, line.discounts)
        _close(out, level, T.PRODUCT, mark)


# -- pieces shared by every version ------------------------------------------


def _base_unit(out: Out, level: int, unit: Unit | None) -> None:
    """``БазоваяЕдиница`` as 1C-Bitrix writes it: attributes, and the short name as text.

    ``Unit.id``, ``version`` and ``deleted`` have no place here and are not written.
    The few units of a shop repeat on every line: each is rendered once (:data:`_PIECES`).
    """
    if unit is None:
        out.append(f"{_INDENT[level]}<{T.BASE_UNIT}/>\n")
        return
    key = (level, unit.code, unit.name_full, unit.international_abbr, unit.name_short)
    text = _PIECES.get(key)
    if text is None:
        text = _remember(key, _base_unit_text(level, unit))
    out.append(text)


def _base_unit_text(level: int, unit: Unit) -> str:
    tag = T.BASE_UNIT
    attributes = "".join(
        f' {name}="{_attribute(value)}"'
        for name, value in (
            (T.CODE, unit.code),
            (T.UNIT_FULL_NAME, unit.name_full),
            (T.INTERNATIONAL_ABBR, unit.international_abbr),
        )
        if value
    )
    if unit.name_short:
        return f"{_INDENT[level]}<{tag}{attributes}>{_text(unit.name_short)}</{tag}>\n"
    return f"{_INDENT[level]}<{tag}{attributes}/>\n"


def _address(out: Out, level: int, tag: str, address: Address | None) -> None:
    if address is None:
        return
    mark = _open(out, level, tag)
    _add(out, level + 1, T.PRESENTATION, address.presentation)
    for field in address.fields:
        item = _open(out, level + 1, T.ADDRESS_FIELD)
        _add(out, level + 2, T.TYPE, field.type)
        _add(out, level + 2, T.VALUE, field.value)
        _close(out, level + 1, T.ADDRESS_FIELD, item)
    _close(out, level, tag, mark)


def _contacts(out: Out, level: int, contacts: list[Contact]) -> None:
    if not contacts:
        return
    box = _open(out, level, T.CONTACTS)
    for contact in contacts:
        mark = _open(out, level + 1, T.CONTACT)
        _add(out, level + 2, T.TYPE, contact.type)
        _add(out, level + 2, T.VALUE, contact.value)
        _close(out, level + 1, T.CONTACT, mark)
    _close(out, level, T.CONTACTS, box)


def _warehouse(out: Out, level: int, warehouse: Warehouse) -> None:
    mark = _open(out, level, T.WAREHOUSE)
    inner = level + 1
    _add(out, inner, T.ID, warehouse.id)
    _optional(out, inner, T.VERSION, warehouse.version)
    if warehouse.deleted:
        _add(out, inner, T.DELETION_MARK, _TRUE)
    _optional(out, inner, T.NAME, warehouse.name)
    _optional(out, inner, T.COMMENT, warehouse.comment)
    if warehouse.address:
        address = _open(out, inner, T.ADDRESS)
        _add(out, inner + 1, T.PRESENTATION, warehouse.address)
        _close(out, inner, T.ADDRESS, address)
    _close(out, level, T.WAREHOUSE, mark)


def _taxes(out: Out, level: int, taxes: list[Tax]) -> None:
    if not taxes:
        return
    box = _open(out, level, T.TAXES)
    for tax in taxes:
        mark = _open(out, level + 1, T.TAX)
        _add(out, level + 2, T.NAME, tax.name)
        _optional(out, level + 2, T.TAX_INCLUDED, _flag(tax.included))
        _add(out, level + 2, T.AMOUNT, _number(tax.amount))
        _optional(out, level + 2, T.RATE, tax.rate)
        _close(out, level + 1, T.TAX, mark)
    _close(out, level, T.TAXES, box)


def _discounts(out: Out, level: int, discounts: list[Discount]) -> None:
    if not discounts:
        return
    box = _open(out, level, T.DISCOUNTS)
    for discount in discounts:
        mark = _open(out, level + 1, T.DISCOUNT)
        _add(out, level + 2, T.NAME, discount.name)
        _add(out, level + 2, T.AMOUNT, _number(discount.amount))
        _optional(out, level + 2, T.PERCENT, _number(discount.percent))
        _optional(out, level + 2, T.TAX_INCLUDED, _flag(discount.included))
        _close(out, level + 1, T.DISCOUNT, mark)
    _close(out, level, T.DISCOUNTS, box)


def _tax_rates(out: Out, level: int, rates: list[TaxRate]) -> None:
    if not rates:
        return
    box = _open(out, level, T.TAX_RATES)
    for rate in rates:
        mark = _open(out, level + 1, T.TAX_RATE)
        _add(out, level + 2, T.NAME, rate.name)
        _add(out, level + 2, T.RATE, rate.rate)
        _close(out, level + 1, T.TAX_RATE, mark)
    _close(out, level, T.TAX_RATES, box)


def _characteristics(out: Out, level: int, characteristics: list[Characteristic]) -> None:
    if not characteristics:
        return
    box = _open(out, level, T.CHARACTERISTICS)
    for characteristic in characteristics:
        mark = _open(out, level + 1, T.CHARACTERISTIC)
        _optional(out, level + 2, T.ID, characteristic.id)
        _add(out, level + 2, T.NAME, characteristic.name)
        _add(out, level + 2, T.VALUE, characteristic.value)
        _close(out, level + 1, T.CHARACTERISTIC, mark)
    _close(out, level, T.CHARACTERISTICS, box)


def _requisites(out: Out, level: int, requisites: list[Requisite]) -> None:
    """``ЗначенияРеквизитов``: the most frequent block, each requisite rendered once.

    Most requisites repeat from line to line and order to order (a line's kind,
    "paid: false", a status): each (level, name, value) is kept in :data:`_PIECES`.
    """
    if not requisites:
        return
    out.append(f"{_INDENT[level]}<{T.REQUISITES}>\n")
    for requisite in requisites:
        key = (level, requisite.name, requisite.value)
        text = _PIECES.get(key)
        if text is None:
            text = _remember(key, _requisite_text(level, requisite))
        out.append(text)
    out.append(f"{_INDENT[level]}</{T.REQUISITES}>\n")


def _requisite_text(level: int, requisite: Requisite) -> str:
    middle, inner = _INDENT[level + 1], _INDENT[level + 2]
    name = f"<{T.NAME}>{_text(requisite.name)}</{T.NAME}>" if requisite.name else f"<{T.NAME}/>"
    value = (
        f"<{T.VALUE}>{_text(requisite.value)}</{T.VALUE}>" if requisite.value else f"<{T.VALUE}/>"
    )
    return f"{middle}<{T.REQUISITE}>\n{inner}{name}\n{inner}{value}\n{middle}</{T.REQUISITE}>\n"


#: Rendered pieces that repeat (units, requisites) by what they are made of; emptied
#: when :data:`_PIECES_LIMIT` is reached, so values that never repeat (dates) cannot grow it.
_PIECES: dict[tuple[object, ...], str] = {}
_PIECES_LIMIT: Final = 4096


def _remember(key: tuple[object, ...], text: str) -> str:
    if len(_PIECES) >= _PIECES_LIMIT:
        _PIECES.clear()
    _PIECES[key] = text
    return text
