"""What 1C declares once and renames later: properties, warehouses, price types.

The products and offers naming them are unchanged, so with checksums on they
are passed over; Oscar's attributes, partners and stock records follow all the same.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from oscar.core.loading import get_model

from cml_exchange.importer import create_job
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.oscar.cml import Shop, clothes
from tests.oscar.test_catalog import import_shop, oscar, stock_of

pytestmark = pytest.mark.django_db

ProductAttribute: Any = get_model("catalogue", "ProductAttribute")


def test_a_property_1c_renames_renames_its_attribute_and_option_group(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    shop.properties[0].name = "Марка"  # a Справочник: an option attribute with its group
    shop.properties[2].name = "Заметка"
    job = import_shop(tmp_path, shop)

    brand = ProductAttribute.objects.get(code="brend")  # the code templates use stays
    assert (brand.name, brand.option_group.name) == ("Марка", "Марка")
    assert ProductAttribute.objects.get(code="primechanie").name == "Заметка"
    assert str(oscar("Рубашка льняная").attr.brend) == "Acme"
    assert job.counters["oscar_attributes_renamed"] == 2


def test_a_warehouse_1c_renames_renames_its_partner(tmp_path: Path) -> None:
    shop = clothes()
    import_shop(tmp_path, shop)
    shop.warehouses["w-main"] = "Центральный склад"
    job = import_shop(tmp_path, shop)
    assert stock_of(oscar("Пальто шерстяное")) == {
        "Центральный склад": (Decimal("12000.00"), "RUB", 1)
    }
    assert job.counters["oscar_partners_renamed"] == 1


def import_prices_in_type_currency(tmp_path: Path, shop: Shop) -> None:
    """Import ``shop`` with prices that name no currency of their own: their type's is theirs."""
    directory = tmp_path / "exchange"
    files = shop.write(directory)
    offers = directory / "offers.xml"
    text = offers.read_text(encoding="utf-8")
    for _, currency in shop.price_types.values():
        text = text.replace(f"<Валюта>{currency}</Валюта></Цена>", "</Цена>")
    offers.write_text(text, encoding="utf-8")
    assert_done(run_to_end(create_job(files, base_dir=directory)))


def test_a_price_types_new_currency_reaches_the_stock_records(tmp_path: Path) -> None:
    shop = clothes()
    import_prices_in_type_currency(tmp_path, shop)
    assert stock_of(oscar("Пальто шерстяное"))["Основной склад"][1] == "RUB"
    shop.price_types["retail"] = ("Розничная", "USD")
    import_prices_in_type_currency(tmp_path, shop)
    assert stock_of(oscar("Пальто шерстяное")) == {
        "Основной склад": (Decimal("12000.00"), "USD", 1)
    }
    assert stock_of(oscar("Ботинки")) == {"1С": (Decimal("5000.00"), "USD", 0)}
