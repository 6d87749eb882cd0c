"""1C's changes to orders, applied to the app's models as 1C-Bitrix applies them.

* The order is found by ``Ид`` (1C's id stored earlier, or the site's own id
  that 1C echoes) and then by ``Номер``, with and without the export prefix,
  and as the site's id when it is a number.
* A document with the ``НомерВерсии`` applied last time is skipped; one
  without a ``НомерВерсии`` (a 3.1 payment or shipment beside its order)
  leaves the stored one alone.
* Cancellation, payment (and its refund), shipment (and its tracking
  number) and 1C's number, date and posting are applied always; the status
  only if the settings allow it; the goods, the delivery price and the
  comment only while the order can still change (not paid, not allowed for
  delivery, not in a final status).
* Every change is saved as 1C's (``save(from_1c=True)``), so it is not sent
  back to 1C, and each document is applied in a transaction of its own. A
  document that changes nothing (the same payment sent again) saves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cml_exchange import moments
from cml_exchange.commerceml.entities import Counterparty
from cml_exchange.commerceml.entities import OrderLine as LineEntity
from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.models import (
    Customer,
    ExchangeSettings,
    Offer,
    Order,
    OrderLine,
    OrderStatus,
    Storefront,
)
from cml_exchange.orders.bitrix import CONTACT_EMAIL, collapse_id
from cml_exchange.orders.goods import (
    kopecks,
    line_amount,
    line_discount,
    line_price,
    line_quantity,
    rows_differ,
    unfit_number,
)

_Row = TypeVar("_Row", bound=Any)

NOT_FOUND = "Заказ №{number} на сайте не найден."
NOT_CHANGEABLE = (
    "Заказ №{number} не может быть изменен (находится в финальном статусе, оплачен или "
    "разрешена доставка)."
)
UNKNOWN_STATUS = "Статус «{status}» заказа №{number} на сайте не найден; статус не изменен."
NOTHING_TO_CREATE = "Заказ №{number} на сайте не найден и не может быть создан: в нем нет товаров."
NOT_LOADED = "Заказ №{number} не загружен: {problem}."


def apply_changes(changes: OrderChanges, settings: ExchangeSettings) -> list[str]:
    """Apply one document's changes; return the lines to report to 1C (empty when all went in).

    A document with a number the site's columns cannot hold is refused whole
    (on SQLite it would be stored, and every later ``query`` fail on it).
    """
    problem = unfit_number(changes)
    if problem is not None:
        return [NOT_LOADED.format(number=changes.label, problem=problem)]
    with transaction.atomic():
        order = find_order(changes, settings, lock=True)
        if order is None:
            if settings.create_orders_from_1c:
                return _create(changes, settings)
            return [NOT_FOUND.format(number=changes.label)]
        if changes.version and order.version_1c == changes.version:
            return []
        before = _fields(order)
        replaced = False
        messages: list[str] = []
        if changes.lines is not None and _goods_differ(order, changes.lines, changes):
            if _changeable(order):
                _replace_lines(order, changes.lines, changes)
                replaced = True
            else:
                messages.append(NOT_CHANGEABLE.format(number=changes.label))
        elif changes.lines is not None and changes.comment:
            order.comment = changes.comment
        _apply_facts(order, changes, settings, messages)
        if replaced or _fields(order) != before:
            order.save(from_1c=True)
    return messages


def _fields(order: Order) -> list[object]:
    """The values of the order's own columns, to tell whether a document changed any."""
    return [getattr(order, field.attname) for field in Order._meta.concrete_fields]


def find_order(
    changes: OrderChanges, settings: ExchangeSettings, *, lock: bool = False
) -> Order | None:
    """The site's order the document is about, or ``None``; see the module docstring.

    The first of the ways to match (:func:`_matches`) that finds an order wins, the
    lowest id among several. One query reads every order any way matches (a few at
    most; with ``lock`` they are locked until the transaction ends), and Python's
    equality ranks them: the database's own for these columns (SQLite's binary
    comparison, PostgreSQL's deterministic collations, the only kind a database
    default can be).
    """
    matches = list(_matches(changes, settings.number_prefix))
    if not matches:
        return None
    condition = Q()
    for field, value in matches:
        condition |= Q(**{field: value})
    orders = Order.objects.select_related("status").filter(condition).order_by()
    if lock:
        orders = orders.select_for_update(of=("self",))
    return surest(list(orders), matches)


def surest(found: list[_Row], matches: list[tuple[str, object]]) -> _Row | None:
    """The row of ``found`` the first of ``matches`` names (``(attribute, value)``), lowest pk."""
    for attribute, value in matches:
        candidates = [row for row in found if getattr(row, attribute) == value]
        if candidates:
            return min(candidates, key=lambda row: row.pk)
    return None


