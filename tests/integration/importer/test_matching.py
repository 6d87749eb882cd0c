"""A product new to the catalog takes over the shop's product with the same article or barcode."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.generator import generate_catalog
from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.models import ImportJob, Product
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = pytest.mark.django_db


def import_(directory: Path, *files: str, **options: Any) -> ImportJob:
    job = create_job(
        list(files or ["import.xml"]), base_dir=directory, options=ImportOptions(**options)
    )
    assert_done(run_to_end(job))
    job.refresh_from_db()
    return job


def new_base(directory: Path) -> dict[str, str]:
    """As a new 1C base exports the same goods: every product gets a new Ид; old id -> new."""
    path = directory / "import.xml"
    tree = etree.parse(path)
    renamed = {}
    for ident in tree.xpath("//*[local-name()='Товар']/*[local-name()='Ид']"):
        renamed[ident.text] = ident.text = str(uuid.uuid4())
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    return renamed


@pytest.fixture
def shop(tmp_path: Path) -> dict[str, int]:
    """A catalog imported from the old base; 1C id -> pk."""
    generate_catalog(tmp_path, 20, seed=3)
    import_(tmp_path)
    return dict(Product.objects.values_list("external_id", "pk"))


@pytest.mark.parametrize("field", ["article", "barcode"])
def test_a_new_1c_base_takes_over_the_products_it_already_had(
    tmp_path: Path, shop: dict[str, int], field: str
) -> None:
    slugs = dict(Product.objects.values_list("pk", "slug"))
    # Some generated products have no barcode: those cannot be matched by it.
    known = dict(Product.objects.exclude(**{field: ""}).values_list("external_id", "pk"))
    assert len(known) >= len(shop) - 5
    renamed = new_base(tmp_path)
    job = import_(tmp_path, match_products_by=field)
    assert Product.objects.count() == 2 * len(shop) - len(known)
    now = dict(Product.objects.values_list("external_id", "pk"))
    assert {renamed[old]: now[renamed[old]] for old in known} == {
        renamed[old]: pk for old, pk in known.items()
    }
    kept = dict(Product.objects.filter(pk__in=known.values()).values_list("pk", "slug"))
    assert kept == {pk: slugs[pk] for pk in known.values()}  # addresses stay
    assert job.counters["products_matched"] == len(known)
    assert job.counters.get("products_created", 0) == len(shop) - len(known)
    assert job.warning_counts["product_matched"] == len(known)


def test_without_matching_a_new_base_doubles_the_catalog(
    tmp_path: Path, shop: dict[str, int]
) -> None:
    new_base(tmp_path)
    job = import_(tmp_path)
    assert Product.objects.count() == 2 * len(shop)
    assert job.counters["products_created"] == len(shop)
    assert "products_matched" not in job.counters


def test_an_ambiguous_value_makes_a_new_product_and_says_so(
    tmp_path: Path, shop: dict[str, int]
) -> None:
    first, second = Product.objects.order_by("pk")[:2]
    Product.objects.filter(pk=second.pk).update(article=first.article)
    new_base(tmp_path)
    job = import_(tmp_path, match_products_by="article")
    # The first's article is on two products now, the second's on none: both are new.
    assert Product.objects.count() == len(shop) + 2
    assert job.counters["products_matched"] == len(shop) - 2
    assert job.warning_counts["product_match_ambiguous"] == 1
    assert any(first.article in w["message"] for w in job.warnings)


def test_a_product_still_sent_under_its_own_id_is_not_taken(
    tmp_path: Path, shop: dict[str, int]
) -> None:
    """The same article under two ids in one exchange: the old id keeps its product."""
    path = tmp_path / "import.xml"
    tree = etree.parse(path)
    original = tree.xpath("//*[local-name()='Товары']/*[local-name()='Товар']")[0]
    twin = copy.deepcopy(original)
    twin.xpath("*[local-name()='Ид']")[0].text = "twin-of-the-first"
    original.getparent().append(twin)  # after the original, as 1C lists a copy made later
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    job = import_(tmp_path, match_products_by="article")
    assert Product.objects.count() == len(shop) + 1
    assert "products_matched" not in job.counters
    assert set(Product.objects.values_list("external_id", flat=True)) >= set(shop)
