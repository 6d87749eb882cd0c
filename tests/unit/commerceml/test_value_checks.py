"""The scan refuses a file whose values cannot be stored, naming the file, line, element, value.

The limits here are written out by hand, as the importer builds them from the
models (``cml_exchange.importer.limits``): 255 characters for an ``Ид``, 512
for a product's name, 32 for a unit's code, ``DECIMAL(19, 4)`` for numbers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cml_exchange.commerceml.errors import CmlExchangeError
from cml_exchange.commerceml.reading.scan import (
    NUMBER_COLUMNS,
    TEXT_COLUMNS,
    ValueLimitError,
    ValueLimits,
    scan,
)
from cml_exchange.commerceml.reading.summary import summarize
from cml_exchange.commerceml.values import fits_decimal, largest_decimal
from tests.paths import DATA_DIR

CASES = DATA_DIR / "cases" / "values"
_WIDER = {
    "Product.name": 512,
    "Offer.name": 512,
    "PropertyOption.value": 1024,
    "OfferCharacteristic.value": 1024,
    "ProductImage.source_path": 500,
    "ProductImage.caption": 500,
}
_NARROWER = {
    "Unit.code": 32,
    "Unit.name_short": 64,
    "Unit.international_abbr": 16,
    "PriceType.currency": 32,
    "PriceType.tax_name": 64,
    "Price.currency": 32,
    "Price.unit": 64,
    "Property.value_type": 32,
    "ProductTax.rate": 64,
    "Group.version": 64,
    "Property.version": 64,
    "Product.version": 64,
    "Offer.version": 64,
}
LIMITS = ValueLimits(
    lengths={column: 255 for column in TEXT_COLUMNS} | _WIDER | _NARROWER,
    decimals=dict.fromkeys(NUMBER_COLUMNS, (19, 4)),
    not_negative=frozenset({"Price.value", "Price.coefficient", "Product.weight"}),
    numbers_only=frozenset({"Price.value"}),
)
OFFER = "ПакетПредложений/Предложения/Предложение"


#: The case files that are refused, with what the refusal says.
REFUSED = [
    ("price_1e30.xml", 54, f"{OFFER}/Цены/Цена/ЦенаЗаЕдиницу",
     "цена «1e30» больше допустимого (999 999 999 999 999), предложение «p-3»"),
    ("price_rounds_over.xml", 28, f"{OFFER}/Цены/Цена/ЦенаЗаЕдиницу",
     "цена «999999999999999.99995» больше допустимого (999 999 999 999 999)"),
    ("price_negative.xml", 41, f"{OFFER}/Цены/Цена/ЦенаЗаЕдиницу",
     "цена «-2300» меньше нуля, предложение «p-2»"),
    ("price_nan.xml", 28, f"{OFFER}/Цены/Цена/ЦенаЗаЕдиницу",
     "цена «NaN» — не число, предложение «p-1»"),
    ("stock_too_big.xml", 33, f"{OFFER}/Склад/@КоличествоНаСкладе",
     "остаток на складе «1E+15» больше допустимого (999 999 999 999 999)"),
    ("offer_id_too_long.xml", 36, f"{OFFER}/Ид",
     "Ид предложения длиннее 255 символов (265): «p-2-0123456789"),
    ("price_type_id_too_long.xml", 27, f"{OFFER}/Цены/Цена/ИдТипаЦены",
     "Ид типа цены длиннее 255 символов (256): «tttt"),
    ("product_id_too_long.xml", 21, "Каталог/Товары/Товар/Ид",
     "Ид товара длиннее 255 символов (300): «товар-0123"),
    ("group_name_too_long.xml", 9, "Классификатор/Группы/Группа/Наименование",
     "наименование группы длиннее 255 символов (329): «Бытовая техника"),
    ("weight_negative.xml", 18,
     "Каталог/Товары/Товар/ЗначенияРеквизитов/ЗначениеРеквизита/Значение",
     "вес товара «-0,5» меньше нуля, товар «p-1»"),
    ("unit_code_too_long.xml", 15, "Каталог/Товары/Товар/БазоваяЕдиница/@Код",
     "код единицы измерения длиннее 32 символов (40): «7777"),
    ("price_presentation_too_long.xml", 28, f"{OFFER}/Цены/Цена/Представление",
     "представление цены длиннее 255 символов (267): «1 500 руб. за шт"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "line", "element", "says"), REFUSED, ids=[case[0] for case in REFUSED]
)
def test_a_value_that_cannot_be_stored_refuses_the_file(name, line, element, says):
    with pytest.raises(ValueLimitError) as caught:
        scan(CASES / name, limits=LIMITS)

    error = caught.value
    assert isinstance(error, CmlExchangeError)  # the importer fails the job with its text
    assert (error.file, error.line, error.element) == (name, line, element)
    message = str(error)
    assert message.startswith(f"Файл {name} не загружен: ")
    assert says in message
    assert f"(строка {line}, элемент {element})." in message
    assert message.endswith("Исправьте данные в 1С и повторите обмен.")


def test_values_1c_may_send_pass():
    """Negative stock, many decimals, spaces, the largest price, an Ид of 255: all accepted.

    An unreadable quantity (``много``, ``NaN``) is the reader's warning, not a
    refusal, and an empty price is a price on request.
    """
    found = scan(CASES / "accepted.xml", limits=LIMITS)

    assert found.problems == []
    assert found.problem_count == 0
    assert found.counts["offers"] == 6


def test_every_problem_is_counted_and_the_first_in_the_file_is_named(tmp_path):
    """A package header's problem is found at its end, after its offers, yet it is named first."""
    text = (CASES / "price_1e30.xml").read_text(encoding="utf-8")
    text = text.replace("<ЦенаЗаЕдиницу>1500<", "<ЦенаЗаЕдиницу>-1<")
    text = text.replace("<ИдКлассификатора>cat-1<", f"<ИдКлассификатора>{'к' * 256}<")
    path = tmp_path / "offers.xml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ValueLimitError) as caught:
        scan(path, limits=LIMITS)

    assert caught.value.count == 3
    assert caught.value.line == 7
    assert "Ид классификатора длиннее 255 символов (256)" in str(caught.value)
    assert "пакет предложений (строка 7, элемент ПакетПредложений/ИдКлассификатора)" in str(
        caught.value
    )
    assert "Всего таких значений в файле: 3." in str(caught.value)

    listed = scan(path, limits=LIMITS, refuse=False)
    assert [(problem.column, problem.line) for problem in listed.problems] == [
        ("Classifier.external_id", 7),
        ("Price.value", 28),
        ("Price.value", 54),
    ]


