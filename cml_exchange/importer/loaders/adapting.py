"""Telling the catalog adapter what a batch changed, with the rows loaded as its contract says.

Each function is one call of the adapter per batch and kind, after the
app's rows are written and inside the batch's transaction. When the adapter
does not override the method (the default adapter overrides none), nothing
is loaded at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db.models import Prefetch

from cml_exchange.importer.adapter import CatalogModel, overrides
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


def tell_groups(session: ImportSession, pks: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_groups"):
        return
    groups = Group.objects.filter(pk__in=pks).select_related("parent", "classifier")
    session.adapter.save_groups(session.adapter_context, list(groups.order_by("path", "pk")))


def tell_products(session: ImportSession, pks: Collection[int], created: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_products"):
        return
    products = (
        Product.objects.filter(pk__in=pks)
        .select_related("catalog", "base_unit", "category")
        .prefetch_related(
            "groups",
            Prefetch(
                "property_values",
                ProductPropertyValue.objects.select_related("property", "option"),
            ),
            "requisites",
            "taxes",
            "images",
        )
        .order_by("pk")
    )
    session.adapter.save_products(session.adapter_context, list(products), created=set(created))


def tell_offers(session: ImportSession, pks: Collection[int], created: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_offers"):
        return
    offers = (
        Offer.objects.filter(pk__in=pks)
        .select_related("catalog", "product", "base_unit")
        .prefetch_related(
            "characteristics",
            Prefetch(
                "property_values", OfferPropertyValue.objects.select_related("property", "option")
            ),
        )
        .order_by("pk")
    )
    session.adapter.save_offers(session.adapter_context, list(offers), created=set(created))


def tell_prices(session: ImportSession, pks: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_prices"):
        return
    offers = (
        Offer.objects.filter(pk__in=pks)
        .select_related("catalog", "product")
        .prefetch_related(Prefetch("prices", Price.objects.select_related("price_type")))
        .order_by("pk")
    )
    session.adapter.save_prices(session.adapter_context, list(offers))


def tell_stock(session: ImportSession, pks: Collection[int]) -> None:
    if not pks or not overrides(session.adapter, "save_stock"):
        return
    offers = (
        Offer.objects.filter(pk__in=pks)
        .select_related("catalog", "product")
        .prefetch_related(Prefetch("stock", Stock.objects.select_related("warehouse")))
        .order_by("pk")
    )
    session.adapter.save_stock(session.adapter_context, list(offers))


def tell_deactivated(session: ImportSession, model: CatalogModel, pks: Sequence[int]) -> None:
    if pks and overrides(session.adapter, "deactivate"):
        session.adapter.deactivate(session.adapter_context, model, pks)
