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
``mode=query``. It is exactly what lxml wrote for the same document: the
markup (indentation, empty elements, escaping) is :mod:`._markup`'s, the pieces
every version shares (units, addresses, taxes, requisites) are :mod:`._pieces`'s,
and ``tests/unit/commerceml/test_writer_text.py`` holds it to lxml's output.
Encoding is the writer's.
"""

from __future__ import annotations

from typing import Final

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Counterparty,
    Document,
    OrderLine,
    Representative,
)
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.writing import _pieces as pieces
from cml_exchange.commerceml.writing._markup import (
    TRUE,
    Out,
    add,
    close_element,
    date_text,
    number_text,
    open_element,
    optional,
    time_text,
)

#: ``Единица`` of a line is a unit code of 3 or 4 characters (XSD ``ЕдиницаТип``).
_UNIT_CODE_LENGTHS: Final = range(3, 5)


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
        mark = open_element(out, 1, T.CONTAINER)
        self._document(out, 2, T.DOCUMENT, document, parent_id=None)
        if siblings:
            for subordinate in document.subordinates:
                if subordinate.subordinates:
                    raise WriterError(
                        f"Подчиненный документ {subordinate.id} не может иметь своих "
                        "подчиненных документов."
                    )
                self._document(out, 2, T.DOCUMENT, subordinate, parent_id=None, basis=document.id)
        close_element(out, 1, T.CONTAINER, mark)
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
        mark = open_element(out, level, tag)
        inner = level + 1
        add(out, inner, T.ID, document.id)
        optional(out, inner, T.VERSION, document.version)
        if document.deleted:
            add(out, inner, T.DELETION_MARK, TRUE)
        add(out, inner, T.NUMBER, document.number)
        optional(out, inner, T.NUMBER_1C, document.number_1c)
        add(out, inner, T.DATE, date_text(document.date))
        optional(out, inner, T.DATE_1C, date_text(document.date_1c))
        add(out, inner, T.OPERATION, document.operation)
        if top:
            optional(out, inner, T.BASIS, basis or document.basis)
        # Роль…Контрагенты are required in a Документ, optional in a ПодчиненныйДокумент.
        for item, value in (
            (T.ROLE, document.role),
            (T.CURRENCY, document.currency),
            (T.EXCHANGE_RATE, number_text(document.exchange_rate)),
            (T.AMOUNT, number_text(document.amount)),
        ):
            if top or value:
                add(out, inner, item, value)
        if top or document.counterparties:
            box = open_element(out, inner, T.COUNTERPARTIES)
            for counterparty in document.counterparties:
                self._counterparty(out, inner + 1, counterparty)
            close_element(out, inner, T.COUNTERPARTIES, box)
        optional(out, inner, T.TIME, time_text(document.time))
        optional(out, inner, T.PAYMENT_DUE, date_text(document.payment_due))
        optional(out, inner, T.COMMENT, document.comment)
        pieces.taxes(out, inner, document.taxes)
        pieces.discounts(out, inner, document.discounts)
        if document.warehouses:
            box = open_element(out, inner, T.WAREHOUSES)
            for warehouse in document.warehouses:
                pieces.warehouse(out, inner + 1, warehouse)
            close_element(out, inner, T.WAREHOUSES, box)
        if document.lines is not None:
            box = open_element(out, inner, T.PRODUCTS)
            line_writer = self._line_bitrix if self.bitrix else self._line_xsd
            for line in document.lines:
                line_writer(out, inner + 1, line)
            close_element(out, inner, T.PRODUCTS, box)
        pieces.requisites(out, inner, document.requisites)
        if self.subordinates and top and document.subordinates:
            box = open_element(out, inner, T.SUBORDINATE_DOCUMENTS)
            for subordinate in document.subordinates:
                if subordinate.subordinates:
                    raise WriterError(
                        f"Подчиненный документ {subordinate.id} не может иметь своих "
                        "подчиненных документов."
                    )
                self._document(out, inner + 1, T.SUBORDINATE_DOCUMENT, subordinate, document.id)
            close_element(out, inner, T.SUBORDINATE_DOCUMENTS, box)
        close_element(out, level, tag, mark)

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
        mark = open_element(out, level, T.COUNTERPARTY)
        inner = level + 1
        optional(out, inner, T.ID, counterparty.id)
        optional(out, inner, T.VERSION, counterparty.version)
        if counterparty.deleted:
            add(out, inner, T.DELETION_MARK, TRUE)
        optional(out, inner, T.NAME, counterparty.name)
        if company:
            add(out, inner, T.OFFICIAL_NAME, counterparty.official_name)
            pieces.address(out, inner, T.LEGAL_ADDRESS, counterparty.legal_address)
            optional(out, inner, T.INN, counterparty.inn)
            optional(out, inner, T.KPP, counterparty.kpp)
            optional(out, inner, T.OKPO, counterparty.okpo)
        else:
            add(out, inner, T.FULL_NAME, counterparty.full_name)
            optional(out, inner, T.LAST_NAME, counterparty.last_name)
            optional(out, inner, T.FIRST_NAME, counterparty.first_name)
            optional(out, inner, T.MIDDLE_NAME, counterparty.middle_name)
            optional(out, inner, T.INN, counterparty.inn)
            optional(out, inner, T.KPP, counterparty.kpp)
            pieces.address(out, inner, T.REGISTRATION_ADDRESS, counterparty.registration_address)
        pieces.address(out, inner, T.ADDRESS, counterparty.address)
        pieces.contacts(out, inner, counterparty.contacts)
        if counterparty.representatives:
            box = open_element(out, inner, T.REPRESENTATIVES)
            for representative in counterparty.representatives:
                self._representative(out, inner + 1, representative)
            close_element(out, inner, T.REPRESENTATIVES, box)
        add(out, inner, T.ROLE, counterparty.role)
        close_element(out, level, T.COUNTERPARTY, mark)

    def _representative(self, out: Out, level: int, representative: Representative) -> None:
        mark = open_element(out, level, T.REPRESENTATIVE)
        inner = level + 1
        if self.bitrix:
            # 1C-Bitrix wraps the contact person in a Контрагент, relation first.
            box = open_element(out, inner, T.COUNTERPARTY)
            add(out, inner + 1, T.RELATION, representative.relation)
            optional(out, inner + 1, T.ID, representative.id)
            optional(out, inner + 1, T.NAME, representative.name)
            close_element(out, inner, T.COUNTERPARTY, box)
        else:
            # The XSD's Представитель is a person or a company (the choice is required):
            # the name doubles as the person's ПолноеНаименование.
            optional(out, inner, T.ID, representative.id)
            optional(out, inner, T.NAME, representative.name)
            add(out, inner, T.FULL_NAME, representative.name)
            add(out, inner, T.RELATION, representative.relation)
        close_element(out, level, T.REPRESENTATIVE, mark)

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
        mark = open_element(out, level, T.PRODUCT)
        inner = level + 1
        optional(out, inner, T.ID, line.id)
        optional(out, inner, T.CATALOG_ID, line.catalog_id)
        optional(out, inner, T.ARTICLE, line.article)
        add(out, inner, T.NAME, line.name)
        if line.unit is not None:
            pieces.base_unit(out, inner, line.unit)
        pieces.discounts(out, inner, line.discounts)
        optional(out, inner, T.PRICE_PER_UNIT, number_text(line.price))
        optional(out, inner, T.QUANTITY, number_text(line.quantity))
        optional(out, inner, T.AMOUNT, number_text(line.amount))
        optional(out, inner, T.COEFFICIENT, number_text(line.coefficient))
        pieces.characteristics(out, inner, line.characteristics)
        pieces.requisites(out, inner, line.requisites)
        pieces.tax_rates(out, inner, line.tax_rates)
        pieces.taxes(out, inner, line.taxes)
        close_element(out, level, T.PRODUCT, mark)

    def _line_xsd(self, out: Out, level: int, line: OrderLine) -> None:
        """A line in the XSD's order: the catalog ``Товар`` first, then the document part."""
        mark = open_element(out, level, T.PRODUCT)
        inner = level + 1
        optional(out, inner, T.ID, line.id)
        optional(out, inner, T.ARTICLE, line.article)
        add(out, inner, T.NAME, line.name)
        pieces.base_unit(out, inner, line.unit)  # required by the XSD, even when empty
        pieces.tax_rates(out, inner, line.tax_rates)
        pieces.characteristics(out, inner, line.characteristics)
        pieces.requisites(out, inner, line.requisites)
        optional(out, inner, T.CATALOG_ID, line.catalog_id)
        optional(out, inner, T.PRICE_PER_UNIT, number_text(line.price))
        optional(out, inner, T.QUANTITY, number_text(line.quantity))
        optional(out, inner, T.AMOUNT, number_text(line.amount))
        code = line.unit.code if line.unit is not None else None
        if code and len(code) in _UNIT_CODE_LENGTHS:
            add(out, inner, T.UNIT, code)
        optional(out, inner, T.COEFFICIENT, number_text(line.coefficient))
        pieces.taxes(out, inner, line.taxes)
        pieces.discounts(out, inner, line.discounts)
        close_element(out, level, T.PRODUCT, mark)