def _matches(changes: OrderChanges, prefix: str) -> Iterable[tuple[str, object]]:
    """``(field, value)`` of each way the document may name an order, the surest first."""
    if changes.id:
        yield "external_id", changes.id
        if _as_pk(changes.id) is not None:
            yield "pk", _as_pk(changes.id)
    number = (changes.number or "").strip()
    if number:
        yield "number", number
        if prefix and number.startswith(prefix) and len(number) > len(prefix):
            yield "number", number[len(prefix) :]
        bare = number[len(prefix) :] if prefix and number.startswith(prefix) else number
        if _as_pk(bare) is not None:
            yield "pk", _as_pk(bare)


def _as_pk(text: str) -> int | None:
    """``text`` as a site order id, if it can be one (1C's numeric ids can be longer)."""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def _changeable(order: Order) -> bool:
    final = order.status is not None and order.status.final
    return not (order.paid or order.delivery_allowed or final)


def _goods_differ(order: Order, lines: list[LineEntity], changes: OrderChanges) -> bool:
    """Whether 1C's goods differ from the order's: lines, quantities, prices, sums, the total.

    Money is compared to the kopeck (1C keeps it so; a weighed line's sum here
    may have more digits). A line's discount is compared only where 1C writes
    its ``Скидки`` (УТ 11 writes none): a discount given in 1C shows in the
    line's sum, its price the same.
    """
    rows = order.lines.order_by().values_list(
        "external_id", "quantity", "price", "amount", "discount"
    )
    site = [(collapse_id(i), q, kopecks(p), kopecks(a), kopecks(d)) for i, q, p, a, d in rows]
    sent = [
        (
            collapse_id(line.id),
            line_quantity(line),
            kopecks(line_price(line)),
            kopecks(line_amount(line)),
            kopecks(line_discount(line)) if line.discounts else None,
        )
        for line in lines
    ]
    if rows_differ(site, sent, width=4):
        return True
    delivery, total = changes.delivery_price, changes.total
    return (delivery is not None and kopecks(delivery) != kopecks(order.delivery_price)) or (
        total is not None and kopecks(total) != kopecks(order.total)
    )


def _replace_lines(order: Order, lines: list[LineEntity], changes: OrderChanges) -> None:
    """Make the order's lines 1C's: update the matching ones, add the new, drop the rest.

    Bulk queries, so the lines do not raise the version each: the order is
    saved as 1C's change afterwards.
    """
    existing: dict[str, list[OrderLine]] = {}
    for row in order.lines.all():
        existing.setdefault(collapse_id(row.external_id), []).append(row)
    offers = _offers({collapse_id(line.id) for line in lines} - set(existing))
    updated: list[OrderLine] = []
    new: list[OrderLine] = []
    for position, entity in enumerate(lines):
        key = collapse_id(entity.id)
        matches = existing.get(key)
        if matches:
            row = matches.pop(0)
            updated.append(row)
        else:
            row = OrderLine(order=order, external_id=entity.id[:255], offer=offers.get(key))
            new.append(row)
        _fill_line(row, entity, position)
    order.lines.exclude(pk__in=[row.pk for row in updated]).delete()
    OrderLine.objects.bulk_update(updated, _LINE_FIELDS)
    OrderLine.objects.bulk_create(new)
    if changes.delivery_price is not None:
        order.delivery_price = changes.delivery_price
    goods = sum((row.amount for row in [*updated, *new]), Decimal(0))
    order.total = changes.total if changes.total is not None else goods + order.delivery_price
    if changes.comment:
        order.comment = changes.comment


_LINE_FIELDS = [
    "name",
    "article",
    "unit_code",
    "unit_name",
    "quantity",
    "price",
    "amount",
    "discount",
    "vat_rate",
    "position",
]


def _fill_line(row: OrderLine, entity: LineEntity, position: int) -> None:
    row.name = (entity.name or row.name or entity.id)[:512]
    row.article = entity.article or row.article
    if entity.unit is not None:
        row.unit_code = entity.unit.code or row.unit_code
        row.unit_name = entity.unit.name_short or entity.unit.name_full or row.unit_name
    row.quantity = line_quantity(entity)
    row.price = line_price(entity)
    row.amount = line_amount(entity)
    row.discount = line_discount(entity)
    if entity.tax_rates:
        row.vat_rate = entity.tax_rates[0].rate[:16]
    row.position = position


def _offers(ids: set[str]) -> dict[str, Offer]:
    """Offers by their collapsed 1C id (``a`` finds the offer ``a`` or ``a#a``)."""
    if not ids:
        return {}
    wanted = ids | {f"{key}#{key}" for key in ids}
    return {
        collapse_id(offer.external_id): offer
        for offer in Offer.objects.filter(external_id__in=wanted)
    }


