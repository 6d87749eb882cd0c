"""Odd structures through the whole importer: stock without warehouses, a catalog inside
the classifier, groups inside a product. The files are in tests/data/cases/structures/.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.importer.results import Failed, StepResult
from cml_exchange.models import (
    Catalog,
    ImportJob,
    Offer,
    Price,
    PriceType,
    Product,
    Stock,
    Warehouse,
)
from tests.integration.importer import cml_files as files
from tests.integration.importer.cml_files import Item, Lot
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

CASES = DATA_DIR / "cases" / "structures"


def import_files(directory: Path, *named: str | tuple[str, str]) -> tuple[ImportJob, StepResult]:
    """Import, in one job, case files (by name) and written ones (``(name, text)``)."""
    names = []
    for item in named:
        if isinstance(item, tuple):
            names.append(files.write(directory, *item))
        else:
            directory.mkdir(parents=True, exist_ok=True)
            shutil.copy(CASES / item, directory / item)
            names.append(item)
    job = create_job(names, base_dir=directory, options=ImportOptions())
    result = run_to_end(job)
    job.refresh_from_db()
    return job, result


def stock_of(offer_id: str) -> tuple[Decimal | None, dict[str, Decimal]]:
    offer = Offer.objects.get(external_id=offer_id)
    rows = Stock.objects.filter(offer=offer).values_list("warehouse__external_id", "quantity")
    return offer.quantity, dict(rows)


def stocked(directory: Path, *, p2_quantity: str, p2_stock: dict[str, str]) -> None:
    """Two products and their offers: p-1 with 10 in two warehouses, p-2 as given."""
    lots = [
        Lot("p-1", quantity="10", stock={"main": "4", "shop": "6"}),
        Lot("p-2", quantity=p2_quantity, stock=p2_stock),
    ]
    assert_done(
        import_files(
            directory,
            ("import.xml", files.catalog("cat-1", [Item("p-1", "Молоток"), Item("p-2", "Пила")])),
            ("offers.xml", files.offers("cat-1", lots)),
        )[1]
    )


def test_stock_without_a_warehouse_is_the_offers_total_and_warehouse_stock_still_works(
    tmp_path,
):
    stocked(tmp_path / "1", p2_quantity="1", p2_stock={"main": "1"})

    # A rests file with only totals: Остаток/Количество and a bare <Остаток>66</Остаток>.
    job, result = import_files(tmp_path / "2", "rests_total.xml")
    assert_done(result)
    assert stock_of("p-1") == (Decimal("5"), {"main": Decimal("4"), "shop": Decimal("6")})
    assert stock_of("p-2") == (Decimal("66"), {"main": Decimal("1")})
    assert job.warnings == []

    # A later offers file with warehouse stock is read as before.
    later = [
        Lot("p-1", quantity="3", stock={"main": "1", "shop": "2"}),
        Lot("p-2", quantity="0", stock={"main": "0"}),
    ]
    assert_done(import_files(tmp_path / "3", ("offers.xml", files.offers("cat-1", later)))[1])
    assert stock_of("p-1") == (Decimal("3"), {"main": Decimal("1"), "shop": Decimal("2")})
    assert stock_of("p-2") == (Decimal("0"), {"main": Decimal("0")})


def rests(stock: dict[str, dict[str, str]], *, only_changes: bool) -> str:
    """A rests file: each offer's stock by warehouse, without a total (Количество)."""
    rows = "".join(
        f"<Предложение><Ид>{offer}</Ид>"
        + "".join(
            f'<Склад ИдСклада="{warehouse}" КоличествоНаСкладе="{amount}"/>'
            for warehouse, amount in amounts.items()
        )
        + "</Предложение>"
        for offer, amounts in stock.items()
    )
    return (
        f"{files.HEAD}{files.ROOT}"
        f'<ПакетПредложений СодержитТолькоИзменения="{files.flag(only_changes)}">'
        "<Ид>cat-1#</Ид><Наименование>Остатки</Наименование><ИдКаталога>cat-1</ИдКаталога>"
        f"<Предложения>{rows}</Предложения></ПакетПредложений>{files.END}"
    )


