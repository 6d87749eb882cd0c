"""Specific values read from the small real fixtures, checked against their XML by hand."""

from datetime import date, time
from decimal import Decimal

import pytest

from cml_exchange.commerceml import (
    Catalog,
    Category,
    Characteristic,
    Classifier,
    CmlReader,
    Document,
    FileInfo,
    Group,
    Image,
    KnownIds,
    Offer,
    OfferPackage,
    Price,
    PriceType,
    Product,
    Property,
    PropertyOption,
    StockRow,
    Unit,
    Warehouse,
    read,
)
from tests.paths import sample


def entities(name, kind=None):
    found = list(read(sample(name)))
    return [entity for entity in found if kind is None or isinstance(entity, kind)]


def by_id(items):
    return {item.id: item for item in items}


class TestCatalogUT11Demo:
    """carono/php-commerceml import.xml: the УТ 11 demo catalog (2.07)."""

    name = "carono__php-commerceml__tests__xml__import"

    def test_headers_come_first_and_in_order(self):
        found = entities(self.name)
        assert found[0] == FileInfo(
            schema_version="2.07",
            generated_at="2017-07-13T14:45:41",
            namespace="urn:1C.ru:commerceml_2",
            encoding="UTF-8",
        )
        assert isinstance(found[1], Classifier)
        assert found[1].id == "07cfe53d-5145-4c4e-a81c-899be39cc5bd"
        catalog_at = next(i for i, e in enumerate(found) if isinstance(e, Catalog))
        first_product_at = next(i for i, e in enumerate(found) if isinstance(e, Product))
        assert catalog_at < first_product_at
        assert found[catalog_at].only_changes is False

    def test_group_tree_parents_before_children(self):
        groups = entities(self.name, Group)
        assert len(groups) == 22
        seen = set()
        for group in groups:
            assert group.parent_id is None or group.parent_id in seen
            seen.add(group.id)
        appliances = by_id(groups)["453d6e1a-7233-11e0-8636-0011951d229d"]
        assert (appliances.name, appliances.parent_id, appliances.depth) == (
            "Бытовая техника",
            None,
            0,
        )
        child = by_id(groups)["0497185d-4398-11e2-ae4d-bcaec5741d46"]
        assert child.name == "Бытовая техника с учетом серий, гарантия 24 мес."
        assert (child.parent_id, child.depth, child.position) == (appliances.id, 1, 1)

    def test_directory_property_with_options(self):
        properties = entities(self.name, Property)
        maker = properties[0]
        assert (maker.name, maker.value_type) == ("Производитель", "Справочник")
        assert len(maker.options) == 7
        assert maker.options[0] == PropertyOption(
            id="444bbea3-6b18-11e0-9819-e0cb4ed5eed4", value="Обувной комбинат"
        )
        assert [p.value_type for p in properties].count("Строка") == 1

    def test_product_fields(self):
        boots = by_id(entities(self.name, Product))["bd72d910-55bc-11d9-848a-00112f43529a"]
        assert boots.name == "Женские ботфорты коричневые"
        assert boots.full_name == "Женские ботфорты коричневые"  # from the requisite
        assert boots.barcode == "2000018987155"
        assert boots.article == "Б-130001"
        assert boots.group_ids == ["e5a4c309-a659-11dd-acee-0015e9b8c48d"]
        assert boots.base_unit == Unit(code="715", name_full="Пара (2 шт.)")
        assert [image.path for image in boots.images] == [
            "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d1.jpg",
            "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d2.jpg",
            "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d3.jpg",
        ]
        maker_value = boots.property_values[0]
        assert maker_value.property_id == "bb14a4b8-6b17-11e0-9819-e0cb4ed5eed4"
        assert maker_value.values == ["444bbea3-6b18-11e0-9819-e0cb4ed5eed4"]


