"""PostgreSQL: an import that grows the catalog's tables gives the planner their statistics.

Without them PostgreSQL plans each batch's lookups by a thousand ids for the
few rows the tables held at their last ``ANALYZE`` and reads the whole catalog
for each (a first import of 100,000 products took 128–143 s instead of 100–117 s). The
runner analyzes a table once it holds twice the rows it held then, and
:data:`~cml_exchange.importer.statistics.GROWTH_FLOOR` rows at least; these tests
lower that floor to a few hundred rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks.generator import generate_catalog
from cml_exchange.importer import ImportOptions, create_job, sql, statistics
from cml_exchange.models import Catalog, Offer, Product
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _planned_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return float(cursor.fetchone()[0])


def _analyzed(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relid = %s::regclass",
            [table],
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.parametrize("scan_beside", [False, True], ids=["scan-first", "scan-beside"])
def test_the_tables_an_import_fills_are_analyzed_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any, scan_beside: bool
) -> None:
    """Batch by batch; beside the scan, at the latest once the verdict commits the batches."""
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1 if scan_beside else 0
    monkeypatch.setattr(statistics, "GROWTH_FLOOR", 200)
    generate_catalog(tmp_path, 600, seed=3)
    job = create_job(
        ["import.xml", "offers.xml"], base_dir=tmp_path, options=ImportOptions(batch_size=100)
    )
    assert_done(run_to_end(job))

    products, offers = Product._meta.db_table, Offer._meta.db_table
    assert _analyzed(products) and _analyzed(offers)
    # Analyzed on the way (at 200 rows or more, then at twice that), not only at the end:
    # the last statistics count at least half of what the tables hold now.
    assert _planned_rows(products) >= Product.objects.count() / 2
    assert _planned_rows(offers) >= Offer.objects.count() / 2


def _three_hundred_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, seed: int) -> str:
    """300 generated products imported, the growth floor at 200; the products' table."""
    monkeypatch.setattr(statistics, "GROWTH_FLOOR", 200)
    generate_catalog(tmp_path, 300, seed=seed)
    assert_done(run_to_end(create_job(["import.xml"], base_dir=tmp_path)))
    return Product._meta.db_table


def test_rows_committed_with_the_scans_verdict_are_looked_at_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """A file read whole while the scan beside it runs: its one batch commits with the verdict.

    The look made before that commit cannot count the batch's rows yet; the one after it does.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    monkeypatch.setattr(statistics, "GROWTH_FLOOR", 200)
    generate_catalog(tmp_path, 300, seed=4)
    job = create_job(["import.xml"], base_dir=tmp_path, options=ImportOptions(batch_size=1000))
    assert_done(run_to_end(job))

    assert _planned_rows(Product._meta.db_table) == Product.objects.count() == 300


def test_a_table_is_analyzed_again_only_once_it_has_doubled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    products = _three_hundred_imported(tmp_path, monkeypatch, seed=5)
    assert _planned_rows(products) == Product.objects.count() == 300  # analyzed at its end

    assert statistics.refresh(connection) == []  # nothing grew since
    catalog = Product.objects.first().catalog  # type: ignore[union-attr]
    Product.objects.bulk_create(
        Product(catalog=catalog, external_id=f"new-{n}", name="Новый", slug=f"new-{n}")
        for n in range(299)
    )
    assert products not in statistics.refresh(connection)  # 599 rows: not twice 300
    Product.objects.create(catalog=catalog, external_id="new-299", name="Новый", slug="new-299")
    assert products in statistics.refresh(connection)  # 600 rows
    assert _planned_rows(products) == 600
    assert statistics.refresh(connection) == []


def test_an_import_does_not_wait_for_a_table_another_session_is_analyzing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The lock ``ANALYZE`` needs is held elsewhere (a ``VACUUM``, say): no statistics, no wait."""
    monkeypatch.setattr(statistics, "GROWTH_FLOOR", 200)
    generate_catalog(tmp_path, 300, seed=8)
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
    ) as other:
        other.execute("LOCK TABLE cml_exchange_product IN SHARE UPDATE EXCLUSIVE MODE")
        assert_done(run_to_end(create_job(["import.xml"], base_dir=tmp_path)))
        assert _planned_rows(Product._meta.db_table) <= 0  # never analyzed since emptied
    assert Product.objects.count() == 300
    assert "Could not refresh the catalog tables' statistics" in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"


