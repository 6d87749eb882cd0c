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

from collections.abc import Callable
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
from cml_exchange.importer.checksum_key import CLEARED
from cml_exchange.models import Offer, Product

OscarProduct: Any = get_model("catalogue", "Product")
StockRecord: Any = get_model("partner", "StockRecord")
Partner: Any = get_model("partner", "Partner")
Category: Any = get_model("catalogue", "Category")

#: How the rows of a deletion of many, begun at an origin of the model, find their items:
#: ``{model of origins: function of the origin's rows (a queryset, or [one row])}``.
Whole = dict[type[Model], Callable[[Any], QuerySet[Any]]]


def _items_of(
    receiver: str, origin: Any, using: str, own: Callable[[], QuerySet[Any]], whole: Whole
) -> QuerySet[Any] | None:
    """The items a row of a deletion on the site leaves out of date, or ``None``: nothing to do.

    ``own()`` gives the row's own; at the first row of a deletion of many that
    ``whole`` knows, all the deletion's, and nothing at its later rows. A
    deletion the app's rows began, or the adapter's own, leaves none.
    """
    if from_app(origin) or not site_deletion(using):
        return None
    build = whole.get(model_of(origin))  # type: ignore[arg-type]
    if build is None:
        return own()
    if not first_of_deletion(using, origin, receiver):
        return None
    return build(origin if isinstance(origin, QuerySet) else [origin])


def forget_unlinked_product(
    sender: type[Model],
    instance: ProductLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """The Oscar product of an app product is going: 1C's next exchange writes the product again."""
    products = Product._default_manager.db_manager(using)
    items = _items_of(
        "product_link",
        origin,
        using,
        lambda: products.filter(pk=instance.product_id),
        {OscarProduct: lambda many: products.filter(oscar_link__oscar_product__in=many)},
    )
    if items is not None:
        items.update(**CLEARED[Product])


def forget_unlinked_offer(
    sender: type[Model],
    instance: OfferLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """The Oscar product an offer is sold as is going (its stock records with it): the same."""
    offers = Offer._default_manager.db_manager(using)
    items = _items_of(
        "offer_link",
        origin,
        using,
        lambda: offers.filter(pk=instance.offer_id),
        {
            OscarProduct: lambda many: offers.filter(
                Q(oscar_link__oscar_product__in=many)
                | Q(oscar_link__oscar_product__parent__in=many)
            )
        },
    )
    if items is not None:
        items.update(**CLEARED[Offer])


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
    if model_of(origin) is OscarProduct:
        return
    offers = Offer._default_manager.db_manager(using)
    items = _items_of(
        "stock_record",
        origin,
        using,
        lambda: offers.filter(oscar_link__oscar_product_id=instance.product_id),
        {
            Partner: lambda many: offers.filter(
                oscar_link__oscar_product__stockrecords__partner__in=many
            ),
            StockRecord: lambda many: offers.filter(
                oscar_link__oscar_product__stockrecords__in=many
            ),
        },
    )
    if items is None:
        return
    from cml_exchange.importer.loaders.offers import PRICES, STOCK

    items.update(prices_checksum="", prices_digest=0, stock_checksum="", stock_digest=0)
    # The element of the offer's identity carried these parts too (``Offer.source_parts``).
    items.annotate(carried=F("source_parts").bitand(PRICES | STOCK)).exclude(carried=0).update(
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
    products = Product._default_manager.db_manager(using)
    items = _items_of(
        "category_link",
        origin,
        using,
        lambda: products.filter(group_links__group_id=instance.group_id),
        {Category: lambda many: products.filter(group_links__group__oscar_link__category__in=many)},
    )
    if items is not None:
        items.update(**CLEARED[Product])


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
    if from_app(origin) or not site_deletion(using):
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
        products.filter(**named).update(**CLEARED[Product])
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
