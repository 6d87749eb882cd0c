"""The items' checksums stay what earlier versions stored.

An item whose checksum matches its row is left alone; a checksum that changed
with the code would make the next exchange rewrite every product, offer,
price and stock row of the catalog, and tell the shop that all of them changed.
The checksum hashes the entities' reprs, so these pin the text of those too.
"""

from __future__ import annotations

from decimal import Decimal

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer.loaders.common import checksum


def test_a_products_checksum_is_what_earlier_versions_stored():
    product = cml.Product(
        id="p1",
        name="Куртка",
        base_unit=cml.Unit(code="796", name_short="шт"),
        group_ids=["g1"],
        images=[cml.Image(path="import_files/a.jpg")],
        weight=Decimal("1.50"),
        property_values=[cml.PropertyValue(property_id="color", values=["серый"])],
        requisites=[cml.Requisite(name="Вес", value="1,5")],
        source_digest=7,  # not content: not in the checksum
    )
    assert checksum(product) == "d698e95b21eed54a813b4fb559844575"
    product.source_digest = 8
    assert checksum(product) == "d698e95b21eed54a813b4fb559844575"


def test_a_price_lists_checksum_is_what_earlier_versions_stored():
    prices = [cml.Price(price_type_id="retail", value=Decimal("990.00"), currency="RUB")]
    assert checksum(prices) == "55c13e22eea5c2d958b99e55fc45cf74"
