"""A batch with more property values than SQLite takes parameters in one statement.

A batch of 1,000 products with 33 values each is past SQLite's default limit of
32,766 (``old_sqlite_limit``); the batch's lookup of the options its values
name must not ask for them one parameter each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.generator import generate_catalog
from benchmarks.generator.context import Options
from cml_exchange.importer import create_job
from cml_exchange.models import Product, ProductPropertyValue
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = pytest.mark.django_db


def _values_in(path: Path) -> int:
    """The ``ЗначенияСвойства`` of the file's products with a non-empty ``Значение``."""
    tree = etree.parse(str(path))
    return sum(
        1
        for item in tree.iter("{*}ЗначенияСвойства")
        if any((value.text or "").strip() for value in item.iter("{*}Значение"))
    )


def test_a_batch_of_more_values_than_sqlite_takes_parameters_imports_whole(
    tmp_path: Path, settings: Any, old_sqlite_limit: int
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    generate_catalog(tmp_path, 120, seed=11, options=Options(property_values=30))
    expected = _values_in(tmp_path / "import.xml")
    assert expected > old_sqlite_limit

    job = create_job(["import.xml", "offers.xml"], base_dir=tmp_path)
    assert_done(run_to_end(job))

    assert Product.objects.count() == 120
    assert ProductPropertyValue.objects.count() == expected
    job.refresh_from_db()
    assert job.warning_counts == {}
