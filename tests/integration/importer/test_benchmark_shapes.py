"""The benchmark's catalog shapes (issue 17) import completely: what bench.py --shapes times.

Their speed is the benchmarks' business; here, that every generated shape gives the rows its
manifest counts, and that the repeated sample sets are distinct products.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.generator import generate_catalog
from benchmarks.samples import build_samples
from benchmarks.shapes import SHAPES
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
