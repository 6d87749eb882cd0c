"""Reference values 1C renames or declares late reach Oscar, though the products naming them
are unchanged: 1C names a value by its id, so their elements and checksums stay the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oscar.cml import clothes
from tests.oscar.test_catalog import import_shop, oscar

pytestmark = pytest.mark.django_db


def test_a_reference_value_1c_renames_is_renamed_in_oscar(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    shop.properties[0].options["b1"] = "ACME Corp"  # the shirt's brand, same ИдЗначения
    import_shop(tmp_path, shop)
    assert str(oscar("Рубашка льняная").attr.brend) == "ACME Corp"
    assert str(oscar("Пальто шерстяное").attr.brend) == "Борей"


def test_a_reference_value_1c_declares_late_is_told_of_then_reaches_oscar(tmp_path: Path) -> None:
    shop = clothes()
    shop.items[1].values["p-brand"] = "b3"  # the coat's brand, not in the classifier yet
    job = import_shop(tmp_path, shop)
    assert [w["message"] for w in job.warnings if w["code"] == "unknown_option"] == [
        "coat: значения b3 свойства p-brand пока нет в справочнике; "
        "оно будет записано, когда 1С его пришлет."
    ]
    assert not hasattr(oscar("Пальто шерстяное").attr, "brend")

    shop.properties[0].options["b3"] = "Север"
    import_shop(tmp_path, shop)
    assert str(oscar("Пальто шерстяное").attr.brend) == "Север"
