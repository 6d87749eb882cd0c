"""Russian plurals from the ``ru`` catalog, and the names of counters, warnings and files.

These need the app's catalog to hold docs/translations-language.po (merged
into cml_exchange/locale/ru/LC_MESSAGES/django.po and compiled).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from cml_exchange.importer import labels, messages

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "1 товар"),
        (2, "2 товара"),
        (4, "4 товара"),
        (5, "5 товаров"),
        (11, "11 товаров"),
        (12, "12 товаров"),
        (21, "21 товар"),
        (22, "22 товара"),
        (111, "111 товаров"),
        (1001, "1001 товар"),
    ],
)
def test_a_count_takes_the_russian_plural_form(number: int, expected: str) -> None:
    assert messages.counted(number, "products") == expected


def test_every_kind_has_its_three_forms() -> None:
    assert [messages.counted(n, "offers") for n in (1, 3, 7)] == [
        "1 предложение",
        "3 предложения",
        "7 предложений",
    ]
    assert [messages.counted(n, "groups") for n in (1, 3, 7)] == ["1 группа", "3 группы", "7 групп"]
    assert [messages.counted(n, "properties") for n in (1, 3, 7)] == [
        "1 свойство",
        "3 свойства",
        "7 свойств",
    ]
    assert [messages.counted(n, "documents") for n in (1, 3, 7)] == [
        "1 документ",
        "3 документа",
        "7 документов",
    ]


def test_after_iz_the_noun_agrees_with_the_total() -> None:
    assert messages.processed(1200, 5000, "products") == "Обработано 1200 из 5000 товаров."
    assert messages.processed(1, 21, "products") == "Обработано 1 из 21 товара."
    assert messages.processed(3, 22, "groups") == "Обработано 3 из 22 групп."
    assert messages.processed(0, 1, "offers") == "Обработано 0 из 1 предложения."
    assert messages.processed(10, 11, "properties") == "Обработано 10 из 11 свойств."


def test_the_messages_for_1c_are_russian_whatever_the_sites_language() -> None:
    with translation.override("en"):
        assert messages.counted(2, "products") == "2 товара"
        assert messages.scanned("import.xml", {"products": 5, "groups": 1}) == (
            "Файл import.xml проверен: 5 товаров, 1 группа."
        )
        assert messages.kept_before_failure("import.xml", {"products": 2}, {"products": 21}) == (
            "Из файла import.xml до ошибки записано: 2 из 21 товара; это остается на сайте, "
            "отсутствующее в файле не деактивировано."
        )
        # A file that failed before its scan (beside the reading) counted it: no total to give,
        # rather than "4 из 4", which would say the whole file was written.
        assert messages.kept_before_failure("import.xml", {"products": 4}, {}) == (
            "Из файла import.xml до ошибки записано: 4 товара; это остается на сайте, "
            "отсутствующее в файле не деактивировано."
        )


#: A hand-written plural rule: the last digit or two of a number compared by hand
#: (``n % 10 == 1``, ``2 <= n % 10 <= 4``, ``n % 100 in (11, 12)``).
_PLURAL_RULE = re.compile(r"%\s*100?\s*(==|!=|<|>|in\b)")


def test_no_hand_written_plural_rules_are_left() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("cml_exchange", "example_shop", "oscar_shop")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1)
        if _PLURAL_RULE.search(line)
    ]
    assert found == []


# -- names of counters, warnings and files -------------------------------------------------


def test_counters_are_named_in_russian_in_their_order_and_unknown_keys_stay() -> None:
    with translation.override("ru"):
        shown = labels.counters(
            {"offers_created": 5, "my_counter": 1, "products_created": 2, "prices": 5}
        )
    assert [(count.key, count.label, count.value) for count in shown] == [
        ("products_created", "создано товаров", 2),
        ("offers_created", "создано предложений", 5),
        ("prices", "записано цен", 5),
        ("my_counter", "my_counter", 1),
    ]


def test_every_counter_and_warning_has_a_russian_name() -> None:
    with translation.override("ru"):
        untranslated = [
            key
            for names in (labels.COUNTERS, labels.WARNINGS, labels.FILE_KINDS)
            for key, name in names.items()
            if not re.search("[а-яё]", str(name))
        ]
    assert untranslated == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("import.xml", "каталог"),
        ("exchange-12/offers.xml", "торговые предложения"),
        ("import0_1.xml", "каталог"),
        ("offers0_1.xml", "торговые предложения"),
        ("prices___d66a6b51-ce9c-4e7a-8c7c-25079721107f.xml", "цены"),
        ("rests___1af6e7b8.xml", "остатки"),
        ("goods_1_1_97d42fdf-ff10-4140-b476-39e0699e317f.xml", "товары"),
        ("propertiesGoods_1_1_8903a9c8.xml", "свойства товаров"),
        ("propertiesOffers_1_1_087a442c.xml", "свойства предложений"),
        ("priceLists_1_1_c393fd0e.xml", "типы цен"),
        ("storages_1_1_0b13a023.xml", "склады"),
        ("units_1_1_3b2de7de.xml", "единицы измерения"),
        ("groups_1_1_86ac7bc5.xml", "группы"),
        ("orders-2f0c.xml", "заказы"),
        ("query-3-1.xml", "заказы, выгруженные в 1С"),
        ("goods.zip", "архив"),
        ("exchange-12/import_files/ab/picture.jpg", "картинка"),
        ("Reports/Exchange_2026.zip", "отчёт 1С"),
        ("notes.txt", ""),
        ("something.xml", ""),
    ],
)
def test_file_kinds_in_russian(name: str, expected: str) -> None:
    with translation.override("ru"):
        assert labels.file_kind(name) == expected
