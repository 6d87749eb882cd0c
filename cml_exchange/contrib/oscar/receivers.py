"""Signal receivers of the Oscar adapter (connected by ``OscarAdapterConfig.ready()``).

An Oscar order, line or payment source saved on the site raises the order's version, so the
next ``sale&mode=query`` sends it to 1C again. A change the orders adapter
applies for 1C (inside :func:`from_1c`) does not: 1C has it already.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.models import OrderState

Order: Any = get_model("order", "Order")
Line: Any = get_model("order", "Line")
Source: Any = get_model("payment", "Source")

_FROM_1C: ContextVar[bool] = ContextVar("cml_exchange_oscar_from_1c", default=False)


@contextmanager
def from_1c() -> Iterator[None]:
    """Changes made inside are 1C's: they do not make the order due for 1C again."""
    token = _FROM_1C.set(True)
    try:
        yield
    finally:
        _FROM_1C.reset(token)


def bump(order_id: int, *, create: bool = True) -> None:
    """Raise the order's version (with ``create``, its row is made if it has none)."""
    if _FROM_1C.get():
        return
    updated = OrderState.objects.filter(order_id=order_id).update(version=F("version") + 1)
    if not updated and create:
        OrderState.objects.get_or_create(order_id=order_id)


def order_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        bump(instance.pk)


def line_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.order_id:
        bump(instance.order_id)


def line_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The order may be going too (the lines go first): no row is made for it.
    bump(instance.order_id, create=False)


post_save.connect(order_saved, sender=Order, dispatch_uid="cml_exchange_oscar_order_saved")
post_save.connect(line_saved, sender=Line, dispatch_uid="cml_exchange_oscar_line_saved")
post_save.connect(line_saved, sender=Source, dispatch_uid="cml_exchange_oscar_payment_saved")
post_delete.connect(line_deleted, sender=Line, dispatch_uid="cml_exchange_oscar_line_deleted")