def _apply_facts(
    order: Order, changes: OrderChanges, settings: ExchangeSettings, messages: list[str]
) -> None:
    """Everything but the goods: 1C's numbers, cancellation, payment, shipment, status."""
    now = timezone.now()
    if changes.id and changes.id != str(order.pk):
        order.external_id = changes.id
    order.number_1c = changes.number_1c or order.number_1c
    order.date_1c = changes.date_1c or order.date_1c
    if changes.posted is not None:
        order.posted_1c = changes.posted
    if changes.version:
        order.version_1c = changes.version[:64]
    if changes.canceled is True and not order.canceled:
        order.canceled, order.canceled_at = True, now
        order.cancel_reason = changes.cancel_reason or order.cancel_reason
    elif changes.canceled is False and order.canceled:
        order.canceled, order.canceled_at, order.cancel_reason = False, None, ""
    if changes.paid and not order.paid:
        order.paid, order.paid_at = True, _aware(changes.paid_at) or now
        order.refunded = False
    if changes.paid and changes.payment_number:
        order.payment_number_1c = changes.payment_number[:64]
    if changes.refunded and not order.refunded:
        order.paid, order.refunded = False, True
        order.refunded_at = _aware(changes.refunded_at) or now
        order.refund_reason = changes.refund_reason or ""
    if changes.tracking_number:
        order.tracking_number = changes.tracking_number[:255]
    if changes.shipped:
        if not order.delivery_allowed:
            order.delivery_allowed = True
            order.delivery_allowed_at = _aware(changes.shipped_at) or now
            if settings.shipment_status is not None:
                _set_status(order, settings.shipment_status, now)
        order.shipped_at = _aware(changes.shipped_at) or order.shipped_at or now
        if changes.shipment_number:
            order.shipment_number_1c = changes.shipment_number[:64]
    if settings.change_status_from_1c and (changes.status_code or changes.status_name):
        status = _status(changes)
        if status is None:
            label = changes.status_code or changes.status_name
            messages.append(UNKNOWN_STATUS.format(status=label, number=changes.label))
        else:
            _set_status(order, status, now)


def _status(changes: OrderChanges) -> OrderStatus | None:
    if changes.status_code:
        found = OrderStatus.objects.filter(code=changes.status_code).first()
        if found is not None:
            return found
    if changes.status_name:
        return OrderStatus.objects.filter(name__iexact=changes.status_name).first()
    return None


def _set_status(order: Order, status: OrderStatus, now: dt.datetime) -> None:
    if order.status_id != status.pk:
        order.status, order.status_changed = status, now


def _create(changes: OrderChanges, settings: ExchangeSettings) -> list[str]:
    """Make an order 1C made (settings: create orders from 1C), with its customer."""
    document = changes.document
    if document is None or not changes.lines:
        return [NOTHING_TO_CREATE.format(number=changes.label)]
    buyer = next(iter(document.counterparties), None)
    created = dt.datetime.combine(document.date or moments.today(), document.time or dt.time())
    order = Order(
        number=(changes.number or changes.number_1c or changes.id)[:64],
        created=_aware(created) or timezone.now(),
        currency=(changes.currency or "RUB")[:16],
        customer=_customer(buyer),
        storefront=Storefront.objects.order_by("pk").first(),
        external_id=changes.id,
        created_by_1c=True,
    )
    order.save(from_1c=True)
    _replace_lines(order, changes.lines, changes)
    _apply_facts(order, changes, settings, [])
    order.save(from_1c=True)
    return []


def _customer(buyer: Counterparty | None) -> Customer:
    if buyer is not None and buyer.id:
        known = Customer.objects.filter(external_id=buyer.id).first()
        if known is not None:
            return known
    if buyer is None:
        return Customer.objects.create(last_name="Покупатель из 1С")
    company = bool(buyer.official_name or buyer.kpp or buyer.legal_address)
    address = buyer.legal_address or buyer.registration_address or buyer.address
    contacts = {contact.type: contact.value for contact in buyer.contacts}
    phone = next((value for kind, value in contacts.items() if "Телефон" in kind), "")
    return Customer.objects.create(
        kind=Customer.Kind.COMPANY if company else Customer.Kind.PERSON,
        external_id=buyer.id,
        last_name=(buyer.last_name or ("" if company else buyer.name))[:150],
        first_name=(buyer.first_name or "")[:150],
        middle_name=(buyer.middle_name or "")[:150],
        company=(buyer.official_name or buyer.name if company else "")[:500],
        inn=(buyer.inn or "")[:12],
        kpp=(buyer.kpp or "")[:9],
        email=contacts.get(CONTACT_EMAIL, "")[:254],
        phone=phone[:64],
        address=address.presentation if address else "",
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """1C's local time as the database wants it."""
    return None if moment is None else moments.from_local(moment)
