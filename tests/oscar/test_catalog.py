"""A small shop's catalog through the Oscar adapter, as the shop owner sees it in Oscar."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from oscar.core.loading import get_class, get_model

from cml_exchange.importer import ImportOptions, MissingAction, create_job
from cml_exchange.models import ImportJob
from cml_exchange.models import ProductImage as AppImage
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.oscar.cml import Group, Item, Lot, Shop, clothes
from tests.oscar.mirror import expected, in_oscar, prices_and_stock

pytestmark = pytest.mark.django_db

Product: Any = get_model("catalogue", "Product")
Category: Any = get_model("catalogue", "Category")
StockRecord: Any = get_model("partner", "StockRecord")
Selector: Any = get_class("partner.strategy", "Selector")


def import_shop(tmp_path: Path, shop: Shop, *, mirror: bool = True, **options: Any) -> ImportJob:
    """Import ``shop`` as 1C sends it; with ``mirror``, check Oscar holds what the app holds."""
    directory = tmp_path / "exchange"
    files = shop.write(directory)
    job = create_job(files, base_dir=directory, options=ImportOptions(**options))
    assert_done(run_to_end(job))
    job.refresh_from_db()
    if mirror:
        assert in_oscar() == expected()
        want, got = prices_and_stock()
        assert got == want
    return job


def oscar(title: str) -> Any:
    return Product.objects.get(title=title, parent=None)


def categories_of(product: Any) -> list[str]:
    return sorted(category.full_name for category in product.categories.all())


def tree() -> list[str]:
    return [category.full_name for category in Category.objects.order_by("path")]


def stock_of(product: Any) -> dict[str, tuple[Decimal | None, str, int | None]]:
    return {
        record.partner.name: (record.price, record.price_currency, record.num_in_stock)
        for record in product.stockrecords.select_related("partner")
    }


def test_a_shop_with_sizes_groups_properties_and_pictures(tmp_path: Path) -> None:
    job = import_shop(tmp_path, clothes())

    assert tree() == ["Одежда", "Одежда > Рубашки", "Одежда > Пальто", "Обувь"]
    shirt, coat, boots = oscar("Рубашка льняная"), oscar("Пальто шерстяное"), oscar("Ботинки")
    assert (shirt.structure, coat.structure, boots.structure) == (
        "parent",
        "standalone",
        "standalone",
    )
    assert shirt.product_class.name == coat.product_class.name == "Основной каталог"
    assert categories_of(shirt) == ["Одежда > Рубашки"]
    assert categories_of(boots) == ["Обувь"]

    sizes = {child.title: child for child in shirt.children.all()}
    assert set(sizes) == {"Рубашка льняная (S)", "Рубашка льняная (M)"}
    small = sizes["Рубашка льняная (S)"]
    assert small.attr.razmer == "S"
    assert str(shirt.attr.brend) == "Acme"
    assert shirt.attr.ves_kg == pytest.approx(0.35)
    assert shirt.attr.primechanie == "стирка 30°"
    assert not shirt.stockrecords.exists()  # a parent has none
    assert stock_of(small) == {
        "Основной склад": (Decimal("1990.50"), "RUB", 3),
        "Магазин на Ленина": (Decimal("1990.50"), "RUB", 2),  # 2.5 in 1C: whole items
    }
    assert stock_of(coat) == {"Основной склад": (Decimal("12000.00"), "RUB", 1)}
    # 1C sent no stock by warehouse for the boots: its total (-2) at the partner for that.
    assert stock_of(boots) == {"1С": (Decimal("5000.00"), "RUB", 0)}

    # Oscar's pictures are the app's stored files, in 1C's order.
    app_files = list(AppImage.objects.order_by("position").values_list("file", flat=True))
    assert [image.original.name for image in shirt.images.all()] == app_files
    assert all(default_storage.exists(name) for name in app_files)

    # What a buyer is offered: Oscar's default strategy on these stock records.
    strategy = Selector().strategy()
    coat_info = strategy.fetch_for_product(coat)
    assert coat_info.price.excl_tax == Decimal("12000.00")
    assert coat_info.price.currency == "RUB"
    assert coat_info.availability.is_available_to_buy
    assert not strategy.fetch_for_product(boots).availability.is_available_to_buy
    assert strategy.fetch_for_parent(shirt).availability.is_available_to_buy
    assert job.counters["oscar_products_created"] == 3
    assert job.counters["oscar_children_created"] == 2


def test_the_price_type_named_in_the_settings(tmp_path: Path, settings: Any) -> None:
    settings.CML_EXCHANGE_OSCAR_PRICE_TYPE = "Оптовая"
    import_shop(tmp_path, clothes())
    assert stock_of(oscar("Пальто шерстяное")) == {"Основной склад": (Decimal("9000.00"), "RUB", 1)}
    assert stock_of(oscar("Ботинки"))["1С"][0] is None  # no wholesale price in 1C


def test_price_types_in_order_of_preference(tmp_path: Path, settings: Any) -> None:
    settings.CML_EXCHANGE_OSCAR_PRICE_TYPE = ["Оптовая", "retail"]  # a name, a 1C id
    import_shop(tmp_path, clothes())
    assert stock_of(oscar("Пальто шерстяное"))["Основной склад"][0] == Decimal("9000.00")
    assert stock_of(oscar("Ботинки"))["1С"][0] == Decimal("5000.00")  # no wholesale price


def test_an_unknown_price_type_is_a_warning(tmp_path: Path, settings: Any) -> None:
    settings.CML_EXCHANGE_OSCAR_PRICE_TYPE = "Закупочная"
    job = import_shop(tmp_path, clothes())
    assert job.warning_counts["oscar_price_type"] == 1
    assert not StockRecord.objects.exclude(price=None).exists()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the adapter writes in Oscar, with its update stamps."""
    tables = {
        "product": (Product, ["pk", "structure", "parent_id", "title", "slug", "is_public",
                              "date_updated", "product_class_id", "description"]),
        "category": (Category, ["pk", "path", "name", "slug", "is_public", "numchild"]),
        "stockrecord": (StockRecord, ["pk", "product_id", "partner_id", "partner_sku", "price",
                                      "price_currency", "num_in_stock", "date_updated"]),
        "value": (get_model("catalogue", "ProductAttributeValue"),
                  ["pk", "product_id", "attribute_id", "value_text", "value_float",
                   "value_option_id"]),
        "attribute": (get_model("catalogue", "ProductAttribute"), ["pk", "code", "type"]),
        "image": (get_model("catalogue", "ProductImage"),
                  ["pk", "product_id", "original", "display_order"]),
        "in_category": (get_model("catalogue", "ProductCategory"),
                        ["pk", "product_id", "category_id"]),
        "partner": (get_model("partner", "Partner"), ["pk", "name", "code"]),
    }  # fmt: skip
    return {
        name: list(model.objects.order_by("pk").values_list(*fields))
        for name, (model, fields) in tables.items()
    }


