"""What the shop deletes on the site (Oscar's dashboard, the app's admin), and 1C's next exchange.

1C's catalog is the master: an Oscar product, child or stock record deleted in
the dashboard comes back when 1C sends it again (the same files: no change on
1C's side), and an app product, offer or group deleted in the app's admin takes
its Oscar product or category with it, and comes back once, not twice.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.adapter import OscarCatalogAdapter
from cml_exchange.contrib.oscar.models import ProductLink
from cml_exchange.importer import MissingAction
from cml_exchange.models import Catalog as AppCatalog
from cml_exchange.models import Classifier as AppClassifier
from cml_exchange.models import Group as AppGroup
from cml_exchange.models import Offer as AppOffer
from cml_exchange.models import Product as AppProduct
from cml_exchange.models import Property as AppProperty
from cml_exchange.models import Warehouse as AppWarehouse
from tests.oscar.cml import Lot, clothes
from tests.oscar.mirror import expected, in_oscar
from tests.oscar.test_catalog import import_shop, oscar, stock_of, tree
from tests.sqlite import parameters_limit

pytestmark = pytest.mark.django_db

Product: Any = get_model("catalogue", "Product")
Category: Any = get_model("catalogue", "Category")
StockRecord: Any = get_model("partner", "StockRecord")
Partner: Any = get_model("partner", "Partner")
ProductClass: Any = get_model("catalogue", "ProductClass")
ProductAttribute: Any = get_model("catalogue", "ProductAttribute")

CLOTHES_TREE = ["Одежда", "Одежда > Рубашки", "Одежда > Пальто", "Обувь"]


def app_updates(queries: CaptureQueriesContext) -> list[str]:
    """The statements of a deletion that changed the app's products or offers (checksums)."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith(('UPDATE "cml_exchange_product"', 'UPDATE "cml_exchange_offer"'))
    ]


def attribute_codes() -> list[str]:
    return sorted(ProductAttribute.objects.values_list("code", flat=True))


def rewritten(job: Any) -> dict[str, int]:
    """What the exchange wrote again rather than passing it over as unchanged."""
    return {
        name: job.counters.get(name, 0)
        for name in ("products_updated", "offers_updated", "prices", "stock_rows")
        if job.counters.get(name, 0)
    }


# -- deleted in Oscar's dashboard, sent again unchanged by 1C -------------------------------


