"""What a document from 1C says happened to an order, in plain terms.

1C sends back orders in more than one dialect: 1C-Bitrix's own requisites
echoed (``Заказ оплачен``, ``Доставка разрешена``, ``Статус заказа`` "[F]
Доставлен", as in ``to.xml``), the "по 1С" requisites of the exchange module
(``Номер оплаты по 1С``, ``Дата отгрузки по 1С``, ``Статуса заказа ИД``;
УТ 11, УНФ), a bare ``Статус заказа`` name, and from 2.10 on payment and
shipment documents of their own: nested in the order (2.10), or beside it
in its ``Контейнер`` and tied to it by ``Основание`` (3.1).
:func:`read_changes` reduces any of them to one :class:`OrderChanges`, and
:func:`apply_subordinate` folds a payment or shipment into one, which the
site then applies to its order. Being liberal: a flag is only "set" when 1C
wrote it, so a document that says nothing about payment changes nothing
about payment.

No Django here; a shop with its own order models can use this directly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Document, OrderLine
from cml_exchange.commerceml.order_requisites import (
    REQ_CANCEL_REASON,
    REQ_CANCELED,
    REQ_DELIVERY_ALLOWED,
    REQ_DELIVERY_ALLOWED_DATE,
    REQ_ORDER_PAID,
    REQ_PAID,
    REQ_PAYMENT_DATE,
    REQ_PAYMENT_DOCUMENT_NUMBER,
    REQ_RETURN,
    REQ_RETURN_REASON,
    REQ_STATUS,
    REQ_STATUS_ID,
    REQ_TRACKING_NUMBER,
)
from cml_exchange.commerceml.values import parse_bool, parse_datetime

# -- requisites 1C writes (1C → site) ---------------------------------------
REQ_POSTED: Final = "Проведен"
REQ_DELETION_MARK: Final = "ПометкаУдаления"
REQ_NUMBER_1C: Final = "Номер по 1С"
REQ_DATE_1C: Final = "Дата по 1С"
REQ_PAYMENT_NUMBER_1C: Final = "Номер оплаты по 1С"
REQ_PAYMENT_DATE_1C: Final = "Дата оплаты по 1С"
REQ_SHIPMENT_NUMBER_1C: Final = "Номер отгрузки по 1С"
REQ_SHIPMENT_DATE_1C: Final = "Дата отгрузки по 1С"
REQ_SHIPPED: Final = "Отгружен"

#: The operations of 2.10 payment documents, and of a shipment.
PAYMENT_OPERATIONS: Final = frozenset(
    {T.OPERATION_CASH_PAYMENT, T.OPERATION_CASHLESS_PAYMENT, T.OPERATION_ACQUIRING}
)
SHIPMENT_OPERATIONS: Final = frozenset({T.OPERATION_SHIPMENT})

_BRACKETED: Final = re.compile(r"^\s*\[([^\]]+)\]\s*(.*)$")


@dataclass(slots=True, kw_only=True)
class OrderChanges:
    """The changes one document asks for; ``None`` everywhere means "1C said nothing of it".

    ``canceled`` is True for ``ПометкаУдаления``/``Отменен`` true, False when
    1C wrote them false (an un-cancel), None when it wrote neither.
    ``paid`` and ``shipped`` are only ever True or None: 1C saying a
    payment is not (yet) in 1C does not undo a payment the site took; a
    payment 1C returned to the buyer (``ПризнакВозврата``) does, and sets
    ``refunded`` with ``refunded_at`` and ``refund_reason``.
    ``tracking_number`` is the carrier's (``Идентификатор отправления``).
    ``status_code`` is a status id (``Статуса заказа ИД``, or the letter of
    ``[F] Доставлен``); ``status_name`` the name when no id was given.
    ``lines`` is None for a document without ``Товары`` (a status-only
    update); otherwise the goods lines, with the delivery line's price in
    ``delivery_price``.
    """

    id: str
    number: str | None = None
    version: str | None = None
    number_1c: str | None = None
    date_1c: dt.date | None = None
    posted: bool | None = None
    canceled: bool | None = None
    cancel_reason: str | None = None
    paid: bool | None = None
    paid_at: dt.datetime | None = None
    payment_number: str | None = None
    shipped: bool | None = None
    shipped_at: dt.datetime | None = None
    shipment_number: str | None = None
    tracking_number: str | None = None
    refunded: bool | None = None
    refunded_at: dt.datetime | None = None
    refund_reason: str | None = None
    status_code: str | None = None
    status_name: str | None = None
    comment: str | None = None
    total: Decimal | None = None
    currency: str | None = None
    lines: list[OrderLine] | None = None
    delivery_price: Decimal | None = None
    #: For an order 1C made: the document as read, for a site that creates it.
    document: Document | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """How the order is called in a message to 1C: its number, or its id."""
        return self.number or self.number_1c or self.id


def is_order(document: Document) -> bool:
    """An order (``Заказ товара``), or a document that names no operation at all."""
    return document.operation in (None, "", T.OPERATION_ORDER)


def read_changes(document: Document) -> OrderChanges:
    """Reduce an order document from 1C (with any 2.10 subordinates) to :class:`OrderChanges`."""
    changes = OrderChanges(
        id=document.id,
        number=document.number,
        version=document.version,
        number_1c=document.number_1c or document.requisite(REQ_NUMBER_1C) or None,
        date_1c=document.date_1c or _date(document.requisite(REQ_DATE_1C)),
        posted=parse_bool(document.requisite(REQ_POSTED)),
        comment=document.comment,
        total=document.amount,
        currency=document.currency,
        document=document,
    )
    _read_cancellation(changes, document)
    _read_payment(changes, document)
    _read_shipment(changes, document)
    _read_status(changes, document)
    if document.lines is not None:
        changes.lines = [line for line in document.lines if not line.is_delivery]
        delivery = [line for line in document.lines if line.is_delivery]
        changes.delivery_price = _line_price(delivery[0]) if delivery else Decimal(0)
    for subordinate in document.subordinates:
        apply_subordinate(changes, subordinate)
    return changes


def apply_subordinate(changes: OrderChanges, document: Document) -> None:
    """Fold a payment or shipment document into the changes of the order it belongs to.

    A posted, unmarked payment pays the order, or, with ``ПризнакВозврата``
    true, refunds it (``Причина к Возврату`` is the reason); a posted,
    unmarked shipment allows its delivery, and its ``Идентификатор
    отправления`` is the tracking number (kept even while it says
    ``Отгружен`` false: 1C gives the number before the goods leave). One
    that is marked for deletion, not posted, canceled (``Отменен``) or that
    says ``Оплачен``/``Отгружен`` false changes nothing else (a draft in 1C
    is not a payment). The date and number
    are 1C's, read where 1C-Bitrix's importer reads them
    (docs/research/commerceml-3.1.md §4.2): ``Дата оплаты по 1С`` and
    ``Номер оплаты по 1С`` of a payment, ``Дата отгрузки по 1С`` and
    ``Номер отгрузки по 1С`` of a shipment; failing those, the document's
    ``Дата1С`` (else ``Дата``) with its ``Время``, and ``Номер1С`` (else
    ``Номер``).
    """
    posted = parse_bool(document.requisite(REQ_POSTED))
    if (
        document.deleted
        or parse_bool(document.requisite(REQ_DELETION_MARK))
        or posted is False
        or parse_bool(document.requisite(REQ_CANCELED))
    ):
        return
    number = document.number_1c or document.number
    if document.operation in PAYMENT_OPERATIONS:
        if parse_bool(document.requisite(REQ_RETURN)):
            changes.paid = None
            changes.refunded = True
            changes.refunded_at = _moment(document)
            changes.refund_reason = document.requisite(REQ_RETURN_REASON) or None
            return
        if parse_bool(document.requisite(REQ_PAID)) is False:
            return
        changes.refunded = None
        changes.paid = True
        changes.paid_at = (
            changes.paid_at
            or parse_datetime(document.requisite(REQ_PAYMENT_DATE_1C))
            or _moment(document)
        )
        changes.payment_number = (
            changes.payment_number or document.requisite(REQ_PAYMENT_NUMBER_1C) or number
        )
    elif document.operation in SHIPMENT_OPERATIONS:
        changes.tracking_number = _tracking(document) or changes.tracking_number
        if _first_flag(document, REQ_SHIPPED, REQ_DELIVERY_ALLOWED) is False:
            return
        changes.shipped = True
        changes.shipped_at = (
            changes.shipped_at
            or parse_datetime(document.requisite(REQ_SHIPMENT_DATE_1C))
            or _moment(document)
        )
        changes.shipment_number = (
            changes.shipment_number or document.requisite(REQ_SHIPMENT_NUMBER_1C) or number
        )


def _read_cancellation(changes: OrderChanges, document: Document) -> None:
    flags = [
        True if document.deleted else None,
        parse_bool(document.requisite(REQ_DELETION_MARK)),
        parse_bool(document.requisite(REQ_CANCELED)),
    ]
    if any(flag is True for flag in flags):
        changes.canceled = True
        changes.cancel_reason = document.requisite(REQ_CANCEL_REASON) or None
    elif any(flag is False for flag in flags):
        changes.canceled = False


def _read_payment(changes: OrderChanges, document: Document) -> None:
    date_1c = parse_datetime(document.requisite(REQ_PAYMENT_DATE_1C))
    flag = _first_flag(document, REQ_PAID, REQ_ORDER_PAID)
    if date_1c is not None or flag:
        changes.paid = True
        changes.paid_at = date_1c or parse_datetime(document.requisite(REQ_PAYMENT_DATE))
        changes.payment_number = (
            document.requisite(REQ_PAYMENT_NUMBER_1C)
            or document.requisite(REQ_PAYMENT_DOCUMENT_NUMBER)
            or None
        )


def _read_shipment(changes: OrderChanges, document: Document) -> None:
    date_1c = parse_datetime(document.requisite(REQ_SHIPMENT_DATE_1C))
    flag = _first_flag(document, REQ_SHIPPED, REQ_DELIVERY_ALLOWED)
    if date_1c is not None or flag:
        changes.shipped = True
        changes.shipped_at = date_1c or parse_datetime(
            document.requisite(REQ_DELIVERY_ALLOWED_DATE)
        )
        changes.shipment_number = document.requisite(REQ_SHIPMENT_NUMBER_1C) or None
    changes.tracking_number = _tracking(document)


def _tracking(document: Document) -> str | None:
    return (document.requisite(REQ_TRACKING_NUMBER) or "").strip() or None


def _read_status(changes: OrderChanges, document: Document) -> None:
    code = (document.requisite(REQ_STATUS_ID) or "").strip()
    text = (document.requisite(REQ_STATUS) or "").strip()
    bracketed = _BRACKETED.match(text)
    if code:
        changes.status_code = code
    elif bracketed:
        changes.status_code = bracketed[1].strip()
        changes.status_name = bracketed[2].strip() or None
    elif text:
        changes.status_name = text


def _first_flag(document: Document, *names: str) -> bool | None:
    for name in names:
        flag = parse_bool(document.requisite(name))
        if flag is not None:
            return flag
    return None


def _line_price(line: OrderLine) -> Decimal:
    if line.amount is not None:
        return line.amount
    if line.price is not None:
        return line.price * (line.quantity if line.quantity is not None else Decimal(1))
    return Decimal(0)


def _moment(document: Document) -> dt.datetime | None:
    """When 1C dated the document: ``Дата1С`` (else ``Дата``) with ``Время``."""
    date = document.date_1c or document.date
    if date is None:
        return None
    return dt.datetime.combine(date, document.time or dt.time())


def _date(text: str | None) -> dt.date | None:
    value = parse_datetime(text)
    return value.date() if value is not None else None
