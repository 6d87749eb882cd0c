"""Entities of documents (orders and their subordinate documents) and counterparties."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from cml_exchange.commerceml.entities._catalog import (
    Characteristic,
    Requisite,
    TaxRate,
    Unit,
    Warehouse,
)

# --------------------------------------------------------------------------
# Documents (orders) and counterparties
# --------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class AddressField:
    type: str
    value: str = ""


@dataclass(slots=True, kw_only=True)
class Address:
    """An address: its one-line ``Представление`` and the typed ``АдресноеПоле`` parts."""

    presentation: str = ""
    fields: list[AddressField] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Contact:
    """A ``Контакт``: a type (``Почта``, ``Телефон``, ``ТелефонРабочий``…) and a value."""

    type: str
    value: str = ""


@dataclass(slots=True, kw_only=True)
class Representative:
    """A ``Представитель``: a contact person of a counterparty."""

    relation: str = ""
    id: str | None = None
    name: str = ""


@dataclass(slots=True, kw_only=True)
class Counterparty:
    """A counterparty: in a document's ``Контрагенты`` or in a ``Контрагенты`` file.

    A person has ``last_name``/``first_name``/``middle_name`` and a
    ``registration_address``; a company has ``official_name``, ``legal_address``
    and ``kpp``.
    """

    id: str
    name: str = ""
    full_name: str | None = None
    official_name: str | None = None
    role: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    okpo: str | None = None
    registration_address: Address | None = None
    legal_address: Address | None = None
    address: Address | None = None
    contacts: list[Contact] = field(default_factory=list)
    representatives: list[Representative] = field(default_factory=list)
    version: str | None = None
    deleted: bool = False


@dataclass(slots=True, kw_only=True)
class Tax:
    """A ``Налог`` of a document or a line: name, included flag, amount and rate."""

    name: str
    included: bool | None = None
    amount: Decimal | None = None
    rate: str | None = None


@dataclass(slots=True, kw_only=True)
class Discount:
    """A ``Скидка``: name, amount, percent and whether it is already in the sums."""

    name: str = ""
    amount: Decimal | None = None
    percent: Decimal | None = None
    included: bool | None = None


@dataclass(slots=True, kw_only=True)
class OrderLine:
    """A ``Товар`` of a document.

    ``price`` is ``ЦенаЗаЕдиницу`` or, as УТ 11 writes it, ``Цена``. The
    delivery of a Bitrix-style order is a line with the id ``ORDER_DELIVERY``.
    """

    id: str
    name: str = ""
    catalog_id: str | None = None
    article: str | None = None
    unit: Unit | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    amount: Decimal | None = None
    coefficient: Decimal | None = None
    discounts: list[Discount] = field(default_factory=list)
    tax_rates: list[TaxRate] = field(default_factory=list)
    taxes: list[Tax] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)
    characteristics: list[Characteristic] = field(default_factory=list)

    @property
    def is_delivery(self) -> bool:
        return self.id == "ORDER_DELIVERY"

    def requisite(self, name: str) -> str | None:
        """The value of the first requisite called ``name``, or ``None``."""
        return _requisite(self.requisites, name)


@dataclass(slots=True, kw_only=True)
class Payment:
    """An ``Оплата`` of the 2.09 ``Оплаты`` block."""

    date: dt.date | None = None
    number: str | None = None
    transaction: str | None = None
    method: str | None = None
    amount: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class Document:
    """A ``Документ``: an order, or a payment or shipment subordinate to one.

    An order has ``operation`` "Заказ товара".

    ``lines is None`` means the document had no ``Товары`` at all (a
    status-only update from 1C), which is not the same as an empty order.
    ``subordinates`` are the 2.10 ``ПодчиненныеДокументы``; ``basis`` is the
    ``Основание`` (the order's id) of a subordinate document. ``in_container``
    is true when the document came wrapped in a ``Контейнер``; ``container``
    is then that container's ordinal in the file, from 1 (0 otherwise), so
    the documents of one container can be applied together. It is the
    reader's bookkeeping and not compared.
    """

    id: str
    number: str | None = None
    date: dt.date | None = None
    time: dt.time | None = None
    operation: str | None = None
    role: str | None = None
    currency: str | None = None
    exchange_rate: Decimal | None = None
    amount: Decimal | None = None
    version: str | None = None
    deleted: bool = False
    number_1c: str | None = None
    date_1c: dt.date | None = None
    comment: str | None = None
    payment_due: dt.date | None = None
    basis: str | None = None
    counterparties: list[Counterparty] = field(default_factory=list)
    lines: list[OrderLine] | None = None
    taxes: list[Tax] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)
    warehouses: list[Warehouse] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    subordinates: list[Document] = field(default_factory=list)
    in_container: bool = False
    container: int = field(default=0, compare=False)

    def requisite(self, name: str) -> str | None:
        """The value of the first requisite called ``name``, or ``None``."""
        return _requisite(self.requisites, name)


def _requisite(requisites: list[Requisite], name: str) -> str | None:
    for requisite in requisites:
        if requisite.name == name:
            return requisite.value
    return None
