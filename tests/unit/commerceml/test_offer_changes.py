"""ИзмененияПакетаПредложений (2.07+): no public 1C file has one; a synthetic one from the XSD."""

from decimal import Decimal

from lxml import etree

from cml_exchange.commerceml import CmlReader, Offer, OfferPackage, StockRow, Unit
from tests.paths import DATA_DIR

CHANGES = DATA_DIR / "synthetic" / "offer_changes_2.10.xml"


def test_the_synthetic_file_is_what_the_official_schema_describes():
    schema = etree.XMLSchema(etree.parse(str(DATA_DIR / "xsd" / "commerceml-2.10.xsd")))
    schema.assertValid(etree.parse(str(CHANGES)))


def test_offer_changes_read_as_a_changes_only_package():
    reader = CmlReader(CHANGES)
    found = list(reader)
    assert reader.kinds == ["offer_changes"]
    package = next(e for e in found if isinstance(e, OfferPackage))
    assert (package.changes, package.only_changes) == (True, True)
    assert package.catalog_id == "0c2f6b9e-1111-4b8e-9a3c-5f1d7a2b3c4d"
    assert reader.only_changes == {"offer_changes": True}


def test_offer_changes_carry_only_what_changed():
    first, second = (e for e in CmlReader(CHANGES) if isinstance(e, Offer))
    # ИдХарактеристики joins the offer id the way ПакетПредложений writes it.
    assert first.id == "7a1b2c3d-0001-4000-8000-000000000001#9f8e7d6c-0002-4000-8000-000000000002"
    assert first.product_id == "7a1b2c3d-0001-4000-8000-000000000001"
    assert first.base_unit == Unit(code="796")
    assert first.stock == [
        StockRow(warehouse_id="5d1caeb1-44b2-11e4-a628-003048c64779", quantity=Decimal("12")),
        StockRow(warehouse_id="6e2dbfc2-55c3-11e4-a628-003048c64779", quantity=Decimal("0")),
    ]
    assert [(p.price_type_id, p.value) for p in first.prices] == [
        ("4d968229-47ba-11e4-a628-003048c64779", Decimal("1490.00"))
    ]
    assert (second.id, second.quantity) == ("7a1b2c3d-0003-4000-8000-000000000003", Decimal("3"))
    assert (second.prices, second.stock, second.name) == (None, None, None)
