"""``OscarCatalogAdapter``: the importer's changes, written into django-oscar's catalogue.

Name it in the settings::

    CML_EXCHANGE_CATALOG_ADAPTER = "cml_exchange.contrib.oscar.adapter.OscarCatalogAdapter"

What goes where:

============================  ==========================================================
the app's (1C's)              Oscar's
============================  ==========================================================
catalog                       a product class named after it (its products' attributes)
group                         a category, in the same tree (treebeard)
product                       a stand-alone product, or a parent when its offers have
                              characteristics or it has several offers
offer                         the stand-alone product itself, or a child of the parent
property value, characteristic  an attribute value (the attribute made per class)
warehouse                     a partner (renamed with it); stock without a warehouse: one partner
                              (``CML_EXCHANGE_OSCAR_PARTNER_NAME``)
price of the chosen type      the stock records' price (``CML_EXCHANGE_OSCAR_PRICE_TYPE``)
stock                         the stock records' ``num_in_stock``
picture                       a product image on the same stored file
deactivated                   ``is_public`` false
deleted                       deleted
============================  ==========================================================

Each method reads and writes in batches: a few queries per call, whatever
the number of rows (categories aside: treebeard places them one by one).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence, Set
from typing import Any, ClassVar

from django.db.models import Q
from django.utils import timezone
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar import categories, images, stock
from cml_exchange.contrib.oscar import products as oscar_products
from cml_exchange.contrib.oscar.attributes import rename_attributes, save_attributes
from cml_exchange.contrib.oscar.db import chunks
from cml_exchange.contrib.oscar.mirroring import mirrors
from cml_exchange.contrib.oscar.models import OfferLink, ProductLink
from cml_exchange.contrib.oscar.search import index_later
from cml_exchange.contrib.oscar.structure import place
from cml_exchange.importer.adapter import (
    AdapterContext,
    CatalogAdapter,
    CatalogModel,
    DeclaredModel,
)
from cml_exchange.models import Group, Offer, Product, Property, Warehouse

OscarProduct: Any = get_model("catalogue", "Product")


class OscarCatalogAdapter(CatalogAdapter):
    """Mirrors the app's catalog into Oscar's: categories, products, children, stock records.

    One adapter serves one import step. It remembers what each offer's stock
    records were made from (its prices and stock checksums), so the prices
    and stock calls that follow an offer's placement in the same batch do not
    write them again.
    """

    #: What the adapter reads of the rows it is given; it reads the rest itself, in bulk.
    loads: ClassVar[Mapping[str, Collection[str]]] = {
        "save_products": ("catalog",),
        "save_offers": (),
        "save_prices": (),
        "save_stock": (),
    }

    def __init__(self) -> None:
        self._stocked: dict[int, stock.Source] = {}

    def _stock(self, context: AdapterContext, offer_pks: Collection[int]) -> None:
        self._stocked.update(stock.save_stock(context, offer_pks))

    def _stock_changed(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        due = [
            offer.pk
            for offer in offers
            if self._stocked.get(offer.pk) != (offer.prices_checksum, offer.stock_checksum)
        ]
        self._stock(context, due)
        index_later(_sold_as(due))

    @mirrors
    def save_groups(self, context: AdapterContext, groups: Sequence[Group]) -> None:
        categories.save_groups(context, groups)

    @mirrors
    def save_products(
        self, context: AdapterContext, products: Sequence[Product], *, created: Set[int]
    ) -> None:
        if not products:
            return
        links, made = oscar_products.save_products(context, products)
        pictured = products
        if "pictures" in context.options.site_owned:  # the site's after they are first set
            pictured = [p for p in products if links[p.pk] in made]
        images.save_images(context, pictured, links)
        placement = place(context, [p.pk for p in products])
        save_attributes(
            context, [t for t in placement.targets if t.product or t.offer in placement.relinked]
        )
        self._stock(context, placement.relinked)
        index_later(links.values())

    @mirrors
    def save_offers(
        self, context: AdapterContext, offers: Sequence[Offer], *, created: Set[int]
    ) -> None:
        placed = [offer for offer in offers if offer.product_id is not None]
        context.count("oscar_offers_waiting", len(offers) - len(placed))
        if not placed:
            return
        # An offer that moved to another product leaves the one it was sold under.
        moved_from = {
            pk
            for pair in OfferLink.objects.filter(offer_id__in=[o.pk for o in placed]).values_list(
                "oscar_product__parent__cml_product_link__product_id",
                "oscar_product__cml_product_link__product_id",
            )
            for pk in pair
            if pk is not None
        }
        product_pks = {offer.product_id for offer in placed if offer.product_id} | moved_from
        placement = place(context, product_pks)
        told = {offer.pk for offer in placed}
        save_attributes(
            context,
            [t for t in placement.targets if t.offer in told or t.offer in placement.relinked],
        )
        self._stock(context, placement.relinked)
        index_later({target.oscar for target in placement.targets})

    @mirrors
    def save_prices(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        self._stock_changed(context, offers)

    @mirrors
    def save_stock(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        self._stock_changed(context, offers)

    @mirrors
    def save_declared(
        self, context: AdapterContext, model: DeclaredModel, pks: Sequence[int]
    ) -> None:
        if model is Property:
            rename_attributes(context, pks)
        elif model is Warehouse:
            stock.rename_partners(context, pks)
        else:  # a price type's name may choose it, its currency is the records'
            for offers in chunks(stock.priced_in(pks)):  # all a catalog's, it may be
                self._stock(context, offers)
                index_later(_sold_as(offers))

    @mirrors
    def deactivate(self, context: AdapterContext, model: CatalogModel, pks: Sequence[int]) -> None:
        if model is Group:
            categories.hide_groups(context, pks)
            return
        # What 1C said is kept on the links, so that 1C's "active again" shows them again.
        if model is Product:
            links = ProductLink.objects.filter(product_id__in=pks)
            tops = list(links.values_list("oscar_product_id", flat=True))
            links.update(public_1c=False)
            OfferLink.objects.filter(oscar_product__parent_id__in=tops).update(public_1c=False)
            hidden = OscarProduct.objects.filter(Q(pk__in=tops) | Q(parent_id__in=tops))
        else:
            offer_links = OfferLink.objects.filter(offer_id__in=pks)
            sold = list(offer_links.values_list("oscar_product_id", flat=True))
            offer_links.update(public_1c=False)
            # A stand-alone product is sold as its offer: hidden with it.
            ProductLink.objects.filter(oscar_product_id__in=sold).update(public_1c=False)
            hidden = OscarProduct.objects.filter(pk__in=sold)
        hidden = hidden.filter(is_public=True)
        touched = list(hidden.values_list("pk", flat=True))
        hidden.update(is_public=False, date_updated=timezone.now())
        context.count("oscar_products_hidden", len(touched))
        index_later(touched)

    @mirrors
    def delete(self, context: AdapterContext, model: CatalogModel, pks: Sequence[int]) -> None:
        if model is Group:
            categories.delete_groups(context, pks)
        elif model is Product:
            tops = list(
                ProductLink.objects.filter(product_id__in=pks).values_list(
                    "oscar_product_id", flat=True
                )
            )
            images.delete_images_of(tops)
            doomed = OscarProduct.objects.filter(pk__in=tops)
            context.count("oscar_products_deleted", doomed.count())
            doomed.delete()
            index_later(tops)
        else:
            product_pks = set(
                Offer.objects.filter(pk__in=pks, product__isnull=False).values_list(
                    "product_id", flat=True
                )
            )
            placement = place(context, product_pks, dropping=pks)
            # A stand-alone product's offer going leaves its link to the product itself.
            OfferLink.objects.filter(offer_id__in=pks).delete()
            # A parent left with one plain offer is stand-alone again: sold as itself.
            relinked = placement.relinked - set(pks)
            save_attributes(context, [t for t in placement.targets if t.offer in relinked])
            self._stock(context, relinked)
            index_later({target.oscar for target in placement.targets})


def _sold_as(offer_pks: Sequence[int]) -> list[int]:
    """The Oscar products these offers are sold as."""
    return list(
        OfferLink.objects.filter(offer_id__in=offer_pks).values_list("oscar_product_id", flat=True)
    )
