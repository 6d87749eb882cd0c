"""An import step's SQLite page cache: raised for the step, given back after it.

The cache is memory of the process that imports; a site's connections live on
after the import (a worker's, a threaded server's), so what the step took must
be given back, and a site that set a larger cache itself must keep it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from cml_exchange import checks
from cml_exchange.importer import ImportOptions, create_job, run
from cml_exchange.importer.page_cache import cache_bytes
from cml_exchange.importer.results import Done, Failed
from cml_exchange.models import ImportJob, Product
from tests.integration.importer.helpers import write_catalog

pytestmark = [pytest.mark.django_db]

MIB = 1024 * 1024
#: SQLite's own default: 2,000 KiB.
SQLITE_DEFAULT = -2000


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the page cache is SQLite's")


def _cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


def _set_cache_size(value: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = {value}")


def _job(tmp_path: Path, products: int = 3) -> ImportJob:
    name = write_catalog(
        tmp_path / "import.xml",
        "".join(
            f"<Товар><Ид>p{n}</Ид><Наименование>Товар {n}</Наименование></Товар>"
            for n in range(products)
        ),
    )
    return create_job([name], base_dir=tmp_path, options=ImportOptions(batch_size=1))


def _import_watching(job: ImportJob) -> tuple[object, list[int]]:
    """Run ``job`` in one step; the connection's cache size after each of its batches."""
    seen: list[int] = []
    result = run(job, None, progress=lambda _job: seen.append(_cache_size()))
    return result, seen


@pytest.fixture
def default_cache() -> None:
    _set_cache_size(SQLITE_DEFAULT)


@pytest.mark.usefixtures("default_cache")
def test_a_step_imports_with_the_larger_cache_and_gives_it_back(tmp_path: Path) -> None:
    result, seen = _import_watching(_job(tmp_path))
    assert isinstance(result, Done)
    assert Product.objects.count() == 3
    assert seen and set(seen) == {-32 * 1024}  # 32 MiB, in KiB
    assert _cache_size() == SQLITE_DEFAULT


@pytest.mark.usefixtures("default_cache")
def test_the_size_is_the_settings(tmp_path: Path, settings: Any) -> None:
    settings.CML_EXCHANGE_SQLITE_IMPORT_CACHE = 8 * MIB
    _result, seen = _import_watching(_job(tmp_path))
    assert set(seen) == {-8 * 1024}
    assert _cache_size() == SQLITE_DEFAULT


@pytest.mark.usefixtures("default_cache")
def test_zero_leaves_the_connection_alone(tmp_path: Path, settings: Any) -> None:
    settings.CML_EXCHANGE_SQLITE_IMPORT_CACHE = 0
    _result, seen = _import_watching(_job(tmp_path))
    assert set(seen) == {SQLITE_DEFAULT}
    assert _cache_size() == SQLITE_DEFAULT


def test_a_sites_larger_cache_is_kept(tmp_path: Path) -> None:
    _set_cache_size(-64 * 1024)
    _result, seen = _import_watching(_job(tmp_path))
    assert set(seen) == {-64 * 1024}
    assert _cache_size() == -64 * 1024


def test_a_cache_set_in_pages_is_compared_in_bytes(tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        page_size = int(cursor.fetchone()[0])
    pages = 48 * MIB // page_size  # more than the 32 MiB the step wants
    _set_cache_size(pages)
    _result, seen = _import_watching(_job(tmp_path))
    assert set(seen) == {pages}
    assert cache_bytes(pages, page_size) == 48 * MIB


@pytest.mark.usefixtures("default_cache")
def test_a_failed_step_gives_it_back(tmp_path: Path) -> None:
    (tmp_path / "import.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация><Каталог>',
        encoding="utf-8",
    )
    job = create_job(["import.xml"], base_dir=tmp_path, options=ImportOptions())
    result = run(job, None)
    assert isinstance(result, Failed)
    assert _cache_size() == SQLITE_DEFAULT


@pytest.mark.usefixtures("default_cache")
def test_each_step_of_a_stepwise_import_gives_it_back(tmp_path: Path) -> None:
    job = _job(tmp_path, products=4)
    sizes = []
    # A budget of nothing: every step writes one batch and stops.
    while not isinstance(result := run(job, 1e-9), (Done, Failed)):
        sizes.append(_cache_size())
    assert isinstance(result, Done)
    assert len(sizes) > 1 and set(sizes) == {SQLITE_DEFAULT}
    assert Product.objects.count() == 4


def test_a_bad_setting_is_a_configuration_error(settings: Any) -> None:
    settings.CML_EXCHANGE_SQLITE_IMPORT_CACHE = "32M"
    (message,) = checks.check_settings(app_configs=None, databases=None)
    assert message.id == "cml_exchange.E001"
    assert message.msg.startswith("CML_EXCHANGE_SQLITE_IMPORT_CACHE")
