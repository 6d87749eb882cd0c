"""A generated 10,000-product catalog imports completely (its speed is the benchmarks' business)."""

import pytest

from benchmarks.generator import generate_catalog
from cml_exchange.models import (
    Group,
    Offer,
    Price,
    PriceType,
    Product,
    ProductImage,
    Property,
    PropertyOption,
    Stock,
    Warehouse,
)
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_ten_thousand_products_and_their_offers(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "exchange"
    manifest = generate_catalog(directory, 10_000, seed=7)
    from cml_exchange.importer import create_job

    job = create_job(["import.xml", "offers.xml"], base_dir=directory)
    result = assert_done(run_to_end(job, budget=5))
    counts = manifest
    assert Product.objects.count() == counts["products"] == 10_000
    assert Product.objects.filter(active=False).count() == counts["products_deleted"]
    assert Group.objects.count() == counts["groups"]
    assert Property.objects.count() == counts["properties"]
    assert PropertyOption.objects.count() == counts["property_values"]
    assert Offer.objects.count() == counts["offers"]
    assert Offer.objects.filter(product__isnull=True).count() == 0
    assert Price.objects.count() == counts["prices"]
    assert Stock.objects.count() == counts["stock_rows"]
    assert PriceType.objects.count() == counts["price_types"]
    assert Warehouse.objects.count() == counts["warehouses_declared"]
    assert ProductImage.objects.count() == counts["images"]
    assert result.summary["products_created"] == 10_000
    job.refresh_from_db()
    assert job.warning_counts == {}