@pytest.mark.parametrize("use_checksums", [True, False])
def test_importing_the_same_files_again_changes_nothing(
    tmp_path: Path, use_checksums: bool
) -> None:
    import_shop(tmp_path, clothes())
    before = snapshot()
    job = import_shop(tmp_path, clothes(), use_checksums=use_checksums)
    assert snapshot() == before
    written = {
        name: amount
        for name, amount in job.counters.items()
        if name.startswith("oscar_") and not name.endswith("_waiting") and amount
    }
    assert written == {}


def test_a_product_moved_to_another_group_moves_category(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    shop.items[0].groups = ["g-coats", "g-shoes"]
    import_shop(tmp_path, shop)
    assert categories_of(oscar("Рубашка льняная")) == ["Обувь", "Одежда > Пальто"]


def test_a_group_moved_in_1c_moves_its_category_and_products(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    shirts = shop.groups[0].children.pop(0)
    shop.groups[1].children.append(Group(shirts.id, "Рубашки и сорочки"))
    import_shop(tmp_path, shop)
    assert tree() == ["Одежда", "Одежда > Пальто", "Обувь", "Обувь > Рубашки и сорочки"]
    assert categories_of(oscar("Рубашка льняная")) == ["Обувь > Рубашки и сорочки"]
    assert not Category.objects.filter(name="Рубашки").exists()


def test_what_a_full_exchange_left_out_is_hidden_then_shown_again(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    coat = shop.items.pop(1)
    coat_lot = shop.lots.pop(2)
    shop.groups[0].children.pop(1)  # the coats' group too
    job = import_shop(tmp_path, shop)
    assert job.counters["oscar_products_hidden"] >= 1
    assert not oscar("Пальто шерстяное").is_public
    assert Category.objects.get(name="Пальто").is_public is False
    browsable = Product.objects.browsable()
    assert set(browsable.values_list("title", flat=True)) == {"Рубашка льняная", "Ботинки"}

    shop.items.insert(1, coat)
    shop.lots.insert(2, coat_lot)
    shop.groups[0].children.insert(1, Group("g-coats", "Пальто"))
    import_shop(tmp_path, shop)
    assert oscar("Пальто шерстяное").is_public
    assert Category.objects.get(name="Пальто").is_public


def test_a_product_marked_deleted_in_1c_is_hidden(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    shop.items[2].deleted = True
    import_shop(tmp_path, shop)
    assert not oscar("Ботинки").is_public


def test_deleted_when_the_settings_say_so_pictures_stay_on_disk(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    files = list(AppImage.objects.values_list("file", flat=True))
    shop.items = [item for item in shop.items if item.id != "shirt"]
    shop.lots = [lot for lot in shop.lots if not lot.id.startswith("shirt")]
    shop.groups[0].children.pop(0)
    job = import_shop(
        tmp_path,
        shop,
        missing_products=MissingAction.DELETE,
        missing_groups=MissingAction.DELETE,
    )
    assert not Product.objects.filter(title__startswith="Рубашка").exists()
    assert not Category.objects.filter(name="Рубашки").exists()
    assert job.counters["oscar_products_deleted"] == 1
    assert all(default_storage.exists(name) for name in files)


def test_a_second_offer_makes_a_parent_and_losing_it_a_standalone_product(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    shop.lots.append(Lot("boots#42", "Ботинки (42)", {"retail": "5100"}, quantity="4",
                         characteristics={"Размер": "42"}))  # fmt: skip
    import_shop(tmp_path, shop)
    boots = oscar("Ботинки")
    assert boots.structure == "parent"
    assert not boots.stockrecords.exists()
    assert sorted(boots.children.values_list("title", flat=True)) == ["Ботинки", "Ботинки (42)"]

    shop.lots.pop()
    import_shop(tmp_path, shop, missing_products=MissingAction.DELETE)
    boots = oscar("Ботинки")
    assert boots.structure == "standalone"
    assert not boots.children.exists()
    assert stock_of(boots) == {"1С": (Decimal("5000.00"), "RUB", 0)}


def test_offers_before_their_products(tmp_path: Path) -> None:
    """1C may send offers first: they wait in the app, and reach Oscar with their product."""
    shop = clothes()
    directory = tmp_path / "exchange"
    shop.write(directory)
    first = create_job(["offers.xml"], base_dir=directory)
    assert_done(run_to_end(first))
    assert not Product.objects.exists()
    import_shop(tmp_path, shop)
    assert oscar("Рубашка льняная").children.count() == 2


def import_second_catalog(tmp_path: Path, shop: Shop) -> ImportJob:
    """Import ``shop`` as another 1C base's catalog (its own catalog and classifier ids)."""
    directory = tmp_path / "other"
    files = shop.write(directory)
    for name in files:  # another catalog and classifier, same ids inside
        path = directory / name
        path.write_text(
            path.read_text(encoding="utf-8")
            .replace("<Ид>cat", "<Ид>cat2")
            .replace("ИдКаталога>cat<", "ИдКаталога>cat2<")
            .replace("<Ид>cls<", "<Ид>cls2<")
            .replace("ИдКлассификатора>cls<", "ИдКлассификатора>cls2<"),
            encoding="utf-8",
        )
    job = create_job(files, base_dir=directory)
    assert_done(run_to_end(job))
    job.refresh_from_db()
    return job


def test_a_second_catalog_gets_a_product_class_of_its_own(tmp_path: Path) -> None:
    import_shop(tmp_path, clothes())
    import_second_catalog(tmp_path, Shop(items=[Item("x", "Утюг")], lots=[Lot("x", "Утюг")]))
    assert in_oscar() == expected()
    assert oscar("Утюг").product_class != oscar("Ботинки").product_class


def test_an_offer_id_two_catalogs_share_keeps_its_sku_through_price_changes(
    tmp_path: Path,
) -> None:
    """Oscar keeps a SKU once per partner: the second catalog's "boots" gets one of its own."""
    import_shop(tmp_path, clothes())  # "boots" at the partner for stock without a warehouse
    other = Shop(items=[Item("boots", "Сапоги")], lots=[Lot("boots", "Сапоги", {"retail": "700"})])
    job = import_second_catalog(tmp_path, other)
    boots, other_boots = oscar("Ботинки"), oscar("Сапоги")
    sku = other_boots.stockrecords.get().partner_sku
    assert sku != "boots"
    assert boots.stockrecords.get().partner_sku == "boots"
    assert [w["message"] for w in job.warnings if w["code"] == "oscar_sku"] == [
        "Ид предложения «boots» в Oscar уже артикул другого товара у того же поставщика; "
        f"артикул этого предложения в Oscar: «{sku}»."
    ]

    other.lots[0].prices = {"retail": "750"}  # 1C changes the second catalog's price
    import_second_catalog(tmp_path, other)
    assert stock_of(other_boots) == {"1С": (Decimal("750.00"), "RUB", 1)}
    assert other_boots.stockrecords.get().partner_sku == sku
    assert stock_of(boots) == {"1С": (Decimal("5000.00"), "RUB", 0)}


def test_an_offer_id_like_the_sku_given_to_another_offer_in_the_same_batch(
    tmp_path: Path,
) -> None:
    """1C's own ids win; the adapter's ``cml-<pk>`` SKU steps aside, whichever comes first."""
    import_shop(tmp_path, clothes())
    other = Shop(items=[Item("boots", "Сапоги")])
    import_second_catalog(tmp_path, other)  # the product, not yet sold
    taken = oscar("Сапоги").pk  # "boots" is the first catalog's: its SKU would be cml-<pk>
    other.items.append(Item(f"cml-{taken}", "Другой"))
    other.lots = [Lot("boots", "Сапоги"), Lot(f"cml-{taken}", "Другой")]
    job = import_second_catalog(tmp_path, other)
    assert oscar("Сапоги").stockrecords.get().partner_sku == f"cml-{taken}-2"
    assert oscar("Другой").stockrecords.get().partner_sku == f"cml-{taken}"
    assert job.warning_counts["oscar_sku"] == 1
