"""Russian plurals from the ``ru`` catalog.

These need the app's catalog to hold docs/translations-language.po (merged
into cml_exchange/locale/ru/LC_MESSAGES/django.po and compiled).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from cml_exchange.importer import messages

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
