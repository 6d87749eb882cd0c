"""``loaders.common.upsert``: the classifier's rows (properties, groups, price types…).

Every object comes back with its row's pk; a row that holds the object's
values is left alone (its ``updated`` time too); a changed one keeps its pk
and ``created``; a 1C id given twice is one row with the last one's values.
``upsert_dicts`` does the same for rows given as dicts (the properties and
their options, by the thousand in one classifier).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cml_exchange.importer.loaders import classifier as classifier_loader
from cml_exchange.importer.loaders import common
from cml_exchange.importer.loaders.common import upsert, upsert_dicts
from cml_exchange.models import Catalog, Classifier, Property

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=30)


def _property(classifier: Classifier, external_id: str, name: str, **fields: object) -> Property:
    return Property(classifier=classifier, external_id=external_id, name=name, **fields)


def _upsert(objects: list[Property]) -> list[Property]:
    return upsert(
        Property,
        objects,
        unique_fields=["classifier", "external_id"],
        update_fields=["name", "value_type", "multiple", "updated"],
    )


def test_stored_rows_are_updated_or_left_alone_and_new_ones_inserted() -> None:
    classifier = Classifier.objects.create(external_id="cl", name="Классификатор")
    kept = _property(classifier, "kept", "Цвет")
    changed = _property(classifier, "changed", "Размер")
    kept.save()
    changed.save()
    Property.objects.update(created=LONG_AGO, updated=LONG_AGO)
    before = timezone.now()

    given = [
        _property(classifier, "kept", "Цвет"),
        _property(classifier, "changed", "Размер обуви", value_type="Число", multiple=True),
        _property(classifier, "new", "Материал"),
        _property(classifier, "twice", "Первое"),
        _property(classifier, "twice", "Второе"),
    ]
    returned = _upsert(given)

    assert returned == given
    rows = {row.external_id: row for row in Property.objects.all()}
    assert sorted(rows) == ["changed", "kept", "new", "twice"]
    assert [obj.pk for obj in given] == [
        rows["kept"].pk,
        rows["changed"].pk,
        rows["new"].pk,
        rows["twice"].pk,
        rows["twice"].pk,
    ]
    assert rows["kept"].pk == kept.pk and rows["kept"].updated == LONG_AGO
    assert rows["changed"].pk == changed.pk and rows["changed"].created == LONG_AGO
    assert rows["changed"].updated >= before
    assert (rows["changed"].name, rows["changed"].value_type, rows["changed"].multiple) == (
        "Размер обуви",
        "Число",
        True,
    )
    assert rows["new"].created >= before and rows["new"].updated >= before
    assert rows["twice"].name == "Второе"  # the last of the two, as 1C's own import does


def test_the_same_objects_again_write_nothing() -> None:
    classifier = Classifier.objects.create(external_id="cl", name="Классификатор")
    _upsert([_property(classifier, f"p{n}", f"Свойство {n}") for n in range(3)])
    Property.objects.update(updated=LONG_AGO)

    again = [_property(classifier, f"p{n}", f"Свойство {n}") for n in range(3)]
    _upsert(again)

    assert set(Property.objects.values_list("updated", flat=True)) == {LONG_AGO}
    assert [obj.pk for obj in again] == list(
        Property.objects.order_by("external_id").values_list("pk", flat=True)
    )


def test_an_object_of_another_classifier_is_a_row_of_its_own() -> None:
    first = Classifier.objects.create(external_id="cl1", name="Первый")
    second = Classifier.objects.create(external_id="cl2", name="Второй")
    _upsert([_property(first, "p", "Цвет")])

    theirs = _property(second, "p", "Color")
    _upsert([theirs])

    assert Property.objects.count() == 2
    assert Property.objects.get(pk=theirs.pk).classifier_id == second.pk
    assert Property.objects.get(classifier=first).name == "Цвет"


def test_a_row_deleted_meanwhile_is_written_anew_and_its_new_pk_returned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another transaction (the admin, say) deletes a row between the read and the write."""
    classifier = Classifier.objects.create(external_id="cl", name="Классификатор")
    stored = _property(classifier, "p", "Цвет")
    stored.save()
    write = common._write_rows

    def deleted_first(*args: Any, **kwargs: Any) -> None:
        Property.objects.filter(pk=stored.pk).delete()
        write(*args, **kwargs)

    monkeypatch.setattr(common, "_write_rows", deleted_first)
    changed = _property(classifier, "p", "Цвет и размер")
    _upsert([changed])

    assert changed.pk != stored.pk
    assert Property.objects.get(pk=changed.pk).name == "Цвет и размер"


def test_rows_given_as_dicts_get_their_pks_in_order_and_defaults_where_left_out() -> None:
    classifier = Classifier.objects.create(external_id="cl", name="Классификатор")
    kept = _property(classifier, "kept", "Цвет", multiple=True)
    kept.save()
    Property.objects.update(updated=LONG_AGO)
    before = timezone.now()

    def row(external_id: str, name: str, **fields: object) -> dict[str, object]:
        return {"classifier_id": classifier.pk, "external_id": external_id, "name": name, **fields}

    pks = upsert_dicts(
        Property,
        [
            row("kept", "Цвет", value_type=kept.value_type, multiple=True, updated=before),
            row(
                "new",
                "Материал",
                value_type="Число",
                multiple=False,
                created=LONG_AGO,
                updated=LONG_AGO,
            ),
            row("twice", "Первое", value_type="Строка", multiple=False),
            row("twice", "Второе", value_type="Строка", multiple=False),
        ],
        unique_fields=["classifier", "external_id"],
        update_fields=["name", "value_type", "multiple", "updated"],
    )

    rows = {row.external_id: row for row in Property.objects.all()}
    assert pks == [rows["kept"].pk, rows["new"].pk, rows["twice"].pk, rows["twice"].pk]
    assert rows["kept"].updated == LONG_AGO  # holds what was sent: not written, nor its time
    assert rows["twice"].name == "Второе"
    # Left out: the field's default; auto_now fields, given or not, the time of the write.
    new = rows["new"]
    assert (new.active, new.deleted, new.version, new.for_products) == (True, False, "", None)
    assert new.created >= before and new.updated >= before


def test_a_classifier_first_mentioned_is_stored_as_get_or_create_would() -> None:
    pk = classifier_loader._pk_of(Classifier, "cl-new", name="Новый")

    row = Classifier.objects.get(pk=pk)
    assert (row.external_id, row.name, row.active) == ("cl-new", "Новый", True)
    assert row.created is not None and row.updated is not None
    assert classifier_loader._pk_of(Classifier, "cl-new", name="Другое имя") == pk
    assert Classifier.objects.get(pk=pk).name == "Новый"  # a name given later: not here


def test_a_catalog_another_import_stored_meanwhile_is_the_one_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not found by the first look, stored before the insert: the insert leaves it alone."""
    theirs = Catalog.objects.create(external_id="cat", name="Их каталог")
    values_list = classifier_loader.queries.values_list
    looks: list[str] = []

    def missed_first(model: Any, columns: Any, **lookups: Any) -> list[tuple[Any, ...]]:
        looks.append(lookups["external_id"])
        return [] if len(looks) == 1 else values_list(model, columns, **lookups)

    monkeypatch.setattr(classifier_loader.queries, "values_list", missed_first)
    assert classifier_loader._pk_of(Catalog, "cat") == theirs.pk
    assert looks == ["cat", "cat"]
    assert list(Catalog.objects.values_list("pk", "name")) == [(theirs.pk, "Их каталог")]
