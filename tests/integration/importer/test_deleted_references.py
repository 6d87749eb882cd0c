"""What products and offers name, deleted on the site, is named again at the next exchange.

A product names its groups, its category, its unit and its properties' values; an
offer its unit and its own properties' values. Deleting one of those rows in the
admin unlinks the items (their links and values go, or their reference turns null)
while they keep the checksums and digests that would let the next exchange pass
them, or their unchanged file, over: the app forgets those when it deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cml_exchange.models import (
    Category,
    Classifier,
    Group,
    Offer,
    OfferPropertyValue,
    Product,
    ProductGroup,
    ProductPropertyValue,
    Property,
    PropertyOption,
    Unit,
)
from tests.integration.importer.passed_files import HEAD, import_files, package_xml

pytestmark = pytest.mark.django_db

UNIT = '<БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт</БазоваяЕдиница>'


def _value(prop: str, value: str) -> str:
    return f"<ЗначенияСвойства><Ид>{prop}</Ид><Значение>{value}</Значение></ЗначенияСвойства>"


CATALOG = (
    f"{HEAD}<Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование>"
    "<Группы><Группа><Ид>g1</Ид><Наименование>Посуда</Наименование></Группа></Группы>"
    "<Свойства><Свойство><Ид>color</Ид><Наименование>Цвет</Наименование>"
    "<ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений><Справочник>"
    "<ИдЗначения>red</ИдЗначения><Значение>Красный</Значение></Справочник>"
    "</ВариантыЗначений></Свойство></Свойства>"
    "<Категории><Категория><Ид>c1</Ид><Наименование>Чайники</Наименование></Категория>"
    "</Категории><ТипыЦен><ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование>"
    "<Валюта>RUB</Валюта></ТипЦены></ТипыЦен></Классификатор>"
    '<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид>'
    "<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование><Товары>"
    + "".join(
        f"<Товар><Ид>{pid}</Ид><Наименование>{pid}</Наименование>{UNIT}"
        "<Группы><Ид>g1</Ид></Группы><Категория>c1</Категория>"
        f"<ЗначенияСвойств>{_value('color', 'red')}</ЗначенияСвойств></Товар>"
        for pid in ("p1", "p2")
    )
    + "</Товары></Каталог></КоммерческаяИнформация>"
)
OFFERS = package_xml(
    "".join(
        f"<Предложение><Ид>{oid}</Ид><Наименование>{oid}</Наименование>{UNIT}"
        f"<ЗначенияСвойств>{_value('color', 'red')}</ЗначенияСвойств>"
        "<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>100</ЦенаЗаЕдиницу>"
        "</Цена></Цены></Предложение>"
        for oid in ("p1", "p2")
    )
)
FILES = {"import.xml": CATALOG, "offers.xml": OFFERS}
#: The same items in files whose bytes differ outside them: read, the items passed one by one.
READ_AGAIN = {name: text + "<!-- sent again -->" for name, text in FILES.items()}


def held() -> dict[str, list[Any]]:
    """What the items name, by 1C's ids: unchanged by the deleted rows' new pks."""
    return {
        "groups": sorted(
            ProductGroup.objects.values_list("product__external_id", "group__external_id")
        ),
        "categories": sorted(Product.objects.values_list("external_id", "category__external_id")),
        "units": sorted(Product.objects.values_list("external_id", "base_unit__code"))
        + sorted(Offer.objects.values_list("external_id", "base_unit__code")),
        "values": sorted(
            ProductPropertyValue.objects.values_list(
                "product__external_id", "property__external_id", "option__external_id", "value"
            )
        )
        + sorted(
            OfferPropertyValue.objects.values_list(
                "offer__external_id", "property__external_id", "option__external_id", "value"
            )
        ),
    }


DELETIONS: dict[str, Callable[[], object]] = {
    "a group": lambda: Group.objects.get().delete(),
    "a category": lambda: Category.objects.all().delete(),  # the admin's bulk action
    "a unit": lambda: Unit.objects.get().delete(),
    "a property": lambda: Property.objects.get().delete(),
    "a property's value": lambda: PropertyOption.objects.get().delete(),
    "the classifier": lambda: Classifier.objects.get().delete(),
}


@pytest.mark.parametrize("again", [FILES, READ_AGAIN], ids=["the same files", "the files read"])
@pytest.mark.parametrize("delete", DELETIONS.values(), ids=DELETIONS.keys())
def test_items_name_again_what_was_deleted_on_the_site(
    tmp_path: Path, delete: Callable[[], object], again: dict[str, str]
) -> None:
    import_files(tmp_path / "1", FILES)
    sent = held()
    assert all(None not in row for rows in sent.values() for row in rows)
    assert [len(rows) for rows in sent.values()] == [2, 2, 4, 4]  # two products, two offers

    delete()
    assert held() != sent
    job = import_files(tmp_path / "2", again)

    assert held() == sent, job.warnings


def test_items_naming_other_rows_keep_their_digests(tmp_path: Path) -> None:
    """Only the items that named the deleted row are read again."""
    import_files(tmp_path / "1", FILES)
    digests = sorted(Product.objects.values_list("source_digest", flat=True)) + sorted(
        Offer.objects.values_list("source_digest", flat=True)
    )
    assert all(digests)
    Group.objects.create(classifier=Classifier.objects.get(), external_id="g2", name="Пустая")
    Unit.objects.create(code="715", name_short="пар")

    Group.objects.get(external_id="g2").delete()
    Unit.objects.get(code="715").delete()

    assert (
        sorted(Product.objects.values_list("source_digest", flat=True))
        + sorted(Offer.objects.values_list("source_digest", flat=True))
        == digests
    )