class TestOffersUT11Demo:
    """carono/php-commerceml offers.xml: characteristics, warehouses, stock attributes."""

    name = "carono__php-commerceml__tests__xml__offers"

    def test_package_header(self):
        package = entities(self.name, OfferPackage)[0]
        assert package.id == "07cfe53d-5145-4c4e-a81c-899be39cc5bd#"
        assert package.catalog_id == "07cfe53d-5145-4c4e-a81c-899be39cc5bd"
        assert package.only_changes is False

    def test_price_type_and_warehouses(self):
        (price_type,) = entities(self.name, PriceType)
        assert price_type == PriceType(
            id="bb14a3a4-6b17-11e0-9819-e0cb4ed5eed4",
            name="Розничная",
            currency="RUB",
            tax_name="НДС",
            tax_included=True,
        )
        warehouses = entities(self.name, Warehouse)
        assert [w.name for w in warehouses][:2] == ['Магазин "Обувь"', 'Магазин "Продукты"']
        assert warehouses[0].address == "РОССИЯ ,Москва г ,Москва г ,34 ,1 ,"

    def test_offer_with_characteristics_price_and_stock(self):
        offers = entities(self.name, Offer)
        assert len({offer.product_id for offer in offers}) == 2
        boots_38 = offers[0]
        assert (
            boots_38.id
            == "bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4"
        )
        assert boots_38.product_id == "bd72d910-55bc-11d9-848a-00112f43529a"
        assert boots_38.characteristic_id == "90c55447-d3a8-11e4-9423-e0cb4ed5eed4"
        assert boots_38.name == "Женские ботфорты коричневые (38)"
        assert boots_38.characteristics == [
            Characteristic(name="Размер", value="40", id="14ed8b06-55bd-11d9-848a-00112f43529a"),
            Characteristic(
                name="Тип кожи", value="натуральная кожа", id="14ed8b39-55bd-11d9-848a-00112f43529a"
            ),
            Characteristic(
                name="Цвет", value="Коричневый", id="05e26d72-01e4-11dc-a411-00055d80a2d1"
            ),
        ]
        # Представление "1 719 RUB за пара" (with a non-breaking space) is display text only.
        assert boots_38.prices == [
            Price(
                price_type_id="bb14a3a4-6b17-11e0-9819-e0cb4ed5eed4",
                value=Decimal("1719"),
                presentation="1\xa0719 RUB за пара",
                currency="RUB",
                coefficient=Decimal("1"),
            )
        ]
        assert boots_38.quantity == Decimal("20")
        assert boots_38.stock == [
            StockRow(warehouse_id="b6112590-41ba-11dd-ac9d-0015e9b8c48d", quantity=Decimal("20"))
        ]

    def test_stock_totals(self):
        offers = entities(self.name, Offer)
        assert sum(offer.quantity for offer in offers) == 219
        assert sum(row.quantity for offer in offers for row in offer.stock) == 219


def test_modern_ut_114_classifier_with_categories_and_units():
    """bigperson import.xml: 2.08 under the commerceml_210 namespace."""
    found = entities("bigperson__exchange1c__tests__xml__import")
    categories = [e for e in found if isinstance(e, Category)]
    assert [c.name for c in categories] == ["Test1 Category", "Test2 Category"]
    assert [e for e in found if isinstance(e, Unit)] == [
        Unit(code="796", name_full="Штука", international_abbr="PCE")
    ]
    product = next(e for e in found if isinstance(e, Product))
    assert (product.code, product.article) == ("NF-00005894", "NF-00005894")
    assert product.category_id == categories[0].id
    assert product.full_name == "test product"


def test_category_property_lists():
    category = entities("Katy248__electrotech__example__import", Category)[0]
    assert category.name == "<Без категории>"
    assert category.property_ids[:2] == [
        "196f8eb6-7f84-11ed-a9dc-e0b9a548d6d8",
        "31036664-469c-11f0-ad0f-000c292ac68f",
    ]


