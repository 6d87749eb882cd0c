"""Orders in 1C-Bitrix's shape: from what a shop knows about an order to a ``Document``.

1C's exchange module was written against 1C-Bitrix, so 1C understands an order
best when it looks like the one Bitrix's ``CSaleExport`` writes
(``bitrix-query-response-full.xml``, ``from.xml``; docs/protocol.md §5):

* the header ``Заказ товара`` / ``Продавец``, rate 1, the buyer as
  ``Покупатель``;
* goods lines with the requisites ``ВидНоменклатуры`` = ``ТипНоменклатуры`` =
  ``Товар``, and the delivery as one more line, ``ORDER_DELIVERY`` "Доставка
  заказа", quantity 1, both requisites ``Услуга``;
* status, payment and delivery facts as order requisites with Bitrix's
  Russian names (the ``REQ_*`` constants below), flags as ``true``/``false``
  and dates as ``YYYY-MM-DD hh:mm:ss``;
* from 2.10 on, the payment and the shipment as subordinate documents, which
  then carry the payment document number, the delivery permission and the
  tracking number (``Идентификатор отправления``) instead of the order's
  requisites (the writer nests them in 2.10 and puts them
  beside the order, in its ``Контейнер``, in 3.1).

:func:`build_document` does this for one :class:`SiteOrder`; the result goes
to :class:`~cml_exchange.commerceml.writing.writer.OrdersWriter`. No Django here: the
exporter maps its models to ``SiteOrder``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, is_dataclass, replace
from decimal import Decimal
from typing import Any, Final, Protocol, TypeVar

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Counterparty,
    Discount,
    Document,
    OrderLine,
    Requisite,
    Tax,
    Unit,
)
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.order_requisites import (
    DELIVERY_LINE_NAME,
    REQ_CANCEL_DATE,
    REQ_CANCEL_REASON,
    REQ_CANCELED,
    REQ_CUSTOMER_COMMENT,
    REQ_DELIVERY_ADDRESS,
    REQ_DELIVERY_ALLOWED,
    REQ_DELIVERY_ALLOWED_DATE,
    REQ_DELIVERY_SERVICE,
    REQ_DELIVERY_SERVICE_ID,
    REQ_FINAL_STATUS,
    REQ_ORDER_PAID,
    REQ_PAID,
    REQ_PAYMENT_DATE,
    REQ_PAYMENT_DOCUMENT_NUMBER,
    REQ_PAYMENT_METHOD,
    REQ_PAYMENT_METHOD_ID,
    REQ_SITE,
    REQ_STATUS,
    REQ_STATUS_CHANGED,
    REQ_STATUS_ID,
    REQ_TRACKING_NUMBER,
)
from cml_exchange.commerceml.values import format_bool
from cml_exchange.commerceml.writing.writer import (
    SCHEMA_2_05,
    SCHEMA_2_10,
    SCHEMA_3_1,
    SCHEMA_VERSIONS,
)

#: The unit of a line that names none: a piece, as 1C-Bitrix writes it.
PIECE: Final = Unit(code="796", name_full="Штука", international_abbr="PCE", name_short="шт")

_REQUISITE_DATE_TIME: Final = "%Y-%m-%d %H:%M:%S"
_REQUISITE_DATE: Final = "%Y-%m-%d"


@dataclass(slots=True, kw_only=True)
class SiteOrder:
    """What a shop knows about one order, in the terms 1C-Bitrix exports.

    Only ``id``, ``created``, ``currency``, ``total`` and ``customer`` are
    required. ``number`` is the shop's order number (``id`` when ``None``),
    written after ``prefix``. ``lines`` are the goods; the delivery line is
    added from ``delivery_price`` (only when it is above zero, as Bitrix
    does). ``comment`` is the manager's comment (``Комментарий``),
    ``customer_comment`` the buyer's. ``status_id``/``status_name`` become
    ``[N] Принят``; ``site_id``/``site_name`` become ``[s1] Сайт``.
    ``payment_operation`` is the ``ХозОперация`` of the 2.10 payment document:
    ``Выплата безналичных денег`` (default), ``Выплата наличных денег`` or
    ``Эквайринговая операция`` (the last is Bitrix's, and not in the 2.10
    XSD's list). ``version`` and ``number_1c`` are written after 2.05 only,
    as Bitrix does; they are outside the XSDs. ``extra_requisites`` (the
    buyer-profile fields Bitrix adds) go before ``Адрес доставки``.
    ``taxes`` and ``discounts`` are the order's own (Bitrix: "Скидка на заказ",
    not included in the sum).
    """

    id: str
    created: dt.datetime
    currency: str
    total: Decimal
    customer: Counterparty
    number: str | None = None
    prefix: str = ""
    number_1c: str | None = None
    version: str | None = None
    comment: str | None = None
    customer_comment: str | None = None
    lines: list[OrderLine] = field(default_factory=list)
    taxes: list[Tax] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)
    delivery_name: str | None = None
    delivery_id: str | None = None
    delivery_price: Decimal | None = None
    delivery_address: str | None = None
    delivery_allowed: bool = False
    delivery_allowed_at: dt.datetime | dt.date | None = None
    shipment_id: str | None = None
    shipment_number: str | None = None
    shipment_date: dt.datetime | dt.date | None = None
    tracking_number: str | None = None
    payment_name: str | None = None
    payment_method_id: str | None = None
    payment_operation: str = T.OPERATION_CASHLESS_PAYMENT
    payment_id: str | None = None
    paid: bool = False
    paid_at: dt.datetime | dt.date | None = None
    payment_number: str | None = None
    canceled: bool = False
    canceled_at: dt.datetime | dt.date | None = None
    cancel_reason: str | None = None
    status_id: str | None = None
    status_name: str | None = None
    final: bool = False
    status_changed_at: dt.datetime | dt.date | None = None
    site_id: str | None = None
    site_name: str | None = None
    extra_requisites: list[Requisite] = field(default_factory=list)

    @property
    def full_number(self) -> str:
        """The number 1C sees: the prefix and the shop's number (or the id)."""
        return f"{self.prefix}{self.number if self.number is not None else self.id}"

    def exported(self, prefix: str, currency: str = "") -> SiteOrder:
        """The order under the exchange's number ``prefix`` and, if given, in ``currency``.

        ``self`` when nothing changes; otherwise a shallow copy (the order may be
        the adapter's own, which the exchange must leave as it is).
        """
        if self.prefix == prefix and (not currency or self.currency == currency):
            return self
        copied = _shallow(self)
        copied.prefix = prefix
        copied.currency = currency or self.currency
        return copied


