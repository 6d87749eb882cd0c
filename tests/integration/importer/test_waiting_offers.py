"""Offers that come before their product wait for it, in their own catalog only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.models import Offer
from tests.integration.importer import cml_files
from tests.integration.importer.cml_files import Item, Lot
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = pytest.mark.django_db


def import_(directory: Path, name: str, text: str) -> dict[str, int]:
    cml_files.write(directory, name, text)
    job = create_job([name], base_dir=directory, options=ImportOptions())
    return assert_done(run_to_end(job)).summary


def linked() -> dict[tuple[str, str], str | None]:
    return {
        (catalog, offer): product
        for catalog, offer, product in Offer.objects.values_list(
            "catalog__external_id", "external_id", "product__external_id"
        )
    }


def test_offers_get_their_products_of_their_own_catalog_when_those_come(tmp_path: Path) -> None:
    # An offer of a product's characteristic (found by its base id), one of the product
    # itself, and one of an item УТ 10.3 puts in the catalog as "product#characteristic".
    lots = [Lot("p1#red"), Lot("p2"), Lot("p4#blue")]
    summary = import_(tmp_path, "offers_b.xml", cml_files.offers("B", lots))
    assert summary["offers_without_product"] == 3
    waiting = {("B", "p1#red"): None, ("B", "p2"): None, ("B", "p4#blue"): None}
    assert linked() == waiting

    # The same ids in another catalog are other products.
    summary = import_(tmp_path, "import_a.xml", cml_files.catalog("A", [Item("p1", "Куртка")]))
    assert "offers_linked" not in summary
    assert linked() == waiting

    items = [Item("p1", "Куртка"), Item("p2", "Шапка"), Item("p3", "Шарф"), Item("p4#blue", "Шарф")]
    summary = import_(tmp_path, "import_b.xml", cml_files.catalog("B", items))
    assert summary["offers_linked"] == 3
    placed = {("B", "p1#red"): "p1", ("B", "p2"): "p2", ("B", "p4#blue"): "p4#blue"}
    assert linked() == placed

    # Sent again unchanged, the catalog is passed over; nothing waits, nothing changes.
    summary = import_(tmp_path, "import_b.xml", cml_files.catalog("B", items))
    assert summary.get("items_passed") == 4 and "offers_linked" not in summary
    assert linked() == placed


def test_products_of_a_catalog_where_no_offer_waits_do_not_look_for_waiting_offers(
    tmp_path: Path,
) -> None:
    """Offers of another catalog wait: a batch of products looks in its own catalog only.

    Neither a catalog's first import nor an unchanged one passed over looks its products'
    ids up among waiting offers; in the catalog where an offer waits, they are.
    """
    import_(tmp_path, "offers_b.xml", cml_files.offers("B", [Lot("p1#red")]))
    catalog_a = cml_files.catalog("A", [Item("p1", "Куртка"), Item("p2", "Шапка")])

    def offers_looked_up_by_id(name: str, text: str) -> tuple[list[str], dict[str, int]]:
        with CaptureQueriesContext(connection) as queries:
            summary = import_(tmp_path, name, text)
        assert "offers_linked" not in summary
        looked_up = [
            query["sql"]
            for query in queries.captured_queries
            if "cml_exchange_offer" in query["sql"] and "p1" in query["sql"]
        ]
        return looked_up, summary

    looked_up, _summary = offers_looked_up_by_id("import_a.xml", catalog_a)
    assert looked_up == []
    looked_up, summary = offers_looked_up_by_id("import_a.xml", catalog_a)
    assert looked_up == [] and summary["items_passed"] == 2  # passed over
    summary = import_(tmp_path, "import_b.xml", cml_files.catalog("B", [Item("p1", "Куртка")]))
    assert summary["offers_linked"] == 1
    assert linked() == {("B", "p1#red"): "p1"}


def test_offers_whose_prices_change_are_counted_without_product_while_they_wait(
    tmp_path: Path,
) -> None:
    """Only the prices change: an offer that waits is still told of, a placed one is not."""
    lots = [Lot("p1#red"), Lot("p2")]
    assert (
        import_(tmp_path, "offers_b.xml", cml_files.offers("B", lots))["offers_without_product"]
        == 2
    )
    repriced = [Lot("p1#red", price="90"), Lot("p2", price="90")]
    summary = import_(tmp_path, "offers_b.xml", cml_files.offers("B", repriced))
    assert summary["prices"] == 2 and summary["offers_without_product"] == 2

    items = [Item("p1", "Куртка"), Item("p2", "Шапка")]
    assert import_(tmp_path, "import_b.xml", cml_files.catalog("B", items))["offers_linked"] == 2
    repriced = [Lot("p1#red", price="80"), Lot("p2", price="80")]
    summary = import_(tmp_path, "offers_b.xml", cml_files.offers("B", repriced))
    assert summary["prices"] == 2 and "offers_without_product" not in summary
    assert linked() == {("B", "p1#red"): "p1", ("B", "p2"): "p2"}


@pytest.mark.parametrize(
    "again",
    ["", "<!-- sent again -->"],
    ids=["the same file, passed over", "the file read, its offers passed over"],
)
def test_offers_still_waiting_are_told_of_at_every_exchange(tmp_path: Path, again: str) -> None:
    """An unchanged offer that cannot be sold yet is never passed over in silence."""
    text = cml_files.offers("B", [Lot("p1#red"), Lot("p2"), Lot("p3")])
    import_(tmp_path, "import_b.xml", cml_files.catalog("B", [Item("p3", "Шарф")]))
    assert import_(tmp_path, "offers_b.xml", text)["offers_without_product"] == 2

    summary = import_(tmp_path, "offers_b.xml", text + again)

    assert summary["offers_without_product"] == 2
    assert summary["offers_unchanged"] == 3 and "offers_updated" not in summary
