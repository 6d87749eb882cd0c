"""What a shop owner compares: the app's catalog and Oscar's catalogue, counted and priced.

:func:`expected` reads the app's models only (what 1C sent, as the importer
kept it) and says what Oscar's catalogue should hold; :func:`in_oscar` counts
Oscar's. Neither uses the adapter's code.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from oscar.core.loading import get_model

from cml_exchange.models import Group, Offer, Price, PriceType, Product, Stock

OscarProduct: Any = get_model("catalogue", "Product")
Category: Any = get_model("catalogue", "Category")
StockRecord: Any = get_model("partner", "StockRecord")
ProductImage: Any = get_model("catalogue", "ProductImage")


def is_parent(offers: list[Offer]) -> bool:
    return len(offers) > 1 or any(offer.characteristics.exists() for offer in offers)


def expected() -> dict[str, int]:
    """Oscar's counts as the app's rows say they should be."""
    by_product: dict[int, list[Offer]] = defaultdict(list)
    for offer in Offer.objects.filter(product__isnull=False):
        by_product[offer.product_id or 0].append(offer)
    parents = {pk for pk, offers in by_product.items() if is_parent(offers)}
    stock_rows = dict(
        Stock.objects.values_list("offer_id").annotate(n=_count()).values_list("offer_id", "n")
    )
    sold = [offer for offers in by_product.values() for offer in offers]
    return {
        "products": Product.objects.count(),
        "parents": len(parents),
        "children": sum(len(by_product[pk]) for pk in parents),
        "public": Product.objects.filter(active=True).count(),
        "categories": Group.objects.count(),
        "public_categories": Group.objects.filter(active=True).count(),
        "stockrecords": sum(max(1, stock_rows.get(offer.pk, 0)) for offer in sold),
        "images": sum(p.images.count() for p in Product.objects.all()),
    }


def in_oscar() -> dict[str, int]:
    tops = OscarProduct.objects.exclude(structure="child")
    return {
        "products": tops.count(),
        "parents": tops.filter(structure="parent").count(),
        "children": OscarProduct.objects.filter(structure="child").count(),
        "public": tops.filter(is_public=True).count(),
        "categories": Category.objects.count(),
        "public_categories": Category.objects.filter(is_public=True).count(),
        "stockrecords": StockRecord.objects.count(),
        "images": ProductImage.objects.count(),
    }


def _count() -> Any:
    from django.db.models import Count

    return Count("pk")


def preferred_price_types() -> list[PriceType]:
    """The setting's price types (by 1C id or name), else all, those 1C declared first."""
    wanted = getattr(settings, "CML_EXCHANGE_OSCAR_PRICE_TYPE", "") or []
    wanted = [wanted] if isinstance(wanted, str) else wanted
    types = list(PriceType.objects.order_by("-declared", "pk"))
    if not wanted:
        return types
    chosen: list[PriceType] = []
    for name in wanted:
        found = [t for t in types if t.external_id == name] or [t for t in types if t.name == name]
        chosen += [t for t in found if t not in chosen]
    return chosen


def prices_and_stock() -> tuple[dict[str, Any], dict[str, Any]]:
    """``(want, got)``: price and stock of each offer in the app, and in Oscar, by 1C id.

    An offer's price is its price in the first preferred type it has one in.
    """
    prices: dict[int, Decimal] = {}
    for price_type in reversed(preferred_price_types()):
        for price in Price.objects.filter(price_type=price_type, value__isnull=False):
            prices[price.offer_id] = price.value.quantize(Decimal("0.01"), ROUND_HALF_UP)  # type: ignore[union-attr]
    stock: dict[int, dict[str, int | None]] = defaultdict(dict)
    for row in Stock.objects.select_related("warehouse"):
        stock[row.offer_id][row.warehouse.external_id] = _whole(row.quantity)
    want = {}
    for offer in Offer.objects.filter(product__isnull=False):
        want[offer.external_id] = (
            prices.get(offer.pk),
            stock.get(offer.pk) or {"": _whole(offer.quantity)},
        )
    got: dict[str, Any] = {}
    for record in StockRecord.objects.select_related(
        "product__cml_offer_link__offer", "partner__cml_link__warehouse"
    ):
        offer = record.product.cml_offer_link.offer
        warehouse = record.partner.cml_link.warehouse
        price, levels = got.setdefault(offer.external_id, (record.price, {}))
        assert price == record.price
        levels[warehouse.external_id if warehouse else ""] = record.num_in_stock
    return want, got


def _whole(quantity: Decimal | None) -> int | None:
    if quantity is None:
        return None
    return max(0, int(quantity.to_integral_value(ROUND_FLOOR)))
