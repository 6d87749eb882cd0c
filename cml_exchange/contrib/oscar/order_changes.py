"""1C's changes to an Oscar order: payment and shipment events, status, cancellation.

As the app applies them to its own orders (``cml_exchange.orders.apply``):

* the order is found by ``Ид`` (1C's id kept earlier, or the site's id that
  1C echoes), then by ``Номер`` with and without the export prefix;
* a document with the ``НомерВерсии`` applied last time is skipped;
* a payment (``Дата оплаты по 1С``, ``Оплачен``, a posted 2.10 payment) is a
  payment event of the type "Оплачен в 1С" for the order's total, once;
* a shipment (``Дата отгрузки по 1С``, ``Отгружен``, a posted 2.10 shipment)
  is a shipping event "Отгружен в 1С" of every line, once, and sets the
  shipment status of the settings (matched to Oscar's statuses by name);
* cancellation sets ``CML_EXCHANGE_OSCAR_CANCELED_STATUS`` (default
  "Отменен"), un-cancelling ``OSCAR_INITIAL_ORDER_STATUS``;
* 1C's status is set only when the settings say to change statuses from 1C,
  matched to Oscar's statuses by id or name;
* 1C's comment becomes an order note. Oscar's goods are not changed: when 1C's
  differ, 1C is told.

All is done inside :func:`~cml_exchange.contrib.oscar.receivers.from_1c`:
1C's own changes do not make the order due for 1C again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from oscar.core.loading import get_model

from cml_exchange import moments
from cml_exchange.commerceml.entities import OrderLine as LineEntity
from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.contrib.oscar.models import OrderState
from cml_exchange.contrib.oscar.receivers import from_1c
from cml_exchange.models import ExchangeSettings
from cml_exchange.orders.apply import NOT_FOUND, UNKNOWN_STATUS, surest
from cml_exchange.orders.bitrix import collapse_id
from cml_exchange.orders.goods import kopecks, line_quantity, line_sum, rows_differ

Order: Any = get_model("order", "Order")
PaymentEvent: Any = get_model("order", "PaymentEvent")
PaymentEventType: Any = get_model("order", "PaymentEventType")
PaymentEventQuantity: Any = get_model("order", "PaymentEventQuantity")
ShippingEvent: Any = get_model("order", "ShippingEvent")
ShippingEventType: Any = get_model("order", "ShippingEventType")
ShippingEventQuantity: Any = get_model("order", "ShippingEventQuantity")
OrderNote: Any = get_model("order", "OrderNote")

PAID = ("cml-1c-paid", "Оплачен в 1С")
REFUNDED = ("cml-1c-refunded", "Оплата возвращена в 1С")
SHIPPED = ("cml-1c-shipped", "Отгружен в 1С")
GOODS_DIFFER = (
    "Заказ №{number}: состав заказа в 1С отличается от сайта; на сайте (Oscar) товары "
    "заказа из 1С не меняются."
)
NOTE_TYPE = "1С"


def canceled_status() -> str | None:
    """Oscar's status for an order 1C cancelled (``CML_EXCHANGE_OSCAR_CANCELED_STATUS``)."""
    wanted = getattr(django_settings, "CML_EXCHANGE_OSCAR_CANCELED_STATUS", "Отменен")
    return wanted or None


def is_paid(order: Any, state: OrderState) -> bool:
    """Paid in 1C, or on the site: its payment sources took the whole total; not once refunded."""
    if state.paid_at is not None:
        return True
    if state.refunded_at is not None:
        return False
    debited = sum((source.amount_debited for source in order.sources.all()), Decimal(0))
    return bool(order.total_incl_tax) and debited >= order.total_incl_tax


def apply_changes(changes: OrderChanges, settings: ExchangeSettings) -> list[str]:
    """Apply one document's changes to its Oscar order; the lines to report to 1C."""
    with transaction.atomic(), from_1c():
        order = find_order(changes, settings.number_prefix)
        if order is None:
            return [NOT_FOUND.format(number=changes.label)]
        state, _ = OrderState.objects.select_for_update().get_or_create(
            order=order, defaults={"version": 1}
        )
        if changes.version and state.version_1c == changes.version:
            return []
        messages: list[str] = []
        if changes.lines is not None and _goods_differ(order, changes):
            messages.append(GOODS_DIFFER.format(number=changes.label))
        now = timezone.now()
        _keep_1c_facts(order, state, changes)
        _cancel(order, state, changes, now)
        if changes.paid and state.paid_at is None:
            state.paid_at = _aware(changes.paid_at) or now
            state.refunded_at = None
            _event(order, PaymentEventType, PaymentEvent, PaymentEventQuantity, PAID,
                   amount=order.total_incl_tax, reference=changes.payment_number or "")  # fmt: skip
        if changes.paid and changes.payment_number:
            state.payment_number_1c = changes.payment_number[:64]
        if changes.refunded and state.refunded_at is None:
            state.paid_at, state.refunded_at = None, _aware(changes.refunded_at) or now
            state.refund_reason = changes.refund_reason or ""
            _event(order, PaymentEventType, PaymentEvent, PaymentEventQuantity, REFUNDED,
                   amount=order.total_incl_tax, reference=state.refund_reason[:128])  # fmt: skip
        if changes.tracking_number:
            state.tracking_number = changes.tracking_number[:255]
        if changes.shipped:
            if state.shipped_at is None:
                _event(order, ShippingEventType, ShippingEvent, ShippingEventQuantity, SHIPPED,
                       notes=changes.shipment_number or "")  # fmt: skip
                if settings.shipment_status is not None:
                    status = _oscar_status(settings.shipment_status.code)
                    status = status or _oscar_status(settings.shipment_status.name)
                    if status:
                        _set_status(order, status)
            state.shipped_at = _aware(changes.shipped_at) or state.shipped_at or now
            if changes.shipment_number:
                state.shipment_number_1c = changes.shipment_number[:64]
        if settings.change_status_from_1c and (changes.status_code or changes.status_name):
            status = _oscar_status(changes.status_code) or _oscar_status(changes.status_name)
            if status is None:
                label = changes.status_code or changes.status_name
                messages.append(UNKNOWN_STATUS.format(status=label, number=changes.label))
            else:
                _set_status(order, status)
        if changes.comment and not order.notes.filter(message=changes.comment).exists():
            OrderNote.objects.create(order=order, note_type=NOTE_TYPE, message=changes.comment)
        state.save()
    return messages