def _looks(queries: CaptureQueriesContext) -> int:
    """How many times the tables' statistics were looked at among ``queries``."""
    return sum("pg_stat_get_live_tuples" in query["sql"] for query in queries.captured_queries)


def test_imports_far_from_any_tables_next_analyze_do_not_look_after_each_batch(
    tmp_path: Path, settings: Any
) -> None:
    """300 products, 12 batches or more, and 10,000 rows before a table goes stale: one look.

    So it is for an unchanged re-import, which adds no rows, and for a first import of
    small files (1C's split packages), each far from any table's next ``ANALYZE``.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0  # no transaction held for a scan beside
    generate_catalog(tmp_path, 300, seed=11)
    options = ImportOptions(batch_size=50)
    with CaptureQueriesContext(connection) as first:
        assert_done(
            run_to_end(create_job(["import.xml", "offers.xml"], base_dir=tmp_path, options=options))
        )
    with CaptureQueriesContext(connection) as again:
        done = assert_done(
            run_to_end(create_job(["import.xml", "offers.xml"], base_dir=tmp_path, options=options))
        )
    assert done.summary["products_unchanged"] == 300
    assert done.summary["offers_unchanged"] == Offer.objects.count()
    assert _looks(first) == 1  # the step's first look only: too few rows added since
    assert _looks(again) == 1  # likewise: nothing was added since


def test_a_step_looks_again_once_its_rows_could_make_a_table_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted by the rows each insert reports, and by the rows ``COPY`` takes in.

    The growth floor at 200, the app's tables empty but for a few rows (the catalog, the
    order statuses): the first look finds some 190 rows lacking before one goes stale. A
    statement that may add rows without saying how many brings a look.
    """
    monkeypatch.setattr(statistics, "GROWTH_FLOOR", 200)
    catalog = Catalog.objects.create(external_id="catalog", name="Каталог")
    products = Product._meta.db_table

    def added(first: int, count: int) -> None:
        Product.objects.bulk_create(
            Product(catalog=catalog, external_id=f"p-{n}", name="Товар", slug=f"p-{n}")
            for n in range(first, first + count)
        )

    with statistics.watching(connection):
        with CaptureQueriesContext(connection) as first:
            assert statistics.refresh(connection) == []
        assert _looks(first) == 1
        added(0, 150)
        with CaptureQueriesContext(connection) as below:
            assert statistics.refresh(connection) == []
        assert _looks(below) == 0  # 150 rows added
        added(150, 50)
        assert statistics.refresh(connection) == [products]  # 200 rows: the floor
        # Now each table lacks some 190 rows or more (the products' 200).
        rows = [
            {"catalog_id": catalog.pk, "external_id": f"c-{n}", "name": "Товар", "slug": f"c-{n}"}
            for n in range(150)
        ]  # fmt: skip
        sql.insert(Product, rows)
        with CaptureQueriesContext(connection) as copied:
            assert statistics.refresh(connection) == []
        assert _looks(copied) == 0  # 150 rows copied in
        sql.insert(
            Product,
            [
                {**row, "external_id": f"{row['slug']}+", "slug": f"{row['slug']}+"}
                for row in rows[:60]
            ],
        )
        assert statistics.refresh(connection) == [products]  # 410 rows: twice 200
        with connection.cursor() as cursor:
            cursor.execute(  # the rows it adds (none) are not its row count
                "WITH copied AS (SELECT * FROM cml_exchange_product WHERE false)"
                " INSERT INTO cml_exchange_product SELECT * FROM copied"
            )
        with CaptureQueriesContext(connection) as uncounted:
            statistics.refresh(connection)
        assert _looks(uncounted) == 1


