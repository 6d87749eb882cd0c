"""The benchmark's catalog shapes (issue 17) import completely: what bench.py --shapes times.

Their speed is the benchmarks' business; here, that every generated shape gives the rows its
manifest counts, and that the repeated sample sets are distinct products.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from lxml import etree

from benchmarks.generator import generate_catalog
from benchmarks.samples import build_samples
from benchmarks.shapes import CATALOG_MODELS, COUNT_ROWS, SHAPES
from cml_exchange.importer import create_job
from cml_exchange.models import Offer, Price, Product, ProductImage, Stock, Warehouse
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.paths import CML_DIR

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("shape", [name for name, options in SHAPES.items() if options])
def test_every_generated_shape_imports_what_its_manifest_counts(
    tmp_path: Path, settings: Any, shape: str
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "exchange"
    manifest = generate_catalog(directory, 150, seed=9, options=SHAPES[shape])

    job = create_job(["import.xml", "offers.xml"], base_dir=directory)
    assert_done(run_to_end(job))

    assert Product.objects.count() == manifest["products"]
    assert Offer.objects.count() == manifest["offers"]
    assert Price.objects.count() == manifest["prices"]
    assert Stock.objects.count() == manifest["stock_rows"]
    assert Warehouse.objects.count() == manifest["warehouses_declared"]
    options = SHAPES[shape]
    assert options is not None
    stored = ProductImage.objects.count()
    assert stored == (manifest["images"] if options.pictures == "present" else 0)


def test_the_repeated_sample_sets_import_as_distinct_products(
    tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "samples"
    manifest = build_samples(directory, 400, CML_DIR)

    job = create_job(list(manifest["exchange"]), base_dir=directory)
    assert_done(run_to_end(job))

    ids = set()
    for name in manifest["exchange"]:
        root = etree.parse(str(directory / name)).getroot()
        for product in root.iterfind(".//{*}Каталог/{*}Товары/{*}Товар"):
            ids.add(product.findtext("{*}Ид"))
        for product in root.iterfind(".//Каталог/Товары/Товар"):
            ids.add(product.findtext("Ид"))
    assert len(ids) > 300
    assert Product.objects.count() == len(ids)


#: What an import writes besides the catalog: its own bookkeeping, not counted as rows.
BOOKKEEPING = {"ImportJob", "ImportWarning", "ImportWarningKey", "ScannedFile"}


def test_the_rows_the_benchmark_counts_are_every_catalog_row_an_import_writes(
    tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """bench.py's row count misses no table the import fills (and counts them all)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    manifest = build_samples(tmp_path / "samples", 200, CML_DIR)
    models = list(apps.get_app_config("cml_exchange").get_models())
    before = {model.__name__: model._default_manager.count() for model in models}
    job = create_job(list(manifest["exchange"]), base_dir=tmp_path / "samples")
    assert_done(run_to_end(job))

    written = {
        model.__name__: model._default_manager.count() - before[model.__name__]
        for model in models
        if model._default_manager.count() != before[model.__name__]
    }
    assert set(written) - BOOKKEEPING <= set(CATALOG_MODELS)
    assert {"ProductPropertyValue", "PropertyOption", "Price", "Stock"} <= set(written)
    capsys.readouterr()
    call_command("shell", "-c", COUNT_ROWS, verbosity=0)
    counted = int(capsys.readouterr().out.split()[-1])
    assert counted == sum(before[name] for name in CATALOG_MODELS) + sum(
        count for name, count in written.items() if name in CATALOG_MODELS
    )
