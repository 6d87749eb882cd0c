"""Telling the catalog adapter what a batch changed, with the rows loaded as its contract says.

Each function is one call of the adapter per batch and kind, after the
app's rows are written and inside the batch's transaction. When the adapter
does not override the method (the default adapter overrides none), nothing
is loaded at all; when it names less in ``CatalogAdapter.loads``, only that.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet

from cml_exchange.importer.adapter import (
    LOADS,
    CatalogModel,
    DeclaredModel,
    loads_of,
    overrides,
)
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import (
    Group,
    Offer,
    OfferPropertyValue,
    Price,
    Product,
    ProductPropertyValue,
    Stock,
)

#: The related rows of ``LOADS`` that are prefetched (the other names are joined).
_PREFETCHED: dict[str, Callable[[], Prefetch | str]] = {
    "groups": lambda: "groups",
    "requisites": lambda: "requisites",
    "taxes": lambda: "taxes",
    "images": lambda: "images",
    "characteristics": lambda: "characteristics",
    "prices": lambda: Prefetch("prices", Price.objects.select_related("price_type")),
    "stock": lambda: Prefetch("stock", Stock.objects.select_related("warehouse")),
}


def _loaded(session: ImportSession, method: str, queryset: QuerySet[Any]) -> list[Any]:
    """``queryset``'s rows in pk order, with what the adapter's ``method`` has loaded."""
    names = loads_of(session.adapter, method)
    joined: list[str] = []
    prefetched: list[Prefetch | str] = []
    for name in LOADS[method]:
        if name not in names:
            continue
        if name == "property_values":
            values = ProductPropertyValue if queryset.model is Product else OfferPropertyValue
            prefetched.append(Prefetch(name, values.objects.select_related("property", "option")))
        elif name in _PREFETCHED:
            prefetched.append(_PREFETCHED[name]())
        else:
            joined.append(name)
    if joined:
        queryset = queryset.select_related(*joined)
    if prefetched:
        queryset = queryset.prefetch_related(*prefetched)
    return list(queryset.order_by("pk"))


def tell_groups(session: ImportSession, pks: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_groups"):
        return
    names = loads_of(session.adapter, "save_groups")
    groups = Group.objects.filter(pk__any=pks).order_by("path", "pk")
    if names:
        groups = groups.select_related(*sorted(names))
    session.adapter.save_groups(session.adapter_context, list(groups))


def tell_products(session: ImportSession, pks: Collection[int], created: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_products"):
        return
    products = _loaded(session, "save_products", Product.objects.filter(pk__any=pks))
    session.adapter.save_products(session.adapter_context, products, created=set(created))


def tell_offers(session: ImportSession, pks: Collection[int], created: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_offers"):
        return
    offers = _loaded(session, "save_offers", Offer.objects.filter(pk__any=pks))
    session.adapter.save_offers(session.adapter_context, offers, created=set(created))


def tell_prices(session: ImportSession, pks: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_prices"):
        return
    offers = _loaded(session, "save_prices", Offer.objects.filter(pk__any=pks))
    session.adapter.save_prices(session.adapter_context, offers)


def tell_stock(session: ImportSession, pks: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_stock"):
        return
    offers = _loaded(session, "save_stock", Offer.objects.filter(pk__any=pks))
    session.adapter.save_stock(session.adapter_context, offers)


def tell_declared(session: ImportSession, model: DeclaredModel, pks: Collection[int]) -> None:
    if pks and overrides(session.adapter, "save_declared"):
        session.adapter.save_declared(session.adapter_context, model, sorted(set(pks)))


def tell_deactivated(session: ImportSession, model: CatalogModel, pks: Sequence[int]) -> None:
    if pks and overrides(session.adapter, "deactivate"):
        session.adapter.deactivate(session.adapter_context, model, pks)