def build_document(order: SiteOrder, schema_version: str, *, copy: bool = True) -> Document:
    """Build the ``Документ`` 1C-Bitrix would write for ``order`` in ``schema_version``.

    ``schema_version`` is one of the writer's (``2.05``, ``2.08``, ``2.10``,
    ``3.1``); another raises :class:`WriterError`. 3.1 builds what 2.10 does.
    Nothing of ``order`` is shared with the result, so either may be changed
    afterwards; with ``copy=False`` (for an order that is written and
    dropped, twice as fast) the result shares the order's entities, which
    must then be left alone. Each goods line gets the goods requisites
    (unless it names its own) and, without a unit, :data:`PIECE`.
    """
    if schema_version not in SCHEMA_VERSIONS:
        raise WriterError(
            f"Версия схемы CommerceML «{schema_version}» не поддерживается для выгрузки "
            f"заказов; допустимы: {', '.join(SCHEMA_VERSIONS)}."
        )
    with_subordinates = schema_version in (SCHEMA_2_10, SCHEMA_3_1)
    after_2_05 = schema_version != SCHEMA_2_05
    clone = _clone if copy else _same
    lines = _lines(order, clone)
    document = _header(order, clone)
    document.version = order.version if after_2_05 else None
    document.number_1c = order.number_1c if after_2_05 else None
    document.comment = order.comment or None
    document.taxes = clone(order.taxes)
    document.discounts = clone(order.discounts)
    document.lines = lines
    document.requisites = _order_requisites(order, clone, in_subordinates=with_subordinates)
    if with_subordinates:
        document.subordinates = _subordinates(order, clone)
    return document


def _header(order: SiteOrder, clone: _Cloner, *, operation: str = T.OPERATION_ORDER) -> Document:
    customer = clone(order.customer)
    if customer.role is None and customer is order.customer:
        customer = replace(customer)
    if customer.role is None:
        customer.role = T.ROLE_BUYER
    return Document(
        id=order.id,
        number=order.full_number,
        date=order.created.date(),
        time=order.created.time().replace(microsecond=0),
        operation=operation,
        role=T.ROLE_SELLER,
        currency=order.currency,
        exchange_rate=Decimal(1),
        amount=order.total,
        counterparties=[customer],
    )


