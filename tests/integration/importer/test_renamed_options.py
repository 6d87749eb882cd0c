"""A reference value 1C renames takes its new text on every product that names it.

A product names a value of a reference property (Справочник) by the value's id, so
its element, its checksum and its digest stay the same when 1C renames the value: it
is passed over, and the copy of the text its value row keeps must change all the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cml_exchange.models import ProductPropertyValue
from tests.integration.importer.passed_files import CATALOG, HEAD, import_files

pytestmark = pytest.mark.django_db


def classifier(text: str) -> str:
    """A classifier of one reference property, colour, whose one value ``red`` reads ``text``."""
    return (
        f"{HEAD}<Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование>"
        "<Свойства><Свойство><Ид>color</Ид><Наименование>Цвет</Наименование>"
        "<ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений><Справочник>"
        f"<ИдЗначения>red</ИдЗначения><Значение>{text}</Значение></Справочник>"
        "</ВариантыЗначений></Свойство></Свойства></Классификатор></КоммерческаяИнформация>"
    )


#: The catalog, its first product (p1) naming the colour ``red``.
GOODS = CATALOG.replace(
    "<Наименование>Чайник</Наименование>",
    "<Наименование>Чайник</Наименование><ЗначенияСвойств><ЗначенияСвойства><Ид>color</Ид>"
    "<Значение>red</Значение></ЗначенияСвойства></ЗначенияСвойств>",
)


def texts() -> tuple[str, str]:
    value = ProductPropertyValue.objects.select_related("option").get(product__external_id="p1")
    assert value.option is not None
    return value.value, value.option.value


@pytest.mark.parametrize(
    "goods",
    [GOODS, GOODS.replace(">Каталог<", ">Каталог товаров<")],
    ids=["the same goods file", "the goods file read"],
)
@pytest.mark.parametrize("checksums", [True, False], ids=["checksums", "no checksums"])
def test_a_renamed_value_is_renamed_on_its_products(
    tmp_path: Path, goods: str, checksums: bool
) -> None:
    import_files(tmp_path / "1", {"props.xml": classifier("Красный"), "import.xml": GOODS})
    assert texts() == ("Красный", "Красный")

    import_files(
        tmp_path / "2",
        {"props.xml": classifier("Алый"), "import.xml": goods},
        use_checksums=checksums,
    )

    assert texts() == ("Алый", "Алый")


def test_a_value_not_renamed_leaves_its_products_alone(tmp_path: Path) -> None:
    import_files(tmp_path / "1", {"props.xml": classifier("Красный"), "import.xml": GOODS})
    ProductPropertyValue.objects.update(value="Красный (на сайте)")  # not the copy 1C wrote

    import_files(tmp_path / "2", {"props.xml": classifier("Красный"), "import.xml": GOODS})

    assert texts() == ("Красный (на сайте)", "Красный")
