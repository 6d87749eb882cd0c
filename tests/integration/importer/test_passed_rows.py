"""How a passed file's rows are found: a step's index of the stored digests, then the rows.

The index only says where to look; the rows read by pk decide (issue 17).
"""

from __future__ import annotations

import pytest

from cml_exchange.models import Offer, Product, ScannedFile
from tests.integration.importer.passed_files import (
    CATALOG,
    OFFERS,
    import_files,
    passed_over,
)

pytestmark = pytest.mark.django_db


def test_a_file_of_more_items_than_one_statement_takes_is_passed_over_the_same(
    tmp_path, saved, monkeypatch
):
    """Rows are read and offered to waiting offers a few thousand at a time."""
    from cml_exchange.importer.loaders import passed

    monkeypatch.setattr(passed, "_CHUNK", 2)
    import_files(tmp_path / "1", {"import.xml": CATALOG, "offers.xml": OFFERS})
    Offer.objects.filter(external_id__in=["p1", "p3"]).update(product=None)
    saved.products.clear()
    job = import_files(tmp_path / "2", {"import.xml": CATALOG})
    assert passed_over(saved) and job.counters["items_passed"] == 3
    assert job.counters.get("offers_linked") == 2
    assert all(o.product.external_id == o.external_id for o in Offer.objects.all())


def test_the_same_elements_in_two_catalogs_pass_each_catalogs_file_over_with_its_own_rows(
    tmp_path, saved
):
    """One element, one digest, in two catalogs: each file's pass takes its own catalog's rows."""
    other = CATALOG.replace("<Ид>cat</Ид>", "<Ид>cat2</Ид>")
    import_files(tmp_path / "1", {"import.xml": CATALOG})
    import_files(tmp_path / "2", {"import.xml": other})
    theirs = sorted(
        Product.objects.filter(catalog__external_id="cat2").values_list("pk", flat=True)
    )
    saved.products.clear()
    job = import_files(tmp_path / "3", {"import.xml": other})
    assert job.counters["items_passed"] == 3
    assert saved.products == [([], theirs)]


def test_a_row_changed_after_the_steps_index_was_read_has_the_file_read(tmp_path):
    """The index only says where to look: the rows themselves decide."""
    from cml_exchange.importer.loaders.passed import DigestIndex, stored_items
    from cml_exchange.importer.scans import kept_items

    import_files(tmp_path / "1", {"import.xml": CATALOG})
    (digest,) = ScannedFile.objects.exclude(items_kind="").values_list("digest", flat=True)
    items = kept_items(digest)
    assert items is not None
    catalog = Product.objects.values_list("catalog_id", flat=True).first()
    assert catalog is not None
    index = DigestIndex(Product)
    assert stored_items(items, catalog, index) == sorted(
        Product.objects.values_list("pk", flat=True)
    )
    Product.objects.filter(external_id="p2").update(active=False)
    assert stored_items(items, catalog, index) is None
    Product.objects.filter(external_id="p2").update(active=True, source_digest=1)
    assert stored_items(items, catalog, index) is None


def test_the_index_gives_every_row_of_a_digest_and_none_of_another(monkeypatch):
    """Digests in a few buckets, some held by several rows, some by an offer's three columns."""
    from cml_exchange.importer.loaders.passed import DigestIndex
    from cml_exchange.models import Catalog

    monkeypatch.setattr(DigestIndex, "BUCKET", 2)
    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    digests = {f"p{n}": (n % 7) * 1024 - 3 for n in range(40)}  # -3 and six more, repeated
    digests["p0"] = 0  # none: not in the index
    rows = {
        xid: Product.objects.create(
            catalog=catalog, external_id=xid, name=xid, slug=xid, source_digest=digest
        ).pk
        for xid, digest in digests.items()
    }
    offer = Offer.objects.create(
        catalog=catalog, external_id="o1", source_digest=5, prices_digest=6, stock_digest=5
    )
    index = DigestIndex(Product)
    for digest in {d for d in digests.values() if d}:
        expected = sorted(rows[xid] for xid, held in digests.items() if held == digest)
        assert sorted(index.rows_of(digest)) == expected
    assert index.rows_of(0) == [] and index.rows_of(12345) == []
    held = {digest for digest in digests.values() if digest}
    assert index.rows_of_each(held) == {digest: index.rows_of(digest) for digest in held}
    assert index.rows_of_each([*held, 12345]) is None  # one item of a file not held: read it
    offers = DigestIndex(Offer)
    assert offers.rows_of(5) == [offer.pk, offer.pk] and offers.rows_of(6) == [offer.pk]


@pytest.mark.parametrize("bucket", [1, 4])
def test_the_index_agrees_with_a_dict_across_buckets(monkeypatch, bucket):
    """Stored digests over the whole signed 64-bit range, duplicated, in every bucket.

    Each digest the index was built from gives exactly the rows that hold it, whichever
    bucket (first, last, neighbours) it fell in; any other value gives none.
    """
    import random

    from cml_exchange.importer.loaders.passed import DigestIndex
    from cml_exchange.models import Catalog

    monkeypatch.setattr(DigestIndex, "BUCKET", bucket)
    lowest, highest = -(2**63), 2**63 - 1
    edges = [lowest, lowest + 1, -(2**31), -2, -1, 1, 2, 3, 2**31 - 1, 2**32, highest - 1, highest]
    chosen = random.Random(17)  # noqa: S311 -- repeatable digests, not secrets
    digests = edges + [chosen.randint(lowest, highest) for _ in range(150)]
    digests += [chosen.choice(digests) for _ in range(40)]  # some held by several rows
    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    products = Product.objects.bulk_create(
        Product(catalog=catalog, external_id=f"p{n}", name=f"p{n}", slug=f"p{n}", source_digest=d)
        for n, d in enumerate(digests)
    )
    expected: dict[int, list[int]] = {}
    for product in products:
        expected.setdefault(product.source_digest, []).append(product.pk)

    index = DigestIndex(Product)

    assert len(index._starts) > 32  # the digests spread over many buckets
    for digest, pks in expected.items():
        assert sorted(index.rows_of(digest)) == sorted(pks)
    found = index.rows_of_each(expected)
    assert found is not None
    assert {digest: sorted(pks) for digest, pks in found.items()} == {
        digest: sorted(pks) for digest, pks in expected.items()
    }
    for absent in (0, 4, -3, 2**40 + 1, chosen.randint(lowest, highest)):
        if absent not in expected:
            assert index.rows_of(absent) == []
            assert index.rows_of_each([*expected, absent]) is None