def _lines(order: SiteOrder, clone: _Cloner) -> list[OrderLine]:
    lines = [_goods_line(line, clone) for line in order.lines]
    if order.delivery_price is not None and order.delivery_price > 0:
        lines.insert(0, _delivery_line(order.delivery_price))  # first, as in from.xml
    return lines


def _goods_line(line: OrderLine, clone: _Cloner) -> OrderLine:
    named = {requisite.name for requisite in line.requisites}
    goods = [
        Requisite(name=name, value=T.REQ_ITEM_GOODS)
        for name in (T.REQ_ITEM_KIND, T.REQ_ITEM_TYPE)
        if name not in named
    ]
    copied = clone(line)
    if copied is line:
        if not goods and line.unit is not None:
            return line  # nothing to add: shared, as ``copy=False`` allows
        # A new line object, so that the order's own is not changed.
        copied = _shallow(line)
        copied.requisites = [*goods, *line.requisites]
    else:
        copied.requisites[:0] = goods
    if copied.unit is None:
        copied.unit = _shallow(PIECE)
    return copied


def _delivery_line(price: Decimal) -> OrderLine:
    return OrderLine(
        id=T.DELIVERY_LINE_ID,
        name=DELIVERY_LINE_NAME,
        unit=_shallow(PIECE),
        price=price,
        quantity=Decimal(1),
        amount=price,
        requisites=[
            Requisite(name=T.REQ_ITEM_KIND, value=T.REQ_ITEM_SERVICE),
            Requisite(name=T.REQ_ITEM_TYPE, value=T.REQ_ITEM_SERVICE),
        ],
    )


def _order_requisites(
    order: SiteOrder, clone: _Cloner, *, in_subordinates: bool
) -> list[Requisite]:
    """The order's requisites in Bitrix's order; empty texts and missing dates are left out."""
    status = _bracketed(order.status_id, order.status_name)
    pairs: list[tuple[str, str | None]] = [
        (REQ_PAYMENT_DATE, _moment(order.paid_at) if order.paid else None),
        (REQ_PAYMENT_DOCUMENT_NUMBER, None if in_subordinates else order.payment_number),
        (
            REQ_DELIVERY_ALLOWED_DATE,
            _moment(order.delivery_allowed_at) if order.delivery_allowed else None,
        ),
        (REQ_DELIVERY_SERVICE, order.delivery_name),
        (REQ_DELIVERY_SERVICE_ID, order.delivery_id),
        (REQ_PAYMENT_METHOD, order.payment_name),
        (REQ_PAYMENT_METHOD_ID, order.payment_method_id),
        (REQ_ORDER_PAID, format_bool(order.paid)),
        (REQ_DELIVERY_ALLOWED, None if in_subordinates else format_bool(order.delivery_allowed)),
        (REQ_TRACKING_NUMBER, None if in_subordinates else order.tracking_number),
        (REQ_CANCELED, format_bool(order.canceled)),
        (REQ_FINAL_STATUS, format_bool(order.final)),
        (REQ_STATUS, status),
        (REQ_STATUS_ID, order.status_id),
        (REQ_CANCEL_DATE, _moment(order.canceled_at) if order.canceled else None),
        (REQ_CANCEL_REASON, order.cancel_reason if order.canceled else None),
        (REQ_STATUS_CHANGED, _moment(order.status_changed_at)),
        (REQ_CUSTOMER_COMMENT, order.customer_comment),
        (REQ_SITE, _bracketed(order.site_id, order.site_name)),
    ]
    requisites = _requisites(pairs)
    requisites.extend(clone(order.extra_requisites))
    requisites.extend(_requisites([(REQ_DELIVERY_ADDRESS, order.delivery_address)]))
    return requisites


