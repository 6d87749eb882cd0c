"""Files of a split (CommerceML 3.1) exchange in any order give the same shop.

1C's Bitrix extension sends groups and properties before the goods that name
them, but nothing in the protocol makes it so: a product that names a group
or property the site has not seen yet keeps the reference, with a warning,
and gets it when the group or property arrives, in that exchange or a later
one. The files are tests/data/cml31/ (its README.md gives the counts).
"""

from __future__ import annotations

import random
from collections.abc import Sequence, Set
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cml_exchange.importer import Done, ImportOptions, create_job
from cml_exchange.importer.adapter import AdapterContext, CatalogAdapter
from cml_exchange.models import (
    Group,
    ImportJob,
    Offer,
    OfferCharacteristic,
    OfferPropertyValue,
    PendingReference,
    Price,
    Product,
    ProductGroup,
    ProductPropertyValue,
    Stock,
)
from tests.cml31 import CML31, catalog_files
from tests.integration.importer.helpers import run_to_end

pytestmark = pytest.mark.django_db

IN_ORDER = [path.name for path in catalog_files()]


def import_(files: Sequence[str], base_dir: Path = CML31) -> ImportJob:
    job = create_job(list(files), base_dir=base_dir, options=ImportOptions())
    assert isinstance(run_to_end(job), Done)
    job.refresh_from_db()
    return job


def shop() -> dict[str, Any]:
    """What a buyer and the shop owner see, by 1C ids (database keys left out)."""
    return {
        "groups": sorted(Group.objects.values_list("external_id", "name", "parent__external_id")),
        "products": sorted(
            Product.objects.values_list("external_id", "name", "active", "base_unit__code")
        ),
        "in_groups": sorted(
            ProductGroup.objects.values_list("product__external_id", "group__external_id")
        ),
        "product_values": sorted(
            ProductPropertyValue.objects.values_list(
                "product__external_id", "property__external_id", "value", "option__external_id"
            )
        ),
        "offers": sorted(Offer.objects.values_list("external_id", "product__external_id")),
        "offer_values": sorted(
            OfferPropertyValue.objects.values_list(
                "offer__external_id", "property__external_id", "value"
            )
        ),
        "characteristics": sorted(
            OfferCharacteristic.objects.values_list("offer__external_id", "name", "value")
        ),
        "prices": sorted(
            Price.objects.values_list("offer__external_id", "price_type__external_id", "value")
        ),
        "stock": sorted(
            Stock.objects.values_list("offer__external_id", "warehouse__name", "quantity")
        ),
    }


def in_order_shop() -> dict[str, Any]:
    import_(IN_ORDER)
    expected = shop()
    for model in (Group, Product, Offer):
        model.objects.all().delete()
    return expected


def test_the_files_in_1cs_order_give_the_readme_counts() -> None:
    import_(IN_ORDER)
    found = shop()
    assert (len(found["groups"]), len(found["products"]), len(found["offers"])) == (6, 12, 16)
    assert len(found["in_groups"]) == 12  # each product in its group
    assert (len(found["prices"]), len(found["stock"])) == (30, 30)
    assert not PendingReference.objects.exists()


@pytest.mark.parametrize("seed", ["reversed", 1, 2, 3])
def test_any_order_gives_the_same_shop(seed: str | int) -> None:
    expected = in_order_shop()
    files = list(reversed(IN_ORDER))
    if seed != "reversed":
        random.Random(seed).shuffle(files)  # noqa: S311 (a test order, not a secret)
    job = import_(files)
    assert shop() == expected
    assert not PendingReference.objects.exists()
    if files.index(next(f for f in files if f.startswith("goods"))) < files.index(
        next(f for f in files if f.startswith("groups"))
    ):
        assert job.counters["pending_groups_linked"] > 0
        assert any("попадет в нее, когда 1С ее пришлет" in w["message"] for w in job.warnings)


def test_a_group_that_comes_in_a_later_exchange_still_gets_its_products() -> None:
    goods = [name for name in IN_ORDER if not name.startswith("groups")]
    import_(goods)
    assert not ProductGroup.objects.exists()
    assert PendingReference.objects.filter(kind="group").count() == 12
    # The next exchange sends the groups alone; the goods, unchanged, are not sent again.
    import_([name for name in IN_ORDER if name.startswith("groups")])
    assert ProductGroup.objects.count() == 12
    assert not PendingReference.objects.exists()


def test_a_product_sent_again_replaces_what_it_was_waiting_for() -> None:
    goods = [name for name in IN_ORDER if name.startswith("goods")]
    import_(goods)
    waiting = PendingReference.objects.count()
    assert waiting > 0
    Product.objects.update(checksum="")  # changed in 1C: written again
    import_(goods)
    assert PendingReference.objects.count() == waiting  # not twice


class Recorder(CatalogAdapter):
    """Keeps the groups each product had when the adapter was told of it."""

    told: ClassVar[list[tuple[str, tuple[str, ...]]]] = []
    loads: ClassVar[dict[str, tuple[str, ...]]] = {"save_products": ("groups",)}

    def save_products(
        self, context: AdapterContext, products: Sequence[Product], *, created: Set[int]
    ) -> None:
        type(self).told += [
            (p.external_id, tuple(sorted(g.external_id for g in p.groups.all()))) for p in products
        ]


def test_the_catalog_adapter_hears_of_products_once_their_groups_arrive(settings: Any) -> None:
    settings.CML_EXCHANGE_CATALOG_ADAPTER = "tests.integration.importer.test_any_order.Recorder"
    Recorder.told = []
    import_([name for name in IN_ORDER if not name.startswith("groups")])
    assert Recorder.told and all(groups == () for _, groups in Recorder.told)
    Recorder.told = []
    import_([name for name in IN_ORDER if name.startswith("groups")])
    assert len(Recorder.told) == 12
    assert all(len(groups) == 1 for _, groups in Recorder.told)


@pytest.mark.parametrize("again", ["", "<!-- sent again -->"], ids=["same files", "files read"])
@pytest.mark.parametrize("kinds", [("goods",), ("goods", "offers")], ids=["goods", "offers too"])
def test_references_still_waiting_are_told_of_at_every_exchange(
    tmp_path: Path, kinds: tuple[str, ...], again: str
) -> None:
    """Unchanged products and offers that still miss a group or value are never passed in silence.

    Without its groups and properties, the goods leave references waiting (the offers
    too, for the properties of offers); sent again unchanged, they still wait, and the
    reconciliation says so again: whether their files are passed over whole, or read
    (their bytes differ) and their items passed over one by one.
    """
    files = [name for name in IN_ORDER if name.startswith(kinds)]
    first = import_(files).counters
    assert first["references_waiting"] == PendingReference.objects.count() > 12
    offer_values = PendingReference.objects.filter(kind="offer_value")
    assert offer_values.exists() == ("offers" in kinds)
    for name in files:
        (tmp_path / name).write_bytes((CML31 / name).read_bytes() + again.encode())

    counters = import_(files, base_dir=tmp_path).counters

    assert counters["products_unchanged"] == 12 and "products_updated" not in counters
    assert counters["references_waiting"] == first["references_waiting"]
    assert PendingReference.objects.count() == first["references_waiting"]
