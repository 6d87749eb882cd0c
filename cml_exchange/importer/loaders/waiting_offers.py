"""Offers that came before their product, linked to it when it comes.

An offers file may come before the goods (CommerceML 3.1 sends them in files of
their own), or name a product 1C never sends: such an offer is stored without
its product, in the partial index ``cml_offer_waiting_product``, and gets it
when a batch of products (written, or passed over) brings it.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from cml_exchange.importer import partial_indexes
from cml_exchange.importer.adapter import overrides
from cml_exchange.importer.loaders.adapting import tell_offers, tell_prices, tell_stock
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import Offer, Product


def offers_wait_in(catalog: int) -> bool:
    """Whether an offer of ``catalog`` waits for its product."""
    return partial_indexes.any_in_partial_index(Offer, "cml_offer_waiting_product", catalog=catalog)


def link_waiting_offers(session: ImportSession, catalog: int, product_ids: list[str]) -> None:
    """Offers that came before their product get it now (an exact id first, then the base id).

    The catalog adapter is told of them then, prices and stock included: it
    could not place them without their product.
    """
    # Nearly always no offer of the catalog waits: one look in the index of those that do
    # spares the lookups by the batch's ids (two of 1,000 ids, 10 ms on PostgreSQL).
    if not product_ids or not offers_wait_in(catalog):
        return
    products = Product.objects.filter(catalog_id=catalog)
    # By the catalog's unique ids, and by the partial index of offers waiting: with both
    # in one statement SQLite walks every offer of the catalog.
    found = {
        *Offer.objects.filter(
            catalog_id=catalog, external_id__any=product_ids, product__isnull=True
        ).values_list("pk", flat=True),
        *partial_indexes.pks_in_partial_index(
            Offer, "cml_offer_waiting_product", "product_external_id", product_ids, catalog=catalog
        ),
    }
    if not found:
        return
    waiting = Offer.objects.filter(pk__any=list(found), product__isnull=True)
    told = overrides(session.adapter, "save_offers")
    linked = list(waiting.values_list("pk", flat=True)) if told else []
    linked_count = waiting.update(
        product_id=Coalesce(
            Subquery(products.filter(external_id=OuterRef("external_id")).values("pk")[:1]),
            Subquery(products.filter(external_id=OuterRef("product_external_id")).values("pk")[:1]),
        )
    )
    session.count("offers_linked", linked_count)
    if linked:
        placed = list(
            Offer.objects.filter(pk__any=linked, product__isnull=False).values_list("pk", flat=True)
        )
        tell_offers(session, placed, created=())
        tell_prices(session, placed)
        tell_stock(session, placed)
