"""The app's orders as 1C-Bitrix exports them: database rows to :class:`SiteOrder`.

The selection (:func:`due_orders`) follows Bitrix's rules and the settings of
the orders tab; the mapping (:func:`due_site_orders`) fills what 1C-Bitrix's
``CSaleExport`` writes. Orders are read in chunks, as columns rather than model
instances, lines and references fetched with them, so ten thousand orders never
sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from itertools import islice
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from cml_exchange import moments
from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    OrderLine,
)
from cml_exchange.commerceml.writing.orders import SiteOrder
from cml_exchange.models import (
    DeliveryService,
    ExchangeSettings,
    Order,
    OrderStatus,
    PaymentMethod,
    Storefront,
)
from cml_exchange.models import OrderLine as OrderLineRow
from cml_exchange.models.orders import DUE_FOR_1C
from cml_exchange.orders.bitrix import CustomerRow, counterparty, goods_line

#: Orders read from the database at a time.
CHUNK_SIZE = 500


def due_orders(settings: ExchangeSettings) -> QuerySet[Order]:
    """Orders 1C has not seen in their current version, as the settings filter them.

    Orders 1C itself made are never sent back (Bitrix: ``EXTERNAL_ORDER``).
    """
    orders = Order.objects.filter(DUE_FOR_1C)
    storefronts = list(settings.export_storefronts.values_list("pk", flat=True))
    if storefronts:
        orders = orders.filter(storefront__in=storefronts)
    if settings.export_paid_only:
        orders = orders.filter(paid=True)
    if settings.export_delivery_allowed_only:
        orders = orders.filter(delivery_allowed=True)
    if settings.export_from_status is not None:
        orders = orders.filter(status__position__gte=settings.export_from_status.position)
    if settings.export_since is not None:
        start = moments.from_local(dt.datetime.combine(settings.export_since, dt.time()))
        orders = orders.filter(created__gte=start)
    return orders.order_by("pk")


#: The columns of an order the document needs; ``customer__…`` are its buyer's.
ORDER_FIELDS: Final = (
    "pk",
    "number",
    "created",
    "currency",
    "total",
    "version",
    "number_1c",
    "comment",
    "customer_comment",
    "status_id",
    "status_changed",
    "payment_method_id",
    "paid",
    "paid_at",
    "payment_number_1c",
    "delivery_service_id",
    "delivery_price",
    "delivery_address",
    "delivery_allowed",
    "delivery_allowed_at",
    "shipment_number_1c",
    "shipped_at",
    "tracking_number",
    "canceled",
    "canceled_at",
    "cancel_reason",
    "storefront_id",
)
_PK: Final = ORDER_FIELDS.index("pk")
_VERSION: Final = ORDER_FIELDS.index("version")
#: The columns of a buyer: ``Customer``'s fields of the same names.
CUSTOMER_FIELDS: Final = (
    "pk",
    "kind",
    "user_id",
    "external_id",
    "last_name",
    "first_name",
    "middle_name",
    "company",
    "inn",
    "kpp",
    "email",
    "phone",
    "address",
)
#: The columns of an order line, with its offer's and catalog's 1C ids.
LINE_FIELDS: Final = (
    "order_id",
    "pk",
    "external_id",
    "name",
    "article",
    "unit_code",
    "unit_name",
    "price",
    "quantity",
    "discount",
    "vat_rate",
    "amount",
    "offer__external_id",
    "offer__catalog__external_id",
)


def due_site_orders(
    orders: QuerySet[Order], *, prefix: str = "", currency: str = ""
) -> Iterator[tuple[int, int, SiteOrder]]:
    """``(pk, version, SiteOrder)`` of each of ``orders``, read ``CHUNK_SIZE`` at a time.

    Each order comes under the number ``prefix`` and, if given, in
    ``currency`` (the exchange's settings): the exchange then has nothing to
    change in it, and ten thousand orders are not copied again
    (:meth:`SiteOrder.exported`).

    Columns, not model instances: an order, its buyer and its lines' 1C ids
    come as rows (one query a chunk for the orders with their buyers, one for
    their lines), and statuses, payment methods, delivery services and
    storefronts are short lists read once. Ten thousand orders take well
    under a second, and never sit in memory at once.
    """
    lookups = _Lookups()
    zone = timezone.get_current_timezone()
    login_field = f"customer__user__{get_user_model().USERNAME_FIELD}"
    columns = (*ORDER_FIELDS, *(f"customer__{name}" for name in CUSTOMER_FIELDS), login_field)
    rows = orders.values_list(*columns).iterator(chunk_size=CHUNK_SIZE)
    mapper = _Mapper(lookups, zone, prefix, currency)
    fast_times = _native_timestamps(orders.db)
    while True:
        with fast_times():
            chunk = list(islice(rows, CHUNK_SIZE))
        if not chunk:
            break
        lines = _lines_of([row[_PK] for row in chunk])
        for row in chunk:
            yield row[_PK], row[_VERSION], mapper.site_order(row, lines.get(row[_PK], []))


def _native_timestamps(alias: str) -> Callable[[], AbstractContextManager[object]]:
    """Contexts in which PostgreSQL's ``timestamptz`` columns are read by psycopg's C loader.

    Django reads each ``timestamptz`` through a Python subclass of psycopg's
    loader that stamps its connection's zone on the value: 8% of a
    10,000-order query. psycopg's own loader, in C, gives the same instant,
    aware in the session's time zone, which Django has set to that same zone;
    the mapper turns every time into the shop's local time either way. Without
    ``USE_TZ`` Django drops the zone, so its loader is kept, as it is on other
    databases and drivers. Statements run in the context (the ``DECLARE`` of
    the orders' cursor) keep the loader for their whole result.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        return nullcontext
    try:
        import psycopg
        from psycopg.pq import Format
    except ImportError:  # psycopg2
        return nullcontext
    oid = psycopg.adapters.types["timestamptz"].oid
    loader = psycopg.adapters.get_loader(oid, Format.TEXT)

    def native(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        context["cursor"].cursor.adapters.register_loader(oid, loader)
        return execute(sql, params, many, context)

    return lambda: connection.execute_wrapper(native)


def _lines_of(order_ids: list[int]) -> dict[int, list[OrderLine]]:
    """The lines of these orders, by order, each order's in their positions' order."""
    rows = (
        OrderLineRow.objects.filter(order_id__any=order_ids)
        .order_by("order_id", "position", "pk")
        .values_list(*LINE_FIELDS)
    )
    lines: dict[int, list[OrderLine]] = {}
    for row in rows:
        lines.setdefault(row[0], []).append(goods_line(*row[1:]))
    return lines


class _Lookups:
    """The short lists an order points into, read once."""

    def __init__(self) -> None:
        self.statuses = {row.pk: row for row in OrderStatus.objects.all()}
        self.payments = {row.pk: row for row in PaymentMethod.objects.all()}
        self.deliveries = {row.pk: row for row in DeliveryService.objects.all()}
        self.storefronts = {row.pk: row for row in Storefront.objects.all()}


class _Mapper:
    """Rows of :data:`ORDER_FIELDS`, the buyer's and the login to :class:`SiteOrder`."""

    def __init__(
        self, lookups: _Lookups, zone: dt.tzinfo, prefix: str = "", currency: str = ""
    ) -> None:
        self.lookups = lookups
        self.zone = zone
        self.prefix = prefix
        self.currency = currency
        self.customer_start = len(ORDER_FIELDS)
        self.customer_end = self.customer_start + len(CUSTOMER_FIELDS)

    def local(self, moment: dt.datetime | None) -> dt.datetime | None:
        """1C's times are the shop's local times, written without a zone."""
        if moment is None or moment.utcoffset() is None:
            return moment
        return moment.astimezone(self.zone)

    def site_order(self, row: tuple[Any, ...], lines: list[OrderLine]) -> SiteOrder:
        """The order of ``row`` as 1C-Bitrix describes it, under the prefix and currency given."""
        (
            pk,
            number,
            created,
            currency,
            total,
            version,
            number_1c,
            comment,
            customer_comment,
            status_id,
            status_changed,
            payment_id,
            paid,
            paid_at,
            payment_number,
            delivery_id,
            delivery_price,
            delivery_address,
            delivery_allowed,
            delivery_allowed_at,
            shipment_number,
            shipped_at,
            tracking_number,
            canceled,
            canceled_at,
            cancel_reason,
            storefront_id,
        ) = row[: self.customer_start]
        customer = CustomerRow(*row[self.customer_start : self.customer_end])
        lookups, local = self.lookups, self.local
        status = lookups.statuses.get(status_id) if status_id else None
        payment = lookups.payments.get(payment_id) if payment_id else None
        delivery = lookups.deliveries.get(delivery_id) if delivery_id else None
        storefront = lookups.storefronts.get(storefront_id) if storefront_id else None
        return SiteOrder(
            id=str(pk),
            number=number,
            prefix=self.prefix,
            created=local(created),  # type: ignore[arg-type]
            currency=self.currency or currency,
            total=total,
            version=str(version),
            number_1c=number_1c or None,
            comment=comment,
            customer_comment=customer_comment,
            customer=counterparty(customer, row[self.customer_end]),
            lines=lines,
            delivery_name=delivery.name if delivery else None,
            delivery_id=delivery.code if delivery else None,
            delivery_price=delivery_price,
            delivery_address=delivery_address,
            delivery_allowed=delivery_allowed,
            delivery_allowed_at=local(delivery_allowed_at),
            shipment_number=shipment_number or None,
            shipment_date=local(shipped_at),
            tracking_number=tracking_number or None,
            payment_name=payment.name if payment else None,
            payment_method_id=payment.code if payment else None,
            payment_operation=(
                T.OPERATION_CASH_PAYMENT
                if payment and payment.cash
                else T.OPERATION_CASHLESS_PAYMENT
            ),
            paid=paid,
            paid_at=local(paid_at),
            payment_number=payment_number or None,
            canceled=canceled,
            canceled_at=local(canceled_at),
            cancel_reason=cancel_reason,
            status_id=status.code if status else None,
            status_name=status.name if status else None,
            final=bool(status and status.final),
            status_changed_at=local(status_changed),
            site_id=storefront.code if storefront else None,
            site_name=storefront.name if storefront else None,
        )
