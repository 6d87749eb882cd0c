"""The shop owner's choices hold in Oscar: what they hid, what the site owns, what they had."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from oscar.core.loading import get_model

from tests.oscar.cml import clothes
from tests.oscar.test_catalog import import_shop, oscar, stock_of

pytestmark = pytest.mark.django_db

Product: Any = get_model("catalogue", "Product")
ProductClass: Any = get_model("catalogue", "ProductClass")
Partner: Any = get_model("partner", "Partner")
StockRecord: Any = get_model("partner", "StockRecord")


def hide(title: str) -> None:
    product = oscar(title)
    product.is_public = False
    product.save()


def test_a_product_the_owner_hid_stays_hidden_until_1c_changes_its_state(
    tmp_path: Path,
) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    hide("Пальто шерстяное")
    shop.items[1].name = "Пальто шерстяное, серое"
    import_shop(tmp_path, shop, mirror=False, use_checksums=False)
    assert not oscar("Пальто шерстяное, серое").is_public  # 1C changed the name, not the state

    coat, coat_lot = shop.items.pop(1), shop.lots.pop(2)
    import_shop(tmp_path, shop, mirror=False)  # left out of a full exchange: inactive
    shop.items.insert(1, coat)
    shop.lots.insert(2, coat_lot)
    import_shop(tmp_path, shop, mirror=False)  # and active again: shown
    assert oscar("Пальто шерстяное, серое").is_public


def test_new_products_wait_hidden_for_review(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop, mirror=False, hide_new_products=True)
    assert not Product.objects.filter(parent=None, is_public=True).exists()
    coat = oscar("Пальто шерстяное")
    coat.is_public = True  # reviewed
    coat.save()
    shop.items[1].name = "Пальто (новое)"
    import_shop(tmp_path, shop, mirror=False, hide_new_products=True, use_checksums=False)
    assert oscar("Пальто (новое)").is_public


def test_fields_the_site_owns_stay_as_edited_in_oscar(tmp_path: Path) -> None:
    shop = clothes()
    owned = ("name", "description", "pictures")
    import_shop(tmp_path, shop, site_owned=owned)
    shirt = oscar("Рубашка льняная")
    shirt.title = "Рубашка из льна — хит сезона"
    shirt.save()
    shirt.images.order_by("display_order").last().delete()
    shop.items[0].name = "Рубашка льняная 2025"
    shop.items[0].pictures.append("import_files/ab/shirt-side.png")
    shop.items[2].name = "Ботинки зимние"
    import_shop(tmp_path, shop, mirror=False, site_owned=owned)
    shirt.refresh_from_db()
    assert shirt.title == "Рубашка из льна — хит сезона"
    assert shirt.images.count() == 1  # the owner's choice of pictures
    assert oscar("Ботинки").title == "Ботинки"


def test_a_product_the_shop_had_is_matched_by_barcode(tmp_path: Path) -> None:
    product_class = ProductClass.objects.create(name="Свои товары")
    own = Product.objects.create(
        title="Ботинки (из старого магазина)", upc="4600000000011", product_class=product_class
    )
    partner = Partner.objects.create(name="Старый склад")
    StockRecord.objects.create(
        product=own, partner=partner, partner_sku="OLD-1", price=Decimal("4900"), num_in_stock=1
    )
    shop = clothes()
    shop.items[2].barcode = "4600000000011"
    job = import_shop(tmp_path, shop, mirror=False, match_products_by="barcode")
    assert job.counters["oscar_products_matched"] == 1
    own.refresh_from_db()
    assert own.title == "Ботинки"
    assert Product.objects.filter(upc="4600000000011").count() == 1
    assert stock_of(own)["1С"] == (Decimal("5000.00"), "RUB", 0)
    assert stock_of(own)["Старый склад"][0] == Decimal("4900")  # the shop's own record stays


def test_a_product_the_shop_had_is_matched_by_article(tmp_path: Path) -> None:
    product_class = ProductClass.objects.create(name="Свои товары")
    own = Product.objects.create(title="Пальто", product_class=product_class)
    StockRecord.objects.create(
        product=own, partner=Partner.objects.create(name="Старый склад"), partner_sku="C-100"
    )
    shop = clothes()
    shop.items[1].article = "C-100"
    import_shop(tmp_path, shop, mirror=False, match_products_by="article")
    own.refresh_from_db()
    assert own.title == "Пальто шерстяное"


def test_the_oscar_adapters_code_is_in_the_key_of_the_stored_checksums() -> None:
    """A release that mirrors items into Oscar otherwise writes them all again, once."""
    from cml_exchange.importer import checksum_key

    modules = checksum_key.storing_modules()

    assert {
        "cml_exchange.contrib.oscar.adapter",
        "cml_exchange.contrib.oscar.categories",
        "cml_exchange.contrib.oscar.stock",
    } <= set(modules)
    assert "cml_exchange.importer.adapter" not in modules