def test_offer_level_properties_in_an_offers_file():
    found = entities("bigperson__exchange1c__tests__xml__offers")
    (colour,) = [e for e in found if isinstance(e, Property)]
    assert (colour.name, colour.for_offers, len(colour.options)) == ("Цвет", True, 4)
    offer = next(e for e in found if isinstance(e, Offer))
    assert offer.property_values and offer.property_values[0].property_id == colour.id


def test_image_captions_come_from_the_file_description_requisite():
    products = entities("irpsv__commerceml__tests__assets__umi-cms__import", Product)
    assert products[0].images == [
        Image(
            path="import_files/bd/bd72d92755bc11d9848a00112f43529a_80a7832b39c811e0a35a000b0d4caf68.jpg",
            caption="Изображение",
        )
    ]
    assert products[0].full_name == "Комбайн кухонный BINATONE FP 67"  # the element form


def test_windows_1251_catalog_on_one_line():
    found = entities("Dialdev__Santechtula__upload__1c_catalog__import")
    groups = [e for e in found if isinstance(e, Group)]
    assert groups[0] == Group(id="894f0cbe-9700-0840-0000-4544", name="Ванны")
    assert max(group.depth for group in groups) == 3  # four levels
    bath = next(e for e in found if isinstance(e, Product))
    assert bath.id == "321"
    assert bath.name == 'Ванна "Альтаир" 160х120 без гидромассажа (АКВАТЕК)'
    assert bath.base_unit == Unit(
        code="796", name_full="Штука", name_short="шт", international_abbr="PCE"
    )


def test_price_without_a_value_is_kept_with_its_text():
    offers = by_id(entities("Dialdev__Santechtula__upload__1c_catalog__offers", Offer))
    plug = offers["14157"]
    assert plug.name == "Заглушка 32"
    assert plug.prices[0].value is None
    assert plug.prices[0].presentation == "Уточните у менеджера"
    assert sum(offer.quantity for offer in offers.values()) == Decimal("37884.984")


def test_ukrainian_203_barcode_spelling_and_prices_without_vat():
    product = entities("Denis-777__test__import5", Product)[0]
    assert product.barcode == "4820082670931"  # <ШтрихКод>
    assert product.base_unit.code == "2009"
    price_types = entities("Denis-777__test__offers", PriceType)
    assert all(pt.tax_included is False and pt.currency == "грн" for pt in price_types)
    price = entities("Denis-777__test__offers", Offer)[0].prices[0]
    assert (price.value, price.presentation) == (Decimal("159.4"), "159,4 грн за шт")


def test_trailing_space_in_unit_code_is_trimmed():
    offer = entities("alfredotg__parser1c__tests__data__offer", Offer)[0]
    assert offer.base_unit.code == "796"
    assert [price.unit for price in offer.prices] == ["PCE", "PCE", "PCE"]
    assert len(offer.stock) == 6


def test_deletion_mark_as_an_attribute():
    products = entities("dobromyslov__commerceml-parser__data__import0_1", Product)
    assert [p.name for p in products if p.deleted] == ["Коврик Mini Монстера, 120x44x1.5 см"]
    assert products[0].manufacturer.name == "Crazy Boom"
    assert products[0].tax_rates[0].rate == "20"


def test_erp_offers_deleted_by_status_element_and_quantity_not_recomputed():
    offers = by_id(entities("Kremenchuk", Offer))
    assert sorted(o.id for o in offers.values() if o.deleted) == [
        "5590c762-e4c0-11e2-9526-00163c2d0dbf",
        "8624e117-1c0e-11e6-a730-005056004a1d",
    ]
    odd = offers["dc9a7ca3-e499-11e2-9526-00163c2d0dbf"]
    assert odd.quantity == Decimal("19")
    assert sum(row.quantity for row in odd.stock) == 18