def test_a_standalone_product_deleted_in_oscar_comes_back(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    oscar("Ботинки").delete()

    job = import_shop(tmp_path, clothes())  # checks Oscar holds what the app holds

    boots = oscar("Ботинки")
    assert boots.is_public
    assert boots.structure == "standalone"
    assert [c.full_name for c in boots.categories.all()] == ["Обувь"]
    assert stock_of(boots) == {"1С": (Decimal("5000.00"), "RUB", 0)}
    assert job.counters.get("products_updated") == 1
    assert job.counters.get("products_unchanged") == 2


def test_a_child_deleted_in_oscar_comes_back_under_its_parent(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    Product.objects.get(title="Рубашка льняная (S)").delete()

    import_shop(tmp_path, clothes())

    shirt = oscar("Рубашка льняная")
    assert sorted(shirt.children.values_list("title", flat=True)) == [
        "Рубашка льняная (M)",
        "Рубашка льняная (S)",
    ]
    small = shirt.children.get(title="Рубашка льняная (S)")
    assert small.attr.razmer == "S"
    assert len(stock_of(small)) == 2


def test_a_parent_deleted_in_oscar_comes_back_with_its_children(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    oscar("Рубашка льняная").delete()  # its children go with it
    assert not Product.objects.filter(title__startswith="Рубашка").exists()

    import_shop(tmp_path, clothes())

    shirt = oscar("Рубашка льняная")
    assert shirt.structure == "parent"
    assert shirt.children.count() == 2
    assert shirt.images.count() == 2


def test_a_stock_record_deleted_in_oscar_comes_back(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    coat = oscar("Пальто шерстяное")
    before = stock_of(coat)
    coat.stockrecords.all().delete()

    job = import_shop(tmp_path, clothes())

    assert stock_of(oscar("Пальто шерстяное")) == before
    assert rewritten(job) == {"offers_updated": 1, "prices": 2, "stock_rows": 1}
    assert job.counters["oscar_stockrecords_created"] == 1


def test_a_partner_deleted_in_oscar_gets_its_stock_records_back(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    before = {title: stock_of(oscar(title)) for title in ("Пальто шерстяное", "Ботинки")}
    Partner.objects.filter(stockrecords__isnull=False).distinct().delete()
    assert not StockRecord.objects.exists()

    import_shop(tmp_path, clothes())

    assert {title: stock_of(oscar(title)) for title in before} == before


def test_a_category_deleted_in_oscar_comes_back(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    Category.objects.get(name="Обувь").delete()

    import_shop(tmp_path, clothes())

    assert tree() == CLOTHES_TREE
    assert [c.full_name for c in oscar("Ботинки").categories.all()] == ["Обувь"]


def test_the_adapters_own_deletions_leave_the_next_exchange_unchanged(tmp_path: Path) -> None:
    """A child the adapter drops (the product became stand-alone) is not a deletion on the site."""
    shop = clothes()
    shop.lots.append(Lot("boots#42", "Ботинки (42)", {"retail": "5100"}, quantity="4",
                         characteristics={"Размер": "42"}))  # fmt: skip
    import_shop(tmp_path, shop)
    shop.lots.pop()
    import_shop(tmp_path, shop, missing_products=MissingAction.DELETE)
    assert oscar("Ботинки").structure == "standalone"

    again = import_shop(tmp_path, shop, missing_products=MissingAction.DELETE)

    assert rewritten(again) == {}
    assert again.counters["products_unchanged"] == 3


def test_an_attribute_deleted_in_oscar_comes_back_with_its_values(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    ProductAttribute.objects.get(code="brend").delete()

    import_shop(tmp_path, clothes())

    assert str(oscar("Рубашка льняная").attr.brend) == "Acme"
    assert str(oscar("Пальто шерстяное").attr.brend) == "Борей"


def test_many_deleted_in_oscar_at_once_are_cleared_in_a_statement_or_two(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    with CaptureQueriesContext(connection) as deleting_products:
        Product.objects.filter(parent=None).delete()
    import_shop(tmp_path, clothes())
    with CaptureQueriesContext(connection) as deleting_partners:
        Partner.objects.all().delete()

    assert len(app_updates(deleting_products)) == 2  # the products, the offers
    assert len(app_updates(deleting_partners)) == 2  # the offers' prices and stock, their digest
    import_shop(tmp_path, clothes())


def test_categories_deleted_in_oscar_at_once_are_cleared_in_one_statement(
    tmp_path: Path,
) -> None:
    import_shop(tmp_path, clothes())
    with CaptureQueriesContext(connection) as deleting:
        Category.objects.all().delete()

    assert len(app_updates(deleting)) == 1
    import_shop(tmp_path, clothes())
    assert tree() == CLOTHES_TREE
    assert [c.full_name for c in oscar("Ботинки").categories.all()] == ["Обувь"]


@override_settings(CML_EXCHANGE_CATALOG_ADAPTER="cml_exchange.importer.adapter.ModelCatalogAdapter")
def test_without_the_oscar_adapter_oscars_deletions_are_its_own(tmp_path: Path) -> None:
    """A shop with the app installed but another adapter keeps no mirror: nothing is cleared."""
    with override_settings(
        CML_EXCHANGE_CATALOG_ADAPTER="cml_exchange.contrib.oscar.adapter.OscarCatalogAdapter"
    ):
        import_shop(tmp_path, clothes())
    with CaptureQueriesContext(connection) as deleting:
        oscar("Ботинки").delete()
        AppProduct.objects.get(name="Пальто шерстяное").delete()

    assert app_updates(deleting) == []
    assert Product.objects.filter(title="Пальто шерстяное").exists()


# -- deleted in the app's admin ---------------------------------------------------------------


def test_a_product_deleted_in_the_app_leaves_oscar_and_comes_back_once(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    AppProduct.objects.get(name="Ботинки").delete()

    assert not Product.objects.filter(title="Ботинки").exists()  # no longer for sale
    assert in_oscar() == expected()

    import_shop(tmp_path, clothes())
    assert Product.objects.filter(title="Ботинки").count() == 1


def test_a_group_deleted_in_the_app_leaves_oscar_and_comes_back_once(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    AppGroup.objects.get(name="Обувь").delete()

    assert tree() == CLOTHES_TREE[:3]

    import_shop(tmp_path, clothes())
    assert tree() == CLOTHES_TREE


def test_an_offer_deleted_in_the_app_leaves_oscar_and_comes_back_once(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    AppOffer.objects.get(name="Рубашка льняная (S)").delete()

    shirt = oscar("Рубашка льняная")
    assert list(shirt.children.values_list("title", flat=True)) == ["Рубашка льняная (M)"]
    assert in_oscar() == expected()

    import_shop(tmp_path, clothes())
    assert shirt.children.count() == 2
    assert Product.objects.filter(title="Рубашка льняная (S)").count() == 1


def test_the_only_offer_deleted_in_the_app_leaves_its_product_unsold(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    AppOffer.objects.get(name="Ботинки").delete()

    assert stock_of(oscar("Ботинки")) == {}  # still shown, as the app's product, but not sold
    assert in_oscar() == expected()

    import_shop(tmp_path, clothes())
    assert stock_of(oscar("Ботинки")) == {"1С": (Decimal("5000.00"), "RUB", 0)}
    assert Product.objects.filter(title="Ботинки").count() == 1


def test_1cs_deletion_of_a_products_only_offer_tells_the_adapter_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[tuple[str, list[int]]] = []
    delete = OscarCatalogAdapter.delete

    def telling(self: Any, context: Any, model: Any, pks: Any) -> None:
        told.append((model.__name__, list(pks)))
        delete(self, context, model, pks)

    monkeypatch.setattr(OscarCatalogAdapter, "delete", telling)
    shop = clothes()
    import_shop(tmp_path, shop, missing_products=MissingAction.DELETE)
    boots_offer = AppOffer.objects.get(name="Ботинки").pk
    shop.lots = [lot for lot in shop.lots if lot.id != "boots"]

    import_shop(tmp_path, shop, missing_products=MissingAction.DELETE)

    assert told == [("Offer", [boots_offer])]
    assert stock_of(oscar("Ботинки")) == {}


def test_a_property_deleted_in_the_app_takes_its_attribute(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    codes = attribute_codes()
    AppProperty.objects.get(name="Бренд").delete()

    assert "brend" not in attribute_codes()

    import_shop(tmp_path, clothes())
    assert attribute_codes() == codes  # not "brend_2" beside a "brend" of nobody's
    assert str(oscar("Рубашка льняная").attr.brend) == "Acme"


def test_a_classifier_deleted_in_the_app_comes_back_once(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    codes = attribute_codes()
    AppClassifier.objects.all().delete()

    import_shop(tmp_path, clothes())
    assert attribute_codes() == codes
    assert tree() == CLOTHES_TREE


def test_properties_deleted_in_the_app_at_once_take_their_attributes_at_once(
    tmp_path: Path,
) -> None:
    import_shop(tmp_path, clothes())
    codes = attribute_codes()
    with CaptureQueriesContext(connection) as deleting:
        AppProperty.objects.all().delete()

    deletions = [
        query
        for query in deleting.captured_queries
        if query["sql"].startswith('DELETE FROM "catalogue_productattribute" ')
    ]
    assert len(deletions) == 1
    assert attribute_codes() == ["razmer"]  # the characteristic's, which no property holds
    import_shop(tmp_path, clothes())
    assert attribute_codes() == codes


def test_a_warehouse_deleted_in_the_app_takes_its_partner(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    partners = sorted(Partner.objects.values_list("name", flat=True))
    AppWarehouse.objects.get(external_id="w-shop").delete()

    assert len(Partner.objects.all()) == len(partners) - 1
    assert in_oscar() == expected()  # its stock records gone with it

    import_shop(tmp_path, clothes())
    assert sorted(Partner.objects.values_list("name", flat=True)) == partners


def test_a_catalogs_class_holding_the_shops_own_products_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import_shop(tmp_path, clothes())
    own = Product.objects.create(
        title="Подарочная карта", product_class=ProductClass.objects.get(), structure="standalone"
    )
    with caplog.at_level(logging.WARNING):
        AppCatalog.objects.get().delete()

    own.refresh_from_db()
    assert own.product_class.name == "Основной каталог"
    assert "holds the shop's own products" in caplog.text


def test_a_deletion_of_more_rows_than_the_database_takes_parameters(tmp_path: Path) -> None:
    """Even on a SQLite built with the old limit of 999 parameters a statement."""
    import_shop(tmp_path, clothes())
    catalog, product_class = AppCatalog.objects.get(), ProductClass.objects.get()
    made = AppProduct.objects.bulk_create(
        AppProduct(catalog=catalog, external_id=f"x{n}", name=f"x{n}", slug=f"x-{n}")
        for n in range(1200)
    )
    mirrored = Product.objects.bulk_create(
        Product(title=f"x{n}", slug=f"x-{n}", product_class=product_class, structure="standalone")
        for n in range(1200)
    )
    ProductLink.objects.bulk_create(
        ProductLink(product=app, oscar_product=mirror)
        for app, mirror in zip(made, mirrored, strict=True)
    )
    with parameters_limit(999):
        AppProduct.objects.all().delete()

    assert not Product.objects.exists()


def test_a_kept_class_is_the_shops_when_1c_deletes_a_property_later(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    own = Product.objects.create(
        title="Подарочная карта", product_class=ProductClass.objects.get(), structure="standalone"
    )
    AppCatalog.objects.get().delete()
    import_shop(tmp_path, clothes(), mirror=False)  # Oscar holds the shop's product too

    AppProperty.objects.get(name="Бренд").delete()

    kept = own.product_class.attributes.values_list("code", flat=True)
    assert "brend" in kept  # the adapter's class lost it; the shop's did not


def test_many_deleted_in_the_app_at_once(tmp_path: Path) -> None:
    """The admin's bulk action (a queryset): the adapter is told once, not once a row."""
    import_shop(tmp_path, clothes())
    with CaptureQueriesContext(connection) as deleting:
        AppProduct.objects.all().delete()

    assert not Product.objects.exists()
    assert in_oscar() == expected()
    adapter_rounds = [
        query
        for query in deleting.captured_queries
        if 'SELECT "cml_exchange_oscar_productlink"."oscar_product_id"' in query["sql"]
    ]
    assert len(adapter_rounds) == 1
    import_shop(tmp_path, clothes())
    assert Product.objects.exclude(structure="child").count() == 3


def test_a_catalog_deleted_in_the_app_takes_its_oscar_products(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    AppCatalog.objects.get().delete()

    assert not Product.objects.exists()
    assert not ProductClass.objects.exists()  # with its attributes
    assert in_oscar() == expected()
    import_shop(tmp_path, clothes())
    assert Product.objects.exclude(structure="child").count() == 3
    assert ProductClass.objects.count() == 1
