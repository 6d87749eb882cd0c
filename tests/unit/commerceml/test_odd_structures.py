"""Odd but well-formed structures: read as Bitrix reads them, or refused with a clear failure.

The files are in tests/data/cases/structures/ (see the README there).
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from cml_exchange.commerceml import (
    Catalog,
    Classifier,
    CmlReader,
    FileInfo,
    Offer,
    OfferPackage,
    Product,
    XmlParseError,
    read,
)
from cml_exchange.commerceml.entities import StockRow
from tests.paths import DATA_DIR

CASES = DATA_DIR / "cases" / "structures"

ROOT_OPEN = '<КоммерческаяИнформация ВерсияСхемы="2.09" ДатаФормирования="2024-01-01T00:00:00">'


def read_case(name: str) -> list[object]:
    return list(read(CASES / name))


def read_text(body: str, name: str = "rests.xml") -> list[object]:
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n{ROOT_OPEN}{body}</КоммерческаяИнформация>'
    return list(read(io.BytesIO(data.encode()), name=name))


def offers_of(entities: list[object]) -> dict[str, Offer]:
    return {e.id: e for e in entities if isinstance(e, Offer)}


def package(*offers: str) -> str:
    return (
        "<ПакетПредложений><Ид>cat#</Ид><Предложения>"
        + "".join(f"<Предложение>{offer}</Предложение>" for offer in offers)
        + "</Предложения></ПакетПредложений>"
    )


# -- issue 12, item 3: stock without a warehouse is the offer's total ----------------------


def test_rest_without_a_warehouse_is_the_total_quantity():
    offers = offers_of(read_case("rests_total.xml"))

    assert offers["p-1"].quantity == Decimal("5")  # Остаток/Количество
    assert offers["p-2"].quantity == Decimal("66")  # a bare <Остаток>66</Остаток>
    # Nothing is said about warehouses: their stock rows are left as they are.
    assert offers["p-1"].stock is None
    assert offers["p-2"].stock is None


def test_total_rest_next_to_warehouse_rests_is_kept_as_sent():
    offers = offers_of(
        read_text(
            package(
                "<Ид>a</Ид><Остатки>"
                "<Остаток><Склад><Ид>w1</Ид><Количество>2</Количество></Склад></Остаток>"
                "<Остаток><Склад><Ид>w2</Ид><Количество>3</Количество></Склад></Остаток>"
                "<Остаток><Количество>9</Количество></Остаток>"
                "</Остатки>",
                # The offer's own Количество wins over a total in Остатки, wherever it stands.
                "<Ид>b</Ид><Остатки><Остаток>4</Остаток></Остатки><Количество>8</Количество>",
            )
        )
    )

    assert offers["a"].quantity == Decimal("9")
    assert offers["a"].stock == [
        StockRow(warehouse_id="w1", quantity=Decimal("2")),
        StockRow(warehouse_id="w2", quantity=Decimal("3")),
    ]
    assert offers["b"].quantity == Decimal("8")


def test_unreadable_total_rest_is_a_warning_not_a_zero():
    data = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{ROOT_OPEN}'
        + package("<Ид>a</Ид><Остатки><Остаток>много</Остаток></Остатки>")
        + "</КоммерческаяИнформация>"
    )
    reader = CmlReader(io.BytesIO(data.encode()), name="rests.xml")
    offers = offers_of(list(reader))

    assert offers["a"].quantity is None
    assert reader.warning_counts["bad_number"] == 1
    assert "много" in reader.warnings[0].message


# -- issue 12, item 4: Каталог inside Классификатор ---------------------------------------


def test_catalog_inside_the_classifier_is_read_like_a_top_level_one():
    entities = [e for e in read_case("nested_catalog_import.xml") if not isinstance(e, FileInfo)]

    kinds = [type(e).__name__ for e in entities]
    assert kinds == [
        "Classifier", "Group", "Property", "Catalog", "Product", "Product",
        "Classifier", "PriceType",
    ]  # fmt: skip
    catalog = entities[3]
    assert isinstance(catalog, Catalog)
    assert (catalog.id, catalog.name) == ("nested-catalog", "Тестовый каталог")
    # No ИдКлассификатора of its own: it belongs to the classifier it sits in.
    assert catalog.classifier_id == "nested-classifier"
    products = [e for e in entities if isinstance(e, Product)]
    assert [(p.id, p.group_ids) for p in products] == [
        ("hammer", ["g-tools"]),
        ("saw", ["g-tools"]),
    ]
    # What follows the catalog in the classifier is the classifier's again.
    assert isinstance(entities[6], Classifier)
    assert entities[6].id == "nested-classifier"


def test_nested_catalog_is_listed_among_the_file_kinds():
    reader = CmlReader(CASES / "nested_catalog_import.xml")
    list(reader)

    assert reader.kinds == ["classifier", "catalog"]
    assert reader.warnings == []  # the products' groups and properties resolve


def test_resuming_inside_the_nested_catalog_yields_its_headers_again():
    # Ordinals: group 0, property 1, hammer 2, saw 3, price type 4.
    resumed = list(CmlReader(CASES / "nested_catalog_import.xml", skip=3))

    entities = [e for e in resumed if not isinstance(e, FileInfo)]
    assert [type(e).__name__ for e in entities] == [
        "Classifier", "Catalog", "Product", "Classifier", "PriceType",
    ]  # fmt: skip
    catalog, product = entities[1], entities[2]
    assert isinstance(catalog, Catalog) and isinstance(product, Product)
    assert (catalog.id, catalog.classifier_id, product.id) == (
        "nested-catalog",
        "nested-classifier",
        "saw",
    )


def test_offer_package_inside_the_classifier_is_read_too():
    entities = read_text(
        "<Классификатор><Ид>k</Ид><ПакетПредложений><Ид>cat#</Ид><ИдКаталога>cat</ИдКаталога>"
        "<Предложения><Предложение><Ид>p</Ид><Количество>3</Количество></Предложение>"
        "</Предложения></ПакетПредложений></Классификатор>"
    )

    packages = [e for e in entities if isinstance(e, OfferPackage)]
    assert [(p.catalog_id, p.classifier_id) for p in packages] == [("cat", "k")]
    assert [type(e).__name__ for e in entities[1:]] == ["Classifier", "OfferPackage", "Offer"]


def test_container_anywhere_else_is_refused_with_file_line_and_element():
    with pytest.raises(XmlParseError) as caught:
        read_case("catalog_in_offer_package.xml")

    error = caught.value
    assert error.file == "catalog_in_offer_package.xml"
    assert error.line == 6
    assert error.element == "КоммерческаяИнформация/ПакетПредложений/Каталог"
    message = str(error)
    assert "Каталог" in message and "ПакетПредложений" in message
    assert "строка 6" in message


# -- issue 12, item 8: groups where a product's group list is, and other misplaced groups --


@pytest.mark.parametrize(
    ("name", "line"), [("group_in_product.xml", 16), ("group_in_product_nested.xml", 11)]
)
def test_group_in_a_products_group_list_is_a_clear_failure(name: str, line: int) -> None:
    with pytest.raises(XmlParseError) as caught:
        read_case(name)

    error = caught.value
    assert (error.file, error.line) == (name, line)
    assert error.element == "КоммерческаяИнформация/Каталог/Товары/Товар/Группы/Группа"
    message = str(error)
    assert "p-1" in message  # the product
    assert "Ид" in message  # what belongs there instead
    assert f"строка {line}" in message


def test_subgroups_of_a_group_outside_any_group_list_are_a_clear_failure():
    with pytest.raises(XmlParseError) as caught:
        read_case("group_outside_list.xml")

    error = caught.value
    assert error.line == 10
    assert error.element == "КоммерческаяИнформация/Классификатор/Группа/Группы/Группа"
    assert "Группа" in str(error)


def test_a_packages_warehouses_are_declared_from_its_skladi_and_an_offers_are_stock():
    """Declared: each ``Склады/Склад`` of the package; an offer's ``Склад``/``Склады`` is stock.

    Resumed after them, the read still gives the package's header whole.
    """
    body = (
        "<ПакетПредложений><Ид>cat#</Ид><Наименование>Пакет</Наименование>"
        "<Склады><Склад><Ид>wh-1</Ид><Наименование>Первый</Наименование></Склад>"
        "<Склад><Ид>wh-2</Ид><Наименование>Второй</Наименование></Склад></Склады>"
        "<Предложения><Предложение><Ид>p-1</Ид>"
        '<Склады ИдСклада="wh-1" КоличествоНаСкладе="3"/>'
        '<Склад ИдСклада="wh-2" КоличествоНаСкладе="4"/>'
        "</Предложение></Предложения></ПакетПредложений>"
    )
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n{ROOT_OPEN}{body}</КоммерческаяИнформация>'

    def entities(skip: int) -> tuple[list[object], CmlReader]:
        reader = CmlReader(io.BytesIO(data.encode()), name="offers.xml", skip=skip)
        return list(reader), reader

    found, reader = entities(0)
    assert [type(e).__name__ for e in found] == [
        "FileInfo", "OfferPackage", "Warehouse", "Warehouse", "Offer"
    ]  # fmt: skip
    assert [(w.id, w.name) for w in found[2:4]] == [("wh-1", "Первый"), ("wh-2", "Второй")]
    assert offers_of(found)["p-1"].stock == [
        StockRow(warehouse_id="wh-1", quantity=Decimal("3")),
        StockRow(warehouse_id="wh-2", quantity=Decimal("4")),
    ]
    assert reader.warnings == []

    for skip in (1, 2):
        resumed, _ = entities(skip)
        assert resumed[1] == found[1] and resumed[1].name == "Пакет"
        assert resumed[2:] == found[2 + skip :]
