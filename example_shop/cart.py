"""The shopping cart, kept in the visitor's session: offer primary keys and quantities.

Prices and stock are never stored in the cart: every time it is shown they
are read again from what 1C last sent, so a price 1C changed applies at once
and an offer 1C took off sale shows as unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from cml_exchange.models import Offer
from example_shop.catalog import OfferCard, cards_of

SESSION_KEY = "cart"
#: The most of one offer a cart takes.
MAX_QUANTITY = 999


@dataclass
class CartLine:
    offer_id: int
    quantity: int
    card: OfferCard | None  # None: the offer is no longer on sale
    #: The cart's currency (its first priced line's) when this line is priced in another one.
    cart_currency: str = ""
    #: The name of an offer no longer on sale (``card`` None), if it is still in the database.
    gone_name: str = ""

    @property
    def amount(self) -> Decimal | None:
        if self.card is None or self.card.price is None:
            return None
        return self.card.price * self.quantity

    @property
    def problem(self) -> str:
        """Why this line cannot be ordered as it is, in Russian; empty when it can."""
        if self.card is None or not self.card.available:
            return "Нет в наличии"
        if self.quantity > self.card.quantity:
            left = f"{self.card.quantity.normalize():f}".replace(".", ",")
            return f"В наличии только {left}"
        if self.cart_currency:
            return (
                f"Цена в {self.card.currency}, а корзина в {self.cart_currency}: "
                "оформите отдельным заказом"
            )
        return ""


class Cart:
    """The cart of one session. Changes are saved with the session."""

    def __init__(self, session: SessionBase) -> None:
        self.session = session
        self.items: dict[str, int] = dict(session.get(SESSION_KEY, {}))

    def add(self, offer_id: int, quantity: int = 1) -> None:
        key = str(offer_id)
        self.set(offer_id, self.items.get(key, 0) + quantity)

    def set(self, offer_id: int, quantity: int) -> None:
        """Put ``quantity`` of the offer in the cart; 0 or less takes it out."""
        key = str(offer_id)
        if quantity <= 0:
            self.items.pop(key, None)
        else:
            self.items[key] = min(quantity, MAX_QUANTITY)
        self._save()

    def clear(self) -> None:
        self.items = {}
        self._save()

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.items
        self.session.modified = True

    @property
    def count(self) -> int:
        return sum(self.items.values())

    def lines(self) -> list[CartLine]:
        """The cart's lines in the order they were added, with today's prices and stock."""
        ids = [int(key) for key in self.items]
        cards = cards_of(Offer.objects.filter(pk__in=ids))
        lines = [CartLine(pk, self.items[str(pk)], cards.get(pk)) for pk in ids]
        gone = [line.offer_id for line in lines if line.card is None]
        if gone:  # the buyer is told which of their goods left the catalog
            names = dict(Offer.objects.filter(pk__in=gone).values_list("pk", "name"))
            for line in lines:
                if line.card is None:
                    line.gone_name = names.get(line.offer_id, "")
        currency = self.currency(lines)
        for line in lines:  # one order is in one currency: 1C takes one per document
            card = line.card
            if card is not None and card.price is not None and card.currency != currency:
                line.cart_currency = currency
        return lines

    @staticmethod
    def currency(lines: list[CartLine]) -> str:
        """The cart's currency: its first priced line's (1C sends one per price type)."""
        priced = (line.card for line in lines if line.card and line.card.price is not None)
        return next((card.currency for card in priced), "RUB")

    @staticmethod
    def total(lines: list[CartLine]) -> Decimal:
        """The sum of the lines in the cart's currency (others are a line's problem)."""
        return sum(
            (line.amount or Decimal(0) for line in lines if not line.cart_currency), Decimal(0)
        )
