"""The adapter writes a batch in a few queries, whatever its size; a generated catalog mirrors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.generator import generate_catalog
from cml_exchange.contrib.oscar.adapter import OscarCatalogAdapter
from cml_exchange.importer import ImportOptions, create_job
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.oscar.mirror import expected, in_oscar, prices_and_stock

pytestmark = pytest.mark.django_db


class Counting(OscarCatalogAdapter):
    """The Oscar adapter, counting the queries and rows of each call."""

    calls: ClassVar[dict[str, list[tuple[int, int]]]] = defaultdict(list)

    def __getattribute__(self, name: str) -> Any:
        method = super().__getattribute__(name)
        if name.startswith(("save_", "deactivate", "delete")):
            return _counted(name, method)
        return method


def _counted(name: str, method: Callable[..., None]) -> Callable[..., None]:
    def call(context: Any, rows: Any, *args: Any, **kwargs: Any) -> None:
        with CaptureQueriesContext(connection) as used:
            method(context, rows, *args, **kwargs)
        Counting.calls[name].append((len(rows) if not args else len(args[0]), len(used)))

    return call


def import_generated(tmp_path: Path, products: int, batch_size: int) -> None:
    directory = tmp_path / "exchange"
    generate_catalog(directory, products, seed=3)
    job = create_job(
        ["import.xml", "offers.xml"],
        base_dir=directory,
        options=ImportOptions(batch_size=batch_size),
    )
    assert_done(run_to_end(job))


def test_a_generated_catalog_mirrors_in_few_queries_per_batch(
    tmp_path: Path, settings: Any
) -> None:
    settings.CML_EXCHANGE_CATALOG_ADAPTER = "tests.oscar.test_batches.Counting"
    Counting.calls.clear()
    import_generated(tmp_path, 400, batch_size=200)
    assert in_oscar() == expected()
    want, got = prices_and_stock()
    assert got == want
    # Calls of up to 200 rows, each a few dozen queries at most: none per product or offer.
    # (Categories are placed one by one by treebeard: save_groups is left out.)
    for name in ("save_products", "save_offers", "save_prices", "save_stock"):
        calls = Counting.calls[name]
        assert max(rows for rows, _ in calls) >= 150, name
        assert max(queries for _, queries in calls) <= 60, (name, calls)