def test_characteristics_inside_the_catalog_ut103_mode():
    products = entities("iMega__commerceml2teleport__parser__fixture__import", Product)
    first = products[0]
    assert first.id == "348fceb0-219f-11e2-8401-001e8c60f11c#18b18a6d-66c6-11e2-8671-00259079b159"
    assert first.base_id == "348fceb0-219f-11e2-8401-001e8c60f11c"
    assert first.characteristics == [Characteristic(name="ЦПП", value="Импортер (628 156)")]
    offers = entities("iMega__commerceml2teleport__parser__fixture__offer", Offer)
    assert {o.id for o in offers} == {p.id for p in products}


class TestSplitPackage:
    """gillbeits 2.09 package: each part carries only its own fields."""

    def test_classifier_part_declares_price_types_warehouses_and_units(self):
        found = entities("gillbeits__commerceml__example__import___")
        assert [e.name for e in found if isinstance(e, PriceType)] == [
            "Типовое соглашение Интернет-МХТ"
        ]
        assert [e.name for e in found if isinstance(e, Warehouse)] == ["Оптовый"]
        groups = [e for e in found if isinstance(e, Group)]
        assert groups[0].version == "AAAAAADhHdY=" and groups[0].deleted is False
        catalog = next(e for e in found if isinstance(e, Catalog))
        assert catalog.only_changes is True
        assert catalog.description == "Косметика и гигиена"

    def test_parts_leave_what_they_do_not_carry_as_none(self):
        offer = entities("gillbeits__commerceml__example__offers___", Offer)[0]
        prices = entities("gillbeits__commerceml__example__prices___", Offer)[0]
        rests = entities("gillbeits__commerceml__example__rests___", Offer)[0]
        assert offer.id == prices.id == rests.id == "26b0dc1e-4d66-11e4-99fe-003048c64779"
        assert offer.name.startswith("Дезодорант для мужчин")
        assert (offer.prices, offer.stock, offer.quantity) == (None, None, None)
        assert prices.prices[0].value == Decimal("181") and prices.stock is None
        assert rests.prices is None
        assert rests.stock == [
            StockRow(warehouse_id="5d1caeb1-44b2-11e4-a628-003048c64779", quantity=Decimal("1"))
        ]

    def test_references_resolve_across_the_files_of_one_exchange(self):
        known = KnownIds()
        for part in ("import___", "offers___", "prices___", "rests___"):
            reader = CmlReader(sample(f"gillbeits__commerceml__example__{part}"), known=known)
            list(reader)
            assert [w.code for w in reader.warnings if w.code.startswith("unknown")] == [], part
        alone = CmlReader(sample("gillbeits__commerceml__example__rests___"))
        list(alone)
        assert [w.code for w in alone.warnings] == ["unknown_warehouse"]


class TestDanglingReferences:
    def test_undeclared_warehouse_is_a_warning_not_an_error(self):
        reader = CmlReader(sample("sukhikh18__woocommerce-ml__tests__fixtures__offers0_1"))
        offers = [e for e in reader if isinstance(e, Offer)]
        assert len(offers) == 3
        assert [w.code for w in reader.warnings] == ["unknown_warehouse"]
        assert "склад" in reader.warnings[0].message

    def test_undeclared_groups_and_properties(self):
        reader = CmlReader(sample("sukhikh18__woocommerce-ml__tests__fixtures__import0_1"))
        assert len([e for e in reader if isinstance(e, Product)]) == 5
        assert sorted(reader.warning_counts) == ["unknown_group", "unknown_property"]

    def test_offers_for_products_missing_from_the_catalog(self):
        known = KnownIds(products=set())
        list(CmlReader(sample("irpsv__commerceml__tests__assets__umi-cms__import"), known=known))
        offers_reader = CmlReader(
            sample("irpsv__commerceml__tests__assets__umi-cms__offers"), known=known
        )
        assert len([e for e in offers_reader if isinstance(e, Offer)]) == 14
        assert offers_reader.warning_counts["unknown_product"] == 11

    def test_undeclared_price_types(self):
        reader = CmlReader(sample("alfredotg__parser1c__tests__data__offer"))
        list(reader)
        assert reader.warning_counts == {"unknown_price_type": 3, "unknown_warehouse": 6}

    def test_empty_offers_are_skipped_and_summed_up(self):
        reader = CmlReader(sample("Kremenchuk"))
        assert len([e for e in reader if isinstance(e, Offer)]) == 222
        assert reader.skipped["empty_offer"] == 27
        assert [w.message for w in reader.warnings] == [
            "Пропущено пустых предложений (без Ид): 27."
        ]


