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
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.generator import generate_catalog
from cml_exchange.importer import ImportOptions, create_job, sql, statistics
from cml_exchange.models import Offer, Product
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


def test_an_unchanged_re_import_does_not_look_at_the_statistics_after_each_batch(
    tmp_path: Path,
) -> None:
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
    assert _looks(first) >= 12  # after each of the first import's batches
    assert _looks(again) == 1  # the step's first look only: nothing was added since


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
