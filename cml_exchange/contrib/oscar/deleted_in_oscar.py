"""Oscar's rows deleted on the site (the dashboard, a script): 1C's next exchange makes them again.

An Oscar product (stand-alone, parent or child), stock record, partner,
category or attribute the adapter made, deleted on the site, left the app's
product or offer holding what 1C sent: 1C's next exchange passed it over
unchanged and it never came back, while 1C was told ``success``. The app's
items concerned now forget their checksums and element digests as the row
goes, so that exchange writes them again and the adapter makes the row anew,
as the app does for its own rows deleted on the site (``cml_exchange.receivers``).

A deletion of many (a queryset, a partner with its stock records, a parent
with its children) clears its items at its first row, in a statement or two.
Deletions the app's rows began (:mod:`~.deleted_in_app`) and the adapter's own
(:func:`~.mirroring.mirroring`) clear nothing: those items are going, or are
what the adapter made them.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, Model, Q, QuerySet
from django.db.models.signals import pre_delete
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.mirroring import (
    first_of_deletion,
    from_app,
    model_of,
    site_deletion,
)
from cml_exchange.contrib.oscar.models import (
    AttributeLink,
    CategoryLink,
    OfferLink,
    ProductClassLink,
    ProductLink,
)
from cml_exchange.models import Offer, Product

OscarProduct: Any = get_model("catalogue", "Product")
StockRecord: Any = get_model("partner", "StockRecord")
Partner: Any = get_model("partner", "Partner")
Category: Any = get_model("catalogue", "Category")

#: What an offer's Oscar product and stock records are made from: all of it, written again.
_OFFER_FORGOTTEN = {
    "checksum": "",
    "prices_checksum": "",
    "stock_checksum": "",
    "source_digest": 0,
    "prices_digest": 0,
    "stock_digest": 0,
}
_PRODUCT_FORGOTTEN = {"checksum": "", "source_digest": 0}


def _acting(origin: Any, using: str) -> bool:
    return not from_app(origin) and site_deletion(using)


def _of_deletion(
    name: str, origin: Any, using: str, whole: dict[type[Model], Any]
) -> tuple[bool, QuerySet[Any] | None]:
    """``(go on, what to clear)`` for a row of a deletion begun at ``origin``.

    ``whole`` maps a model of origins to a function giving what to clear for all
    of such an origin's deletion (a row of it, or a queryset of them). Its
    first signal clears that; later ones need nothing. ``(True, None)``: the
    origin is none of those, the row clears what it holds itself.
    """
    build = whole.get(model_of(origin))  # type: ignore[arg-type]
    if build is None:
        return True, None
    if not first_of_deletion(using, origin, name):
        return False, None
    many = origin if isinstance(origin, QuerySet) else [origin]
    return True, build(many)


def forget_unlinked_product(
    sender: type[Model],
    instance: ProductLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """The Oscar product of an app product is going: 1C's next exchange writes the product again."""
    if not _acting(origin, using):
        return
    products = Product._default_manager.db_manager(using)
    go_on, whole = _of_deletion(
        "product_link",
        origin,
        using,
        {OscarProduct: lambda many: products.filter(oscar_link__oscar_product__in=many)},
    )
    if go_on:
        (whole if whole is not None else products.filter(pk=instance.product_id)).update(
            **_PRODUCT_FORGOTTEN
        )


def forget_unlinked_offer(
    sender: type[Model],
    instance: OfferLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """The Oscar product an offer is sold as is going (its stock records with it): the same."""
    if not _acting(origin, using):
        return
    offers = Offer._default_manager.db_manager(using)
    go_on, whole = _of_deletion(
        "offer_link",
        origin,
        using,
        {
            OscarProduct: lambda many: offers.filter(
                Q(oscar_link__oscar_product__in=many)
                | Q(oscar_link__oscar_product__parent__in=many)
            )
        },
    )
    if go_on:
        (whole if whole is not None else offers.filter(pk=instance.offer_id)).update(
            **_OFFER_FORGOTTEN
        )


def forget_stock_record(
    sender: type[Model],
    instance: Any,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """A stock record the adapter made is going: its offer's prices and stock are written again.

    Not for an Oscar product's deletion: its offers forget everything
    (:func:`forget_unlinked_offer`).
    """
    if model_of(origin) is OscarProduct or not _acting(origin, using):
        return
    offers = Offer._default_manager.db_manager(using)
    go_on, whole = _of_deletion(
        "stock_record",
        origin,
        using,
        {
            Partner: lambda many: offers.filter(
                oscar_link__oscar_product__stockrecords__partner__in=many
            ),
            StockRecord: lambda many: offers.filter(
                oscar_link__oscar_product__stockrecords__in=many
            ),
        },
    )
    if go_on:
        _forget_prices_and_stock(
            whole
            if whole is not None
            else offers.filter(oscar_link__oscar_product_id=instance.product_id)
        )


def _forget_prices_and_stock(offers: QuerySet[Any]) -> None:
    from cml_exchange.importer.loaders.offers import PRICES, STOCK

    offers.update(prices_checksum="", prices_digest=0, stock_checksum="", stock_digest=0)
    # The element of the offer's identity carried these parts too (``Offer.source_parts``).
    offers.annotate(carried=F("source_parts").bitand(PRICES | STOCK)).exclude(carried=0).update(
        source_digest=0
    )


def forget_unlinked_group(
    sender: type[Model],
    instance: CategoryLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """A group's Oscar category is going, and its products' places in it: they are written again.

    1C's next exchange makes the category again (groups are read at every
    exchange); the products in it, written again, are put back in it.
    """
    if not _acting(origin, using):
        return
    products = Product._default_manager.db_manager(using)
    go_on, whole = _of_deletion(
        "category_link",
        origin,
        using,
        {Category: lambda many: products.filter(group_links__group__oscar_link__category__in=many)},
    )
    if go_on:
        (
            whole if whole is not None else products.filter(group_links__group_id=instance.group_id)
        ).update(**_PRODUCT_FORGOTTEN)


def forget_attribute(
    sender: type[Model],
    instance: AttributeLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """An attribute the adapter made is going, its values with it: their items are written again.

    A property's attribute: the products and offers of the class's catalog
    with values of that property; a characteristic's: the offers of that
    catalog with that characteristic.
    """
    if not _acting(origin, using):
        return
    catalogs = ProductClassLink._default_manager.db_manager(using).filter(
        product_class_id=instance.product_class_id
    )
    catalog = catalogs.values_list("catalog_id", flat=True).first()
    if catalog is None:
        return
    products = Product._default_manager.db_manager(using).filter(catalog_id=catalog)
    offers = Offer._default_manager.db_manager(using).filter(catalog_id=catalog)
    if instance.property_id is not None:
        named = {"property_values__property_id": instance.property_id}
        products.filter(**named).update(**_PRODUCT_FORGOTTEN)
        offers.filter(**named).update(checksum="", source_digest=0)
    else:
        offers.filter(characteristics__name=instance.characteristic).update(
            checksum="", source_digest=0
        )


def connect() -> None:
    """Connect the receivers (``OscarAdapterConfig.ready()``)."""
    for receiver, model in (
        (forget_unlinked_product, ProductLink),
        (forget_unlinked_offer, OfferLink),
        (forget_stock_record, StockRecord),
        (forget_unlinked_group, CategoryLink),
        (forget_attribute, AttributeLink),
    ):
        pre_delete.connect(receiver, model, dispatch_uid=f"cml_exchange_oscar.{receiver.__name__}")
