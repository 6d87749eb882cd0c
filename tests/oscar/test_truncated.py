"""Names longer than Oscar's columns are cut, and the exchange says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from oscar.core.loading import get_model

from tests.oscar.cml import Item, Lot, Prop, Shop
from tests.oscar.test_catalog import import_shop

pytestmark = pytest.mark.django_db

Product: Any = get_model("catalogue", "Product")
Partner: Any = get_model("partner", "Partner")
ProductAttribute: Any = get_model("catalogue", "ProductAttribute")


def cut_names(job: Any) -> list[str]:
    return [w["message"] for w in job.warnings if w["code"] == "oscar_truncated"]


def test_names_too_long_for_oscar_are_cut_and_said(tmp_path: Path) -> None:
    title, warehouse, prop = "Чайник " * 50, "Склад " * 30, "Цвет корпуса " * 12
    shop = Shop(
        properties=[Prop("p-note", prop)],
        items=[Item("kettle", title, values={"p-note": "белый"})],
        lots=[Lot("kettle", "Чайник", stock={"w-main": "1"})],
        warehouses={"w-main": warehouse},
    )
    job = import_shop(tmp_path, shop)
    assert Product.objects.get().title == title[:255]
    assert Partner.objects.get().name == warehouse[:128]
    assert ProductAttribute.objects.get().name == prop[:128]
    assert cut_names(job) == [
        f"Название товара «{title[:60]}…» длиннее 255 символов: в Oscar записаны первые 255.",
        f"Название свойства «{prop[:60]}…» длиннее 128 символов: в Oscar записаны первые 128.",
        f"Название склада «{warehouse[:60]}…» длиннее 128 символов: в Oscar записаны первые 128.",
    ]


def test_two_long_reference_values_alike_at_first_stay_two_options(tmp_path: Path) -> None:
    first, second = "Оттенок " * 40 + "первый", "Оттенок " * 40 + "второй"
    shop = Shop(
        properties=[Prop("p-tone", "Оттенок", "Справочник", {"t1": first, "t2": second})],
        items=[
            Item("a", "Краска А", values={"p-tone": "t1"}),
            Item("b", "Краска Б", values={"p-tone": "t2"}),
        ],
        lots=[Lot("a", "Краска А"), Lot("b", "Краска Б")],
    )
    job = import_shop(tmp_path, shop)
    a, b = (Product.objects.get(title=title).attr.ottenok for title in ("Краска А", "Краска Б"))
    assert a != b
    assert str(a).startswith(first[:200])
    assert len(str(a)) == len(str(b)) == 255
    assert len(cut_names(job)) == 2
