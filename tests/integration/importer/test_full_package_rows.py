"""A full offers package lists all of an offer's prices and stock: the rest is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.models import Price, Stock
from tests.integration.importer import cml_files
from tests.integration.importer.cml_files import Item, Lot
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = pytest.mark.django_db


def import_(directory: Path, name: str, text: str) -> None:
    cml_files.write(directory, name, text)
    job = create_job([name], base_dir=directory, options=ImportOptions())
    assert_done(run_to_end(job))


def rows() -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """The stored prices and stock rows, as (offer, price type or warehouse, whole number)."""
    prices = Price.objects.values_list("offer__external_id", "price_type__external_id", "value")
    stock = Stock.objects.values_list("offer__external_id", "warehouse__external_id", "quantity")
    return (
        {(offer, kind, f"{value:.0f}") for offer, kind, value in prices},
        {(offer, place, f"{amount:.0f}") for offer, place, amount in stock},
    )


def test_prices_and_stock_a_full_package_leaves_out_are_deleted(tmp_path: Path) -> None:
    import_(tmp_path, "import.xml", cml_files.catalog("c", [Item("p1", "Куртка")]))
    both = {"retail": "100", "wholesale": "80"}
    lot = Lot("p1", prices=both, stock={"main": "1", "shop": "2"})
    import_(tmp_path, "offers.xml", cml_files.offers("c", [lot]))
    assert rows() == (
        {("p1", "retail", "100"), ("p1", "wholesale", "80")},
        {("p1", "main", "1"), ("p1", "shop", "2")},
    )

    # Changes only: what is not mentioned stays.
    lot = Lot("p1", prices={"retail": "90"}, stock={"main": "3"})
    import_(tmp_path, "offers.xml", cml_files.offers("c", [lot], only_changes=True))
    assert rows() == (
        {("p1", "retail", "90"), ("p1", "wholesale", "80")},
        {("p1", "main", "3"), ("p1", "shop", "2")},
    )

    # In full, with an offer new to the site beside it: what is not mentioned is gone.
    lots = [Lot("p1", prices={"retail": "95"}, stock={"shop": "4"}), Lot("p1#red", prices=both)]
    import_(tmp_path, "offers.xml", cml_files.offers("c", lots))
    assert rows() == (
        {("p1", "retail", "95"), ("p1#red", "retail", "100"), ("p1#red", "wholesale", "80")},
        {("p1", "shop", "4")},
    )
