"""What 1C declares once and renames later: properties, warehouses, price types.

The products and offers naming them are unchanged, so with checksums on they
are passed over; Oscar's attributes, partners and stock records follow all the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from oscar.core.loading import get_model

from tests.oscar.cml import clothes
from tests.oscar.test_catalog import import_shop, oscar

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