def test_only_what_the_reader_reads_is_checked(tmp_path):
    """An offer without an Ид, a price without a price type, order lines: never written."""
    text = (CASES / "price_1e30.xml").read_text(encoding="utf-8")
    untyped = "<ИдТипаЦены>retail</ИдТипаЦены>\n\t\t\t\t\t\t<ЦенаЗаЕдиницу>1500"
    assert "<Ид>p-3</Ид>" in text and untyped in text
    text = text.replace("<Ид>p-3</Ид>", "<Ид></Ид>")  # the 1e30 offer
    text = text.replace(untyped, "<ЦенаЗаЕдиницу>-5")
    order = (
        f"<Документ><Ид>o-1</Ид><Товары><Товар><Ид>{'x' * 300}</Ид>"
        "<ЦенаЗаЕдиницу>1e30</ЦенаЗаЕдиницу></Товар></Товары></Документ>"
    )
    text = text.replace("</ПакетПредложений>", f"</ПакетПредложений>{order}")
    path = tmp_path / "offers.xml"
    path.write_text(text, encoding="utf-8")

    found = scan(path, limits=LIMITS)

    assert (found.problem_count, found.counts["offers"], found.counts["documents"]) == (0, 3, 1)


def test_a_declared_warehouses_name_is_checked_in_a_package_and_in_a_classifier(tmp_path):
    """The reader writes each Склад of a package's or a classifier's Склады: so it is checked."""
    long_name = "Склад " + "ы" * 300
    text = (CASES / "stock_too_big.xml").read_text(encoding="utf-8")
    text = text.replace('КоличествоНаСкладе="1E+15"', 'КоличествоНаСкладе="2"')
    package = tmp_path / "offers.xml"
    package.write_text(text, encoding="utf-8")
    assert scan(package, limits=LIMITS).problems == []

    package.write_text(
        text.replace("<Наименование>Основной склад<", f"<Наименование>{long_name}<"),
        encoding="utf-8",
    )
    with pytest.raises(ValueLimitError) as caught:
        scan(package, limits=LIMITS)
    assert caught.value.element == "ПакетПредложений/Склады/Склад/Наименование"
    assert "наименование склада длиннее 255 символов (306)" in str(caught.value)

    classifier = tmp_path / "import.xml"
    classifier.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<КоммерческаяИнформация ВерсияСхемы="2.08"><Классификатор><Ид>c-1</Ид>'
        f"<Склады><Склад><Ид>wh-2</Ид><Наименование>{long_name}</Наименование></Склад>"
        "</Склады></Классификатор></КоммерческаяИнформация>",
        encoding="utf-8",
    )
    with pytest.raises(ValueLimitError) as caught:
        scan(classifier, limits=LIMITS)
    assert caught.value.element == "Классификатор/Склады/Склад/Наименование"


