"""Rows found through a partial index, and the statements that find them (both databases)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cml_exchange.importer import partial_indexes
from cml_exchange.models import Catalog, Offer, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return Catalog.objects.create(external_id="cat", name="Каталог")


def test_a_partial_index_says_whether_it_holds_a_row_of_a_scope(catalog):
    """Whether an offer of a catalog waits for its product: one look in their index."""
    other = Catalog.objects.create(external_id="other", name="Другой")
    third = Catalog.objects.create(external_id="third", name="Третий")
    product = Product.objects.create(catalog=catalog, external_id="p1", name="Куртка", slug="k")
    Offer.objects.create(catalog=other, external_id="p1#1", product_external_id="p1")
    Offer.objects.create(
        catalog=third, external_id="p1#2", product_external_id="p1", product=product
    )

    def waits_in(scope: Catalog) -> bool:
        return partial_indexes.any_in_partial_index(
            Offer, "cml_offer_waiting_product", catalog=scope.pk
        )

    with CaptureQueriesContext(connection) as queries:
        assert (waits_in(catalog), waits_in(other), waits_in(third)) == (False, True, False)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {queries[-1]['sql']}")
            plan = " ".join(str(step[-1]) for step in cursor.fetchall())
            assert "INDEX cml_offer_waiting_product (catalog_id=?)" in plan
        else:
            # Thousands of offers wait in another catalog, thousands have their products in
            # this one: not the index of every offer without a product, walked for the
            # catalog that has none (its offers a fifth of all, the planner expects one soon).
            Offer.objects.bulk_create(
                Offer(catalog=other, external_id=f"w{n}", product_external_id=f"w{n}")
                for n in range(3000)
            )
            Offer.objects.bulk_create(
                Offer(catalog=catalog, external_id=f"p1#{n}", product=product)
                for n in range(3, 1000)
            )
            cursor.execute("ANALYZE cml_exchange_offer")
            with CaptureQueriesContext(connection) as queries:
                assert not waits_in(catalog)
            cursor.execute(f"EXPLAIN {queries[-1]['sql']}")
            plan = " ".join(step[0] for step in cursor.fetchall())
            assert "using cml_offer_waiting_product" in plan
            assert f"Index Cond: (catalog_id = {catalog.pk})" in plan


def test_rows_of_a_partial_index_are_found_through_it(catalog):
    """Offers waiting for their product, by the product's id, within the catalog.

    On SQLite the statement must walk the partial index, not every offer without
    a product (what its planner picks when the query leaves the choice to it).
    """
    other = Catalog.objects.create(external_id="other", name="Другой")
    product = Product.objects.create(catalog=catalog, external_id="p1", name="Куртка", slug="k")
    waiting = Offer.objects.create(catalog=catalog, external_id="p1#1", product_external_id="p1")
    Offer.objects.create(catalog=catalog, external_id="p2#1", product_external_id="p2")
    other_waiting = Offer.objects.create(
        catalog=other, external_id="p1#1", product_external_id="p1"
    )
    Offer.objects.create(
        catalog=catalog, external_id="p1#2", product_external_id="p1", product=product
    )

    with CaptureQueriesContext(connection) as queries:
        found = partial_indexes.pks_in_partial_index(
            Offer,
            "cml_offer_waiting_product",
            "product_external_id",
            ["p1", "p3"],
            catalog=catalog.pk,
        )

    assert found == [waiting.pk]
    assert not partial_indexes.pks_in_partial_index(
        Offer, "cml_offer_waiting_product", "product_external_id", []
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {queries[-1]['sql']}")
            plan = " ".join(str(step[-1]) for step in cursor.fetchall())
        assert "USING INDEX cml_offer_waiting_product" in plan
        # A value JSON cannot carry to SQLite as it is (a NUL) goes as Django's query.
        found = partial_indexes.pks_in_partial_index(
            Offer, "cml_offer_waiting_product", "product_external_id", ["p1", "a\x00b"]
        )
        assert sorted(found) == [waiting.pk, other_waiting.pk]
