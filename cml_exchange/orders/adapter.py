"""The contract between the orders exchange and whatever keeps a shop's orders.

The exchange (``type=sale``) never touches order models itself: it asks an
:class:`OrderAdapter`. The default one, :class:`~cml_exchange.orders.default.ModelOrderAdapter`,
uses the app's own models; a shop with its own order models names its
adapter in the Django setting ``CML_EXCHANGE_ORDER_ADAPTER`` (a dotted path
to a class made with no arguments). ``docs/orders.md`` has a worked example.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from cml_exchange.adapters import make_adapter
from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.commerceml.writing.orders import SiteOrder
from cml_exchange.conf import app_settings

if TYPE_CHECKING:
    from cml_exchange.models import ExchangeSettings


@dataclass(frozen=True, slots=True)
class OutgoingOrder:
    """One order for ``mode=query``: its key, the version being sent, and its content.

    ``key`` is how the adapter finds the order again in :meth:`OrderAdapter.delivered`
    (at most 64 characters); ``version`` must rise whenever the order changes.
    """

    key: str
    version: int
    order: SiteOrder


@dataclass(frozen=True, slots=True)
class ListEntry:
    """An entry of the lists ``mode=info`` sends: the id 1C knows it by, and its name."""

    id: str
    name: str


@dataclass(slots=True)
class ReferenceLists:
    """What ``mode=info`` sends: order statuses, payment systems, delivery services."""

    statuses: list[ListEntry] = field(default_factory=list)
    payment_systems: list[ListEntry] = field(default_factory=list)
    delivery_services: list[ListEntry] = field(default_factory=list)


class OrderAdapter:
    """What the orders exchange needs from a shop. Subclass it and override all four methods.

    The exchange itself applies the settings every shop shares: the number
    prefix and the currency replacement are set on each outgoing
    :class:`SiteOrder`, so :meth:`pending` yields the shop's own values.
    """

    #: The orders tab's settings (``ExchangeSettings`` field names) this adapter does
    #: not apply: the settings page shows them disabled and says so, so an owner
    #: does not count on an option that changes nothing.
    settings_not_applied: ClassVar[frozenset[str]] = frozenset()

    def pending(self, settings: ExchangeSettings) -> Iterable[OutgoingOrder]:
        """The orders 1C has not seen in their current version, as ``settings`` filter them.

        Yield them lazily (a generator over a chunked query): there may be
        thousands, and the exchange writes each one as it comes.
        """
        raise NotImplementedError

    def delivered(self, sent: Sequence[tuple[str, int]]) -> None:
        """1C confirmed (``mode=success``) these ``(key, version)`` pairs of the last query.

        Mark each order's ``version`` as the one 1C has, unless 1C already has
        a later one; an order changed since has a higher version and stays
        pending. It may be called twice with the same pairs.
        """
        raise NotImplementedError

    def apply(self, changes: OrderChanges, settings: ExchangeSettings) -> list[str]:
        """Apply what 1C did to one order; return messages for 1C (empty when all went in).

        Everything of one document, or nothing: wrap it in a transaction.
        ``"Заказ №N на сайте не найден."`` is the message for an unknown order.
        A change applied here must not make the order pending again.
        """
        raise NotImplementedError

    def reference(self) -> ReferenceLists:
        """The statuses, payment systems and delivery services for ``mode=info``."""
        raise NotImplementedError


def get_order_adapter() -> OrderAdapter:
    """The adapter named by ``CML_EXCHANGE_ORDER_ADAPTER`` (default: the app's own models)."""
    return make_adapter("CML_EXCHANGE_ORDER_ADAPTER", app_settings.ORDER_ADAPTER, OrderAdapter)