def _subordinates(order: SiteOrder, clone: _Cloner) -> list[Document]:
    """The 2.10 payment and shipment documents, each linked to the order by ``basis``.

    A payment document is made when the order names a payment method or is
    paid; a shipment document when it names a delivery service, a shipment
    number or a tracking number, or allows delivery. Their ids default to ``<order id>-payment``
    and ``<order id>-shipment``.
    """
    result: list[Document] = []
    if order.payment_name or order.payment_method_id or order.paid:
        payment = _header(order, clone, operation=order.payment_operation)
        payment.id = order.payment_id or f"{order.id}-payment"
        payment.number = order.payment_number or order.full_number
        _stamp(payment, order.paid_at)
        payment.basis = order.id
        payment.requisites = _requisites(
            [
                (REQ_PAYMENT_METHOD_ID, order.payment_method_id),
                (REQ_PAYMENT_METHOD, order.payment_name),
                (REQ_PAID, format_bool(order.paid)),
                (REQ_PAYMENT_DATE, _moment(order.paid_at) if order.paid else None),
                (REQ_PAYMENT_DOCUMENT_NUMBER, order.payment_number),
                (REQ_CANCELED, format_bool(order.canceled)),
            ]
        )
        result.append(payment)
    if (
        order.delivery_name
        or order.delivery_id
        or order.shipment_number
        or order.tracking_number
        or order.delivery_allowed
    ):
        shipment = _header(order, clone, operation=T.OPERATION_SHIPMENT)
        shipment.id = order.shipment_id or f"{order.id}-shipment"
        shipment.number = order.shipment_number or order.full_number
        _stamp(shipment, order.shipment_date)
        shipment.basis = order.id
        shipment.lines = _lines(order, clone)
        shipment.requisites = _requisites(
            [
                (REQ_DELIVERY_SERVICE_ID, order.delivery_id),
                (REQ_DELIVERY_SERVICE, order.delivery_name),
                (REQ_DELIVERY_ALLOWED, format_bool(order.delivery_allowed)),
                (
                    REQ_DELIVERY_ALLOWED_DATE,
                    _moment(order.delivery_allowed_at) if order.delivery_allowed else None,
                ),
                (REQ_DELIVERY_ADDRESS, order.delivery_address),
                (REQ_TRACKING_NUMBER, order.tracking_number),
                (REQ_CANCELED, format_bool(order.canceled)),
            ]
        )
        result.append(shipment)
    return result


def _stamp(document: Document, moment: dt.datetime | dt.date | None) -> None:
    """Date a subordinate document by its own moment, if it has one (else the order's)."""
    if isinstance(moment, dt.datetime):
        document.date = moment.date()
        document.time = moment.time().replace(microsecond=0)
    elif moment is not None:
        document.date, document.time = moment, None


def _requisites(pairs: list[tuple[str, str | None]]) -> list[Requisite]:
    return [Requisite(name=name, value=value) for name, value in pairs if value]


def _bracketed(code: str | None, name: str | None) -> str | None:
    """``[N] Принят`` from a code and a name; either alone when the other is missing."""
    if code and name:
        return f"[{code}] {name}"
    return name or (f"[{code}]" if code else None)


def format_requisite_moment(value: dt.datetime | dt.date) -> str:
    """A requisite date as this app writes it: ``YYYY-MM-DD hh:mm:ss`` (or just the date)."""
    if isinstance(value, dt.datetime):
        if value.year >= 1000:  # strftime's text, without its cost; the zone is cut off
            return value.isoformat(" ", "seconds")[:19]
        return value.strftime(_REQUISITE_DATE_TIME)
    return value.strftime(_REQUISITE_DATE)


def _moment(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else format_requisite_moment(value)


_T = TypeVar("_T")
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_SLOTS: dict[type, tuple[str, ...]] = {}


class _Cloner(Protocol):
    """:func:`_clone`, or :func:`_same` when nothing needs copying."""

    def __call__(self, value: _T, /) -> _T: ...


def _same(value: _T) -> _T:
    return value


def _shallow(value: _T) -> _T:
    """A new entity with the same field values: ``dataclasses.replace`` without its cost.

    The entities are slots dataclasses whose ``__init__`` only assigns, so
    copying the slots makes the same object three times faster, which counts
    for the lines of ten thousand orders.
    """
    kind = type(value)
    names = _SLOTS.get(kind)
    if names is None:
        names = _SLOTS[kind] = tuple(item.name for item in fields(value))  # type: ignore[arg-type]
    copied = object.__new__(kind)
    for name in names:
        object.__setattr__(copied, name, getattr(value, name))
    return copied


def _clone(value: _T) -> _T:
    """A deep copy of entities (dataclasses and lists of them), ten times faster than deepcopy.

    Entities hold only lists, other entities and immutable values (text,
    numbers, dates), so only those two need copying.
    """
    if isinstance(value, list):
        return [_clone(item) for item in value]  # type: ignore[return-value]
    if is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        names = _FIELD_NAMES.get(kind)
        if names is None:
            names = _FIELD_NAMES[kind] = tuple(item.name for item in fields(value))
        changes: dict[str, Any] = {}
        for name in names:
            item = getattr(value, name)
            if isinstance(item, list) or (is_dataclass(item) and not isinstance(item, type)):
                changes[name] = _clone(item)
        return replace(value, **changes)
    return value
