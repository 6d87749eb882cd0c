"""The orders of ``cml_demo_orders``: what can be sold, and orders made of it.

:class:`OrderMaker` draws everything from one ``random.Random`` in a fixed
order of calls, so one seed on one catalog gives the same orders.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from cml_exchange.models import (
    Customer,
    DeliveryService,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Price,
    Storefront,
)
from cml_exchange.orders.reference import DELIVERY_SERVICES
from example_shop.demo_orders import buyers as data

#: How far back the orders' dates go.
DAYS = 60


@dataclass(frozen=True, slots=True)
class Goods:
    """An active offer that can go into an order: its ids, name, article and price."""

    offer_id: int
    external_id: str
    name: str
    article: str
    price: Decimal


def priced_offers() -> list[Goods]:
    """Active offers not marked for deletion, each at its first price above zero (by price id).

    The name is the offer's (else its product's), the article its product's
    (else its own). Sorted by 1C id, so the choice depends on the catalog,
    not on database ids.
    """
    rows = (
        Price.objects.filter(offer__active=True, offer__deleted=False, value__gt=0)
        .order_by("offer_id", "pk")
        .values_list(
            "offer_id",
            "offer__external_id",
            "offer__name",
            "offer__product__name",
            "offer__article",
            "offer__product__article",
            "value",
        )
    )
    goods: dict[int, Goods] = {}
    for offer_id, external_id, name, product_name, article, product_article, value in rows:
        if offer_id not in goods and value is not None:
            label = name or product_name or external_id
            goods[offer_id] = Goods(offer_id, external_id, label, product_article or article, value)
    return sorted(goods.values(), key=lambda item: (item.external_id, item.offer_id))


def _delivery_price(service: DeliveryService, index: int) -> Decimal:
    """The default's price for a default service, nothing for a pickup, else a courier's."""
    for _code, name, _position, price in DELIVERY_SERVICES:
        if service.name == name:
            return price
    if "самовывоз" in service.name.lower():
        return Decimal(0)
    return data.COURIER_PRICES[index % len(data.COURIER_PRICES)]


class OrderMaker:
    """Makes the orders and their lines from one ``random.Random``, in a fixed order of calls."""

    def __init__(
        self,
        rng: random.Random,
        goods: list[Goods],
        statuses: list[OrderStatus],
        methods: list[PaymentMethod],
        services: list[DeliveryService],
        storefront: Storefront,
    ) -> None:
        self.rng, self.goods, self.storefront = rng, goods, storefront
        self.methods, self.services = methods, services
        self.open = [status for status in statuses if not status.final]
        self.final = [status for status in statuses if status.final]
        self.delivery_price = {
            service.pk: _delivery_price(service, index) for index, service in enumerate(services)
        }
        self.now = timezone.now()
        self._lines: dict[str, list[OrderLine]] = {}

    def moments(self, count: int) -> list[dt.datetime]:
        """``count`` dates within the last :data:`DAYS` days, oldest first."""
        span = DAYS * 24 * 3600
        offsets = sorted((self.rng.randrange(span) for _ in range(count)), reverse=True)
        return [self.now - dt.timedelta(seconds=offset) for offset in offsets]

    def later(self, moment: dt.datetime, hours: int) -> dt.datetime:
        """A moment up to ``hours`` after ``moment``, never in the future."""
        return min(self.now, moment + dt.timedelta(minutes=self.rng.randint(5, hours * 60)))

    def order(self, number: str, customer: Customer, created: dt.datetime) -> Order:
        """An order with its lines kept for :meth:`lines_of`; the total is lines plus delivery."""
        rng = self.rng
        picked = rng.sample(self.goods, rng.randint(1, min(5, len(self.goods))))
        lines = []
        for position, goods in enumerate(picked, start=1):
            quantity = Decimal(rng.randint(1, 3))
            lines.append(
                OrderLine(
                    offer_id=goods.offer_id,
                    external_id=goods.external_id,
                    name=goods.name[:512],
                    article=goods.article,
                    price=goods.price,
                    quantity=quantity,
                    amount=goods.price * quantity,
                    position=position,
                )
            )
        self._lines[number] = lines
        service = rng.choice(self.services) if self.services else None
        delivery = self.delivery_price[service.pk] if service else Decimal(0)
        method = rng.choice(self.methods) if self.methods else None
        order = Order(
            storefront=self.storefront,
            number=number,
            created=created,
            customer=customer,
            total=sum((line.amount for line in lines), delivery),
            payment_method=method,
            delivery_service=service,
            delivery_price=delivery,
            delivery_address=customer.address if delivery else "",
            status_changed=created,
        )
        if rng.random() < 0.25:
            order.customer_comment = rng.choice(data.CUSTOMER_COMMENTS)
        order.paid = rng.random() < 0.4
        if order.paid:
            order.paid_at = order.status_changed = self.later(created, 72)
        cash = method is not None and method.cash
        if rng.random() < (0.6 if order.paid else 0.3 if cash else 0.0):
            order.delivery_allowed = True
            order.delivery_allowed_at = self.later(order.paid_at or created, 48)
        elif not order.paid and rng.random() < 0.05:
            order.canceled, order.canceled_at = True, self.later(created, 96)
            order.cancel_reason = rng.choice(data.CANCEL_REASONS)
        order.status = self.status(order)
        return order

    def status(self, order: Order) -> OrderStatus | None:
        """The first open status for a new order; a later one once paid; final when delivered."""
        if order.delivery_allowed and order.paid and self.final and self.rng.random() < 0.5:
            order.status_changed = order.delivery_allowed_at
            return self.final[0]
        if order.paid and len(self.open) > 1:
            return self.rng.choice(self.open[1:])
        candidates = self.open or self.final
        return candidates[0] if candidates else None

    def lines_of(self, order: Order) -> list[OrderLine]:
        """The lines made with ``order``, pointed at it (it must have been saved)."""
        lines = self._lines.pop(order.number)
        for line in lines:
            line.order = order
        return lines
