"""What products and offers name, deleted on the site, is named again at the next exchange.

A product names its groups, its category, its unit and its properties' values; an
offer its unit and its own properties' values. Deleting one of those rows in the
admin unlinks the items (their links and values go, or their reference turns null)
while they keep the checksums and digests that would let the next exchange pass
them, or their unchanged file, over: the app forgets those when it deletes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import pre_delete
from django.test.utils import CaptureQueriesContext

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
    "groups, in bulk": lambda: Group.objects.filter(external_id__in=["g1", "g2"]).delete(),
    "a category": lambda: Category.objects.all().delete(),  # the admin's bulk action
    "a unit": lambda: Unit.objects.get().delete(),
    "units, in bulk": lambda: Unit.objects.all().delete(),
    "a property": lambda: Property.objects.get().delete(),
    "a property's value": lambda: PropertyOption.objects.get().delete(),
    "the classifier": lambda: Classifier.objects.get().delete(),
    "classifiers, in bulk": lambda: Classifier.objects.all().delete(),
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


def test_a_deletion_of_many_rows_clears_their_items_in_a_statement_a_model(
    tmp_path: Path,
) -> None:
    """Django tells of each row deleted; the items are cleared at the first, all at once.

    A classifier of 200 groups, 50 categories and 50 properties, all named by
    products, costs one statement for the products of each model, and one for
    the offers naming its properties: not one a row.
    """
    import_files(tmp_path / "1", FILES)
    classifier = Classifier.objects.get()
    Group.objects.bulk_create(
        Group(classifier=classifier, external_id=f"x{i}", name=f"x{i}", slug=f"x{i}")
        for i in range(200)
    )
    Category.objects.bulk_create(
        Category(classifier=classifier, external_id=f"x{i}", name=f"x{i}") for i in range(50)
    )
    Property.objects.bulk_create(
        Property(classifier=classifier, external_id=f"x{i}", name=f"x{i}") for i in range(50)
    )
    (product, *_) = Product.objects.all()
    ProductGroup.objects.bulk_create(
        ProductGroup(product=product, group=group)
        for group in Group.objects.filter(external_id__startswith="x")
    )

    def cleared(delete: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as queries:
            delete()
        return sum(1 for query in queries.captured_queries if '"source_digest" = 0' in query["sql"])

    assert cleared(lambda: Group.objects.filter(external_id__startswith="x")[0].delete()) == 1
    assert cleared(lambda: Group.objects.filter(external_id__startswith="x").delete()) == 1
    import_files(tmp_path / "2", FILES)  # the digests back
    assert Product.objects.filter(source_digest=0).count() == 0
    assert cleared(classifier.delete) == 4  # groups, categories, properties; offers' properties
    assert Product.objects.filter(source_digest=0).count() == 2
    assert Offer.objects.filter(source_digest=0).count() == 2


class Refused(Exception):
    """What another receiver, or the database, raises in the middle of a deletion."""


@pytest.fixture
def refuse_once() -> Iterator[Callable[[type[Model]], None]]:
    """Make the next deletion of rows of a model fail, at its first row, once."""
    connected: list[type[Model]] = []

    def refuse(model: type[Model]) -> None:
        def receiver(sender: type[Model], **kwargs: object) -> None:
            pre_delete.disconnect(sender=model, dispatch_uid="refuse_once")
            raise Refused

        pre_delete.connect(receiver, sender=model, dispatch_uid="refuse_once", weak=False)
        connected.append(model)

    yield refuse
    for model in connected:
        pre_delete.disconnect(sender=model, dispatch_uid="refuse_once")


@pytest.mark.parametrize(
    "origin",
    [lambda: Group.objects.all(), lambda: Classifier.objects.get()],
    ids=["a queryset", "a classifier"],
)
def test_a_deletion_retried_after_a_failure_clears_again(
    tmp_path: Path,
    refuse_once: Callable[[type[Model]], None],
    origin: Callable[[], QuerySet[Group] | Classifier],
) -> None:
    """The failed deletion's clearing was rolled back with it: the retry, of the same
    queryset or object, is a deletion of its own."""
    import_files(tmp_path / "1", FILES)
    deleted = origin()
    refuse_once(Group)
    with pytest.raises(Refused), transaction.atomic():
        deleted.delete()
    assert not Product.objects.filter(source_digest=0).exists()

    deleted.delete()

    assert Product.objects.filter(source_digest=0).count() == 2


def test_a_row_changed_after_the_deletion_collected_it_is_cleared_too(tmp_path: Path) -> None:
    """The queryset no longer finds a row it collected (another transaction renamed it)."""
    import_files(tmp_path / "1", FILES)
    deleted = Group.objects.filter(name="Посуда")

    def rename(sender: type[Model], **kwargs: object) -> None:
        Group.objects.update(name="Кухня")  # before the groups' signals: their links go first

    pre_delete.connect(rename, sender=ProductGroup, dispatch_uid="rename", weak=False)
    try:
        deleted.delete()
    finally:
        pre_delete.disconnect(sender=ProductGroup, dispatch_uid="rename")

    assert not Group.objects.exists()
    assert Product.objects.filter(source_digest=0).count() == 2