def test_without_limits_the_scan_only_counts():
    assert scan(CASES / "price_1e30.xml").counts["offers"] == 3


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("999999999999999", True),
        ("-999999999999999", True),
        ("999999999999999.0000", True),
        ("12.345678", True),  # the database keeps 12.3457
        ("0.00001", True),
        ("1E-1000", True),
        ("999999999999999.0001", False),  # PostgreSQL keeps it, SQLite reads back 10**15
        ("999999999999999.99995", False),  # rounds to 10**15 on PostgreSQL
        ("1E+15", False),
        ("1e30", False),
        ("1E+999999999999999999", False),
        ("1E-20000", False),  # PostgreSQL cannot read it at all
        ("0E-20000", False),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_fits_decimal(value, fits):
    assert fits_decimal(Decimal(value), 19, 4) is fits


def test_largest_decimal():
    assert largest_decimal(19, 4) == Decimal("999999999999999")
    assert largest_decimal(10, 2) == Decimal("99999999")


def test_limits_are_the_callers(tmp_path):
    """Narrower limits refuse what wider ones accept: the scan has no sizes of its own."""
    narrow = ValueLimits(lengths={"Offer.name": 5}, decimals={"Price.value": (6, 2)})
    with pytest.raises(ValueLimitError) as caught:
        scan(CASES / "price_1e30.xml", limits=narrow)

    assert "наименование предложения длиннее 5 символов (6): «Чайник»" in str(caught.value)
    assert caught.value.count == 3  # Чайник, Пылесос, 1e30; 1500 and 2300 fit DECIMAL(6, 2)


def test_inspect_lists_what_an_import_would_refuse():
    """``summarize`` (``cml_inspect``'s engine) names the values, as the import's scan would."""
    summary = summarize(CASES / "price_1e30.xml", limits=LIMITS).as_dict()

    assert summary["offers"] == 3
    assert summary["value_problem_count"] == 1
    assert summary["value_problems"] == [
        {
            "column": "Price.value",
            "message": "цена «1e30» больше допустимого (999 999 999 999 999)",
            "owner": "предложение «p-3»",
            "line": 54,
            "element": f"{OFFER}/Цены/Цена/ЦенаЗаЕдиницу",
        }
    ]
    assert summarize(CASES / "price_1e30.xml").as_dict()["value_problem_count"] == 0