@pytest.mark.parametrize("steps", [1, 2])
def test_a_rests_file_without_totals_sums_what_each_offer_holds_after_it(tmp_path, steps):
    """Changes only: the warehouses not in the file stay and count; a full file replaces them.

    Both offers in one batch, or a batch each.
    """
    stocked(tmp_path / "1", p2_quantity="3", p2_stock={"main": "3"})
    options = ImportOptions(batch_size=3 - steps)

    def import_rests(directory: str, text: str) -> None:
        job = create_job(
            [files.write(tmp_path / directory, "rests.xml", text)],
            base_dir=tmp_path / directory,
            options=options,
        )
        assert_done(run_to_end(job))

    changes = {"p-1": {"main": "1"}, "p-2": {"shop": "2"}}
    import_rests("2", rests(changes, only_changes=True))
    assert stock_of("p-1") == (Decimal("7"), {"main": Decimal("1"), "shop": Decimal("6")})
    assert stock_of("p-2") == (Decimal("5"), {"main": Decimal("3"), "shop": Decimal("2")})

    import_rests("3", rests({"p-1": {"main": "2"}, "p-2": {"main": "0"}}, only_changes=False))
    assert stock_of("p-1") == (Decimal("2"), {"main": Decimal("2")})
    assert stock_of("p-2") == (Decimal("0"), {"main": Decimal("0")})


def test_catalog_inside_the_classifier_gets_its_products_and_their_offers(tmp_path):
    job, result = import_files(tmp_path, "nested_catalog_import.xml", "nested_catalog_offers.xml")

    assert_done(result)
    catalog = Catalog.objects.get()  # one catalog: no second one for the offers
    assert catalog.external_id == "nested-catalog"
    assert catalog.name == "Тестовый каталог"
    assert catalog.classifier is not None
    assert catalog.classifier.external_id == "nested-classifier"
    products = {p.external_id: p for p in Product.objects.filter(catalog=catalog)}
    assert sorted(products) == ["hammer", "saw"]
    assert [g.external_id for g in products["hammer"].groups.all()] == ["g-tools"]
    assert products["hammer"].property_values.get().value == "0.5"
    offers = Offer.objects.filter(catalog=catalog).order_by("external_id")
    assert [(o.external_id, o.product_id, o.quantity) for o in offers] == [
        ("hammer", products["hammer"].pk, Decimal("7")),
        ("saw", products["saw"].pk, Decimal("2")),
    ]
    prices = Price.objects.filter(offer__catalog=catalog).values_list(
        "offer__external_id", "price_type__name", "value"
    )
    assert sorted(prices) == [
        ("hammer", "Розничная", Decimal("450")),
        ("saw", "Розничная", Decimal("900")),
    ]
    codes = set(job.warning_counts)
    assert not codes & {"unknown_product", "unknown_group", "unknown_property"}


@pytest.mark.parametrize(
    ("name", "line"), [("group_in_product.xml", 16), ("group_in_product_nested.xml", 11)]
)
def test_group_inside_a_products_group_list_fails_naming_file_line_and_element(
    tmp_path: Path, name: str, line: int
) -> None:
    job, result = import_files(tmp_path, name)

    assert isinstance(result, Failed), result
    assert job.status == ImportJob.Status.FAILED
    for part in (name, f"строка {line}", "Товар/Группы/Группа", "p-1"):
        assert part in result.message
    assert "внутренняя ошибка" not in result.message
    assert not Product.objects.exists()


def test_a_price_type_and_a_warehouse_declared_twice_in_one_file_are_one_each(tmp_path):
    _job, result = import_files(tmp_path / "exchange", "declared_twice.xml")
    assert_done(result)
    assert list(PriceType.objects.values_list("external_id", "name")) == [
        ("retail", "Розничная цена")
    ]
    assert list(Warehouse.objects.values_list("external_id", "name")) == [
        ("main", "Основной склад")
    ]
    offer = Offer.objects.get(external_id="p1")
    assert Price.objects.get(offer=offer).value == Decimal("990")
    assert stock_of("p1") == (Decimal("3"), {"main": Decimal("3")})