class TestOrders:
    def test_bitrix_site_to_1c_order(self):
        (order,) = entities("carono__yii2-1c-exchange__files__xml__from", Document)
        assert (order.id, order.number, order.operation, order.role) == (
            "36",
            "36",
            "Заказ товара",
            "Продавец",
        )
        assert (order.date, order.time) == (date(2007, 10, 30), time(15, 19, 27))
        assert order.amount == Decimal("6734.47")
        buyer = order.counterparties[0]
        assert buyer.id == "1#admin# admin"
        assert (buyer.last_name, buyer.first_name) == ("Иванов", "admin")
        assert buyer.registration_address.fields[0].value == "1111"
        assert buyer.representatives[0].name == "admin"
        delivery, tv = order.lines
        assert delivery.is_delivery and delivery.price == Decimal("340.00")
        assert delivery.requisite("ТипНоменклатуры") == "Услуга"
        assert tv.name == "Телевизор &quot;JVC&quot;"  # escaped twice in the file itself
        assert tv.unit == Unit(
            code="796", name_full="Штука", name_short="шт", international_abbr="PCE"
        )
        assert order.requisite("Статус заказа") == "[N] Принят"

    def test_ut11_order_back_to_the_site(self):
        first, second = entities("ArgentCrusade", Document)
        assert (first.number_1c, first.date_1c) == ("ТДЦУ-000001", date(2015, 6, 29))
        assert first.version == "AAAAEAAAAAA="
        assert first.lines[0].price == Decimal("3338")  # written as <Цена>
        assert first.lines[1].unit.name_short == "пар"  # nested <Единица>
        assert first.requisite("Статуса заказа ИД") == "P"
        assert first.taxes[0].amount == Decimal("1248.84")
        assert first.warehouses[0].name == "Центральный склад"
        assert second.lines[1].is_delivery and second.lines[1].price == Decimal("500")

    def test_status_only_documents_have_no_lines(self):
        full, *status_only = entities(
            "irpsv__commerceml__tests__assets__off-doc-1c__orders", Document
        )
        assert len(full.lines) == 2
        assert [d.lines for d in status_only] == [None, None]
        assert status_only[0].requisite("Номер по 1С") == "MM92"
        assert (status_only[0].number_1c, status_only[0].date_1c) == ("MM92", date(2015, 8, 12))

    def test_modern_requisites_and_unit_text(self):
        (order,) = entities("dicrtarasov", Document)
        assert (order.number_1c, order.date_1c) == ("СА-013838", date(2021, 2, 17))
        assert order.requisite("Дата оплаты по 1С") == "2021-02-18T9:49:02"
        assert order.requisite("Отгружен") == "true"
        line = order.lines[1]
        assert (line.article, line.quantity, line.amount) == (
            "430012",
            Decimal("3"),
            Decimal("1110"),
        )
        assert line.unit.name_short == "шт"  # from <Единица>шт</Единица>


@pytest.mark.parametrize(
    "name",
    ["revalle88__evrolist__import", "gillbeits__commerceml__example__import___"],
)
def test_files_without_some_containers_still_read(name):
    found = entities(name)
    assert isinstance(found[0], FileInfo)
    assert any(isinstance(e, Catalog) for e in found)