def test_rows_given_to_other_tables_bring_no_look_at_one_near_its_next_analyze(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each table is counted for itself: prices copied in say nothing of the products.

    The growth floor at 200 and 150 products stored: the products lack 50 rows, every
    other table about 200. Catalogs and products given as many rows as that in all bring
    no look until the products themselves are given their 50.
    """
    monkeypatch.setattr(statistics, "GROWTH_FLOOR", 200)
    catalog = Catalog.objects.create(external_id="catalog", name="Каталог")
    products = Product._meta.db_table

    def product_rows(prefix: str, count: int) -> list[dict[str, object]]:
        return [
            {"catalog_id": catalog.pk, "external_id": f"{prefix}-{n}", "name": "Товар",
             "slug": f"{prefix}-{n}"}
            for n in range(count)
        ]  # fmt: skip

    sql.insert(Product, product_rows("p", 150))
    with statistics.watching(connection):
        assert statistics.refresh(connection) == []  # the first look: 150 of 200
        sql.insert(Catalog, [{"external_id": f"c-{n}", "name": "Каталог"} for n in range(120)])
        sql.insert(Product, product_rows("q", 40))
        with CaptureQueriesContext(connection) as elsewhere:
            assert statistics.refresh(connection) == []
        assert _looks(elsewhere) == 0  # 160 rows given, but only 40 to the products
        with connection.cursor() as cursor:  # an unquoted name: PostgreSQL folds its case
            cursor.execute(
                "INSERT INTO CML_EXCHANGE_PRODUCT (catalog_id, external_id, name, slug, active,"
                " published, created, updated, full_name, code, article, barcode, description,"
                " manufacturer, country, deleted, version, checksum, source_digest)"
                " SELECT %s, 'r-' || n, 'Товар', 'r-' || n, true, true, now(), now(), '', '',"
                " '', '', '', '', '', false, '', '', 0 FROM generate_series(1, 10) AS n",
                [catalog.pk],
            )
        assert statistics.refresh(connection) == [products]  # 200 products: the floor


def test_inside_a_transaction_only_the_steps_first_look_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transaction held for a scan beside: its rows are counted once it commits.

    A look inside it could not count them; the first look of a step is made
    wherever it comes (another process may have filled the tables before it).
    """
    monkeypatch.setattr(statistics, "GROWTH_FLOOR", 200)
    catalog = Catalog.objects.create(external_id="catalog", name="Каталог")
    rows = [
        {"catalog_id": catalog.pk, "external_id": f"p-{n}", "name": "Товар", "slug": f"p-{n}"}
        for n in range(300)
    ]
    with statistics.watching(connection):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as first:
                assert statistics.refresh(connection) == []
            sql.insert(Product, rows)
            with CaptureQueriesContext(connection) as held:
                assert statistics.refresh(connection) == []
        assert _looks(first) == 1
        assert _looks(held) == 0
        assert statistics.refresh(connection) == [Product._meta.db_table]  # committed


def test_rows_added_in_a_step_are_looked_at_however_they_came(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An insert through Django's cursor, or psycopg's ``COPY`` (``sql.insert``), brings a look."""
    products = _three_hundred_imported(tmp_path, monkeypatch, seed=12)
    catalog = Product.objects.first().catalog  # type: ignore[union-attr]

    with statistics.watching(connection):
        assert statistics.refresh(connection) == []  # the first look
        with CaptureQueriesContext(connection) as quiet:
            assert statistics.refresh(connection) == []
        assert _looks(quiet) == 0
        Product.objects.bulk_create(
            Product(catalog=catalog, external_id=f"new-{n}", name="Новый", slug=f"new-{n}")
            for n in range(300)
        )
        assert statistics.refresh(connection) == [products]  # 600 rows: twice 300
        assert statistics.refresh(connection) == []
        rows = [
            {"catalog_id": catalog.pk, "external_id": f"copied-{n}", "name": "Новый",
             "slug": f"copied-{n}"}
            for n in range(600)
        ]  # fmt: skip
        sql.insert(Product, rows)
        assert statistics.refresh(connection) == [products]  # 1,200 rows, copied in
    with CaptureQueriesContext(connection) as outside:
        assert statistics.refresh(connection) == []
    assert _looks(outside) == 1  # outside a step every call looks, as before
