"""A batch with more property values than SQLite takes parameters in one statement.

SQLite refuses a statement with more parameters than its build allows: 999
before 3.32 (Django supports 3.31), 32,766 since, unless the build raises it
(Debian's allows 250,000, which is why this machine never saw it). A batch of
1,000 products with 33 values each is past 32,766; the batch's lookup of the
options its values name must not ask for them one parameter each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from lxml import etree

from benchmarks.generator import generate_catalog
from benchmarks.generator.context import Options
from cml_exchange.importer import create_job
from cml_exchange.models import Product, ProductPropertyValue
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = pytest.mark.django_db

#: SQLite's limit before 3.32; a batch of 120 products with 30 values each is past it.
OLD_SQLITE_LIMIT = 999


def _values_in(path: Path) -> int:
    """The ``ЗначенияСвойства`` of the file's products with a non-empty ``Значение``."""
    tree = etree.parse(str(path))
    return sum(
        1
        for item in tree.iter("{*}ЗначенияСвойства")
        if any((value.text or "").strip() for value in item.iter("{*}Значение"))
    )


@pytest.fixture
def old_sqlite_limit() -> Iterator[None]:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's limit on a statement's parameters")
    connection.ensure_connection()
    raw = connection.connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, OLD_SQLITE_LIMIT)
    yield
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


def test_a_batch_of_more_values_than_sqlite_takes_parameters_imports_whole(
    tmp_path: Path, settings: Any, old_sqlite_limit: None
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    generate_catalog(tmp_path, 120, seed=11, options=Options(property_values=30))
    expected = _values_in(tmp_path / "import.xml")
    assert expected > OLD_SQLITE_LIMIT

    job = create_job(["import.xml", "offers.xml"], base_dir=tmp_path)
    assert_done(run_to_end(job))

    assert Product.objects.count() == 120
    assert ProductPropertyValue.objects.count() == expected
    job.refresh_from_db()
    assert job.warning_counts == {}
