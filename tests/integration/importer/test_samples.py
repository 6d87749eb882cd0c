"""Every sample catalog set imports, and the database holds exactly what the reader yields."""

from __future__ import annotations

import pytest

from cml_exchange.commerceml import (
    CmlReader,
    Group,
    Offer,
    PriceType,
    Product,
    Property,
    Warehouse,
)
from cml_exchange.models import (
    Group as GroupRow,
)
from cml_exchange.models import (
    Offer as OfferRow,
)
from cml_exchange.models import (
    Price,
    ProductImage,
    PropertyOption,
    Stock,
)
from cml_exchange.models import (
    PriceType as PriceTypeRow,
)
from cml_exchange.models import (
    Product as ProductRow,
)
from cml_exchange.models import (
    Property as PropertyRow,
)
from cml_exchange.models import (
    Warehouse as WarehouseRow,
)
from tests.integration.importer.helpers import assert_done, import_samples
from tests.paths import sample

pytestmark = pytest.mark.django_db


def pair(prefix: str, first: str = "import", second: str = "offers") -> list[str]:
    return [prefix + first, prefix + second]


SETS = {
    "carono": pair("carono__php-commerceml__tests__xml__"),
    "bigperson": pair("bigperson__exchange1c__tests__xml__"),
    "sukhikh18": pair("sukhikh18__woocommerce-ml__tests__fixtures__", "import0_1", "offers0_1"),
    "ready-script": pair("irpsv__commerceml__tests__assets__ready-script__"),
    "off-doc-1c": pair("irpsv__commerceml__tests__assets__off-doc-1c__"),
    "umi-cms": pair("irpsv__commerceml__tests__assets__umi-cms__"),
    "iMega": pair("iMega__commerceml2teleport__parser__fixture__", "import", "offer"),
    "Denis-777": pair("Denis-777__test__", "import5"),
    "avdivo": pair("avdivo__commercml__"),
    "Katy248": pair("Katy248__electrotech__example__"),
    "dobromyslov": pair("dobromyslov__commerceml-parser__data__", "import0_1", "offers0_1"),
    "alfredotg": pair("alfredotg__parser1c__tests__data__", "import", "offer"),
    "Dialdev": pair("Dialdev__Santechtula__upload__1c_catalog__"),
    "gillbeits": [
        "gillbeits__commerceml__example__import___",
        "gillbeits__commerceml__example__offers___",
        "gillbeits__commerceml__example__prices___",
        "gillbeits__commerceml__example__rests___",
    ],
    "kickgoods": ["ASDAFF__kickgoods__upload__1c_catalog__offers"],
    "Kremenchuk": ["Kremenchuk"],
    "revalle88": ["revalle88__evrolist__import"],
}


def expected(names: list[str]) -> dict[str, int]:
    """What the reader yields for a set of files: distinct rows per table."""
    groups, properties, options, products, offers = set(), set(), set(), set(), set()
    price_types, warehouses, prices, stock = set(), set(), set(), set()
    images = 0
    for name in names:
        for entity in CmlReader(sample(name)):
            if isinstance(entity, Group):
                groups.add(entity.id)
            elif isinstance(entity, Property):
                properties.add(entity.id)
                options |= {(entity.id, option.id) for option in entity.options}
            elif isinstance(entity, PriceType):
                price_types.add(entity.id)
            elif isinstance(entity, Warehouse):
                warehouses.add(entity.id)
            elif isinstance(entity, Product):
                products.add(entity.id)
                images += len(entity.images)
            elif isinstance(entity, Offer):
                offers.add(entity.id)
                for price in entity.prices or ():
                    price_types.add(price.price_type_id)  # undeclared ones get a placeholder
                    prices.add((entity.id, price.price_type_id))
                for row in entity.stock or ():
                    warehouses.add(row.warehouse_id)
                    stock.add((entity.id, row.warehouse_id))
    return {
        "groups": len(groups),
        "properties": len(properties),
        "options": len(options),
        "products": len(products),
        "offers": len(offers),
        "price_types": len(price_types),
        "warehouses": len(warehouses),
        "prices": len(prices),
        "stock": len(stock),
        "images": images,
    }


def in_database() -> dict[str, int]:
    return {
        "groups": GroupRow.objects.count(),
        "properties": PropertyRow.objects.values("external_id").distinct().count(),
        "options": PropertyOption.objects.values("property__external_id", "external_id")
        .distinct()
        .count(),
        "products": ProductRow.objects.count(),
        "offers": OfferRow.objects.count(),
        "price_types": PriceTypeRow.objects.count(),
        "warehouses": WarehouseRow.objects.count(),
        "prices": Price.objects.count(),
        "stock": Stock.objects.count(),
        "images": 0,
    }


@pytest.mark.parametrize("set_name", list(SETS))
def test_the_database_holds_what_the_reader_yields(tmp_path, set_name):
    job, result = import_samples(tmp_path, *SETS[set_name])
    assert_done(result)
    want = expected(SETS[set_name])
    got = in_database()
    # The pictures were not uploaded with these samples: each is a warning, not a row.
    got["images"] = job.warning_counts.get("image_missing", 0)
    assert got == want
    assert ProductImage.objects.count() == 0
