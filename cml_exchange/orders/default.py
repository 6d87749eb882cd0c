"""The default order adapter: the app's own ``Order`` models."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.models import (
    DeliveryService,
    ExchangeSettings,
    Order,
    OrderStatus,
    PaymentMethod,
)
from cml_exchange.orders.adapter import ListEntry, OrderAdapter, OutgoingOrder, ReferenceLists
from cml_exchange.orders.apply import apply_changes
from cml_exchange.orders.export import due_orders, due_site_orders

#: Ids per ``UPDATE … WHERE pk IN (…)``: well under SQLite's limit of bound variables.
UPDATE_CHUNK = 900


class ModelOrderAdapter(OrderAdapter):
    """Orders, statuses, payment methods and delivery services of ``cml_exchange.models``."""

    def pending(self, settings: ExchangeSettings) -> Iterator[OutgoingOrder]:
        due = due_site_orders(
            due_orders(settings), prefix=settings.number_prefix, currency=settings.replace_currency
        )
        for pk, version, order in due:
            yield OutgoingOrder(key=str(pk), version=version, order=order)

    def delivered(self, sent: Sequence[tuple[str, int]]) -> None:
        by_version: dict[int, list[int]] = defaultdict(list)
        for key, version in sent:
            if key.isdigit():
                by_version[version].append(int(key))
        for version, keys in by_version.items():
            for start in range(0, len(keys), UPDATE_CHUNK):
                Order.objects.filter(
                    pk__in=keys[start : start + UPDATE_CHUNK], exported_version__lt=version
                ).update(exported_version=version)

    def apply(self, changes: OrderChanges, settings: ExchangeSettings) -> list[str]:
        return apply_changes(changes, settings)

    def reference(self) -> ReferenceLists:
        def entries(model: type[OrderStatus | PaymentMethod | DeliveryService]) -> list[ListEntry]:
            rows = model.objects.filter(active=True).order_by("position", "name")
            return [ListEntry(id=row.code, name=row.name) for row in rows]

        return ReferenceLists(
            statuses=entries(OrderStatus),
            payment_systems=entries(PaymentMethod),
            delivery_services=entries(DeliveryService),
        )