def find_order(changes: OrderChanges, prefix: str) -> Any | None:
    """The Oscar order the document is about: by 1C's id, the site's id, or the number.

    As :func:`cml_exchange.orders.apply.find_order`: one query reads (and locks)
    every order any way names, and the first way that finds one wins, the lowest
    id among several.
    """
    matches = list(_matches(changes, prefix))
    if not matches:
        return None
    condition = Q()
    for lookup, _attribute, value in matches:
        condition |= Q(**{lookup: value})
    found = list(
        Order.objects.select_for_update(of=("self",))
        .annotate(cml_external_id=F("cml_state__external_id"))
        .filter(condition)
        .order_by()
    )
    return surest(found, [(attribute, value) for _lookup, attribute, value in matches])


def _matches(changes: OrderChanges, prefix: str) -> list[tuple[str, str, object]]:
    """``(lookup, attribute, value)`` of each way the document may name an order, surest first."""
    found: list[tuple[str, str, object]] = []
    if changes.id:
        found.append(("cml_state__external_id", "cml_external_id", changes.id))
        if changes.id.isascii() and changes.id.isdigit() and len(changes.id) <= 18:
            found.append(("pk", "pk", int(changes.id)))
    number = (changes.number or "").strip()
    if number:
        found.append(("number", "number", number))
        if prefix and number.startswith(prefix) and len(number) > len(prefix):
            found.append(("number", "number", number[len(prefix) :]))
    return found


def _keep_1c_facts(order: Any, state: OrderState, changes: OrderChanges) -> None:
    if changes.id and changes.id != str(order.pk):
        state.external_id = changes.id[:255]
    state.number_1c = (changes.number_1c or state.number_1c)[:64]
    state.date_1c = changes.date_1c or state.date_1c
    if changes.posted is not None:
        state.posted_1c = changes.posted
    if changes.version:  # a 3.1 payment or shipment beside its order carries none of the order's
        state.version_1c = changes.version[:64]


def _cancel(order: Any, state: OrderState, changes: OrderChanges, now: dt.datetime) -> None:
    canceled = canceled_status()
    if changes.canceled is True and state.canceled_at is None:
        state.canceled_at = now
        state.cancel_reason = changes.cancel_reason or state.cancel_reason
        if canceled:
            _set_status(order, canceled)
    elif changes.canceled is False and state.canceled_at is not None:
        state.canceled_at, state.cancel_reason = None, ""
        initial = getattr(django_settings, "OSCAR_INITIAL_ORDER_STATUS", "")
        if canceled and order.status == canceled and initial:
            _set_status(order, initial)


def _oscar_status(name: str | None) -> str | None:
    """Oscar's status named ``name`` (case aside), among the pipeline's."""
    if not name:
        return None
    pipeline = getattr(django_settings, "OSCAR_ORDER_STATUS_PIPELINE", {})
    for status in pipeline:
        if status.casefold() == name.strip().casefold():
            return str(status)
    return None


def _set_status(order: Any, status: str) -> None:
    """Set ``status`` as 1C says, even where Oscar's pipeline has no such step, with history."""
    if order.status == status:
        return
    old = order.status
    order.status = status
    order.save(update_fields=["status"])
    order.status_changes.create(old_status=old, new_status=status)


def _event(
    order: Any, type_model: Any, event_model: Any, quantity_model: Any, kind: tuple[str, str],
    **fields: Any,
) -> None:  # fmt: skip
    """A payment or shipping event of every line of ``order``, of the type ``kind``."""
    code, name = kind
    event_type = type_model.objects.filter(code=code).first()
    if event_type is None:
        event_type = type_model.objects.create(code=code, name=name)
    event = event_model.objects.create(order=order, event_type=event_type, **fields)
    quantity_model.objects.bulk_create(
        [
            quantity_model(event=event, line=line, quantity=line.quantity)
            for line in order.lines.all()
        ]
    )


def _goods_differ(order: Any, changes: OrderChanges) -> bool:
    """Whether 1C's goods differ from the order's: lines, quantities, sums or the total.

    Sums are compared to the kopeck, a line's where 1C gives its sum or price
    (:func:`~cml_exchange.orders.goods.line_sum`): a discount 1C gives keeps
    the quantity and lowers the sum.
    """
    site = [
        (_line_key(line), Decimal(line.quantity), kopecks(line.line_price_incl_tax))
        for line in order.lines.select_related("product__cml_offer_link__offer")
    ]
    sent = [(collapse_id(line.id), line_quantity(line), _sum(line)) for line in changes.lines or ()]
    if rows_differ(site, sent, width=2):
        return True
    total = changes.total
    return total is not None and kopecks(total) != kopecks(order.total_incl_tax)


def _sum(line: LineEntity) -> Decimal | None:
    found = line_sum(line)
    return None if found is None else kopecks(found)


def _line_key(line: Any) -> str:
    link = getattr(line.product, "cml_offer_link", None) if line.product_id else None
    return collapse_id(link.offer.external_id) if link is not None else str(line.partner_sku)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moments.from_local(moment)
