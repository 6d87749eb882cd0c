"""The admin's lists an order needs, filled with a fresh 1C-Bitrix's defaults when empty.

A shop that takes orders before anyone has opened the admin still needs a
storefront, statuses, payment methods and delivery services. Lists that
already hold rows are never touched, active or not.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction

from cml_exchange.models import DeliveryService, OrderStatus, PaymentMethod, Storefront

_M = TypeVar("_M", bound=models.Model)

#: Statuses: (code, name, position, final).
STATUSES = [
    ("N", "Принят", 10, False),
    ("P", "Оплачен, формируется к отправке", 20, False),
    ("F", "Выполнен", 30, True),
]
#: Payment methods: (code, name, position, cash).
PAYMENT_METHODS = [("1", "Наличные курьеру", 10, True), ("2", "Банковская карта", 20, False)]
#: Delivery services: (code, name, position, price).
DELIVERY_SERVICES = [("1", "Самовывоз", 10, Decimal(0)), ("2", "Курьер", 20, Decimal(350))]


def ensure_reference_lists() -> list[str]:
    """Fill every empty list with its defaults; the Russian names of the lists filled.

    The storefront list gets ``s1`` «Интернет-магазин», as 1C-Bitrix's first site.
    """
    created = []
    with transaction.atomic():
        if not Storefront.objects.exists():
            Storefront.objects.create(code="s1", name="Интернет-магазин")
            created.append("витрина s1 «Интернет-магазин»")
        if _fill(OrderStatus, STATUSES, "final"):
            created.append("статусы заказов")
        if _fill(PaymentMethod, PAYMENT_METHODS, "cash"):
            created.append("способы оплаты")
        if _fill(DeliveryService, [row[:3] for row in DELIVERY_SERVICES]):
            created.append("службы доставки")
    return created


def active(model: type[_M]) -> list[_M]:
    """The active rows of an admin list, in the admin's order."""
    return list(model._default_manager.filter(active=True).order_by("position", "name", "pk"))


def _fill(model: type[models.Model], defaults: list[Any], flag: str | None = None) -> bool:
    """Give an empty list ``defaults`` (``(code, name, position[, flag])``); whether it did."""
    manager = model._default_manager
    if manager.exists():
        return False
    manager.bulk_create(
        model(code=row[0], name=row[1], position=row[2], **({flag: row[3]} if flag else {}))
        for row in defaults
    )
    return True
