"""The importer's lookups by id lists, each shape's statement built once (``importer.queries``).

Whatever the path (the statement kept for the shape, or the ORM when the values
are of another kind), the rows are the ORM's own, converted as it converts them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from cml_exchange.importer import queries
from cml_exchange.models import Catalog, Offer, PendingReference, Product
from cml_exchange.models.imports import PendingReference as Pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored() -> dict[str, Any]:
    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    other = Catalog.objects.create(external_id="other", name="Другой")
    products = [
        Product.objects.create(catalog=catalog, external_id=xid, name=name, slug=xid, active=active)
        for xid, name, active in (
            ("p1", "Чайник", True),
            ('p"2', 'Утюг "Мини"', False),
            ("p\\3", "Лампа", True),
        )
    ]
    Product.objects.create(catalog=other, external_id="p1", name="Чужой", slug="other-p1")
    Offer.objects.create(
        catalog=catalog, external_id="p1", product=products[0], quantity=Decimal("2.500")
    )
    PendingReference.objects.create(
        kind=Pending.Kind.PRODUCT_VALUE,
        product=products[0],
        external_id="prop",
        values=[{"id": "o1", "text": "красный"}],
        position=3,
    )
    return {"catalog": catalog, "products": products}


def _orm(model: Any, columns: list[str], **lookups: Any) -> list[tuple[Any, ...]]:
    return list(model._default_manager.filter(**lookups).values_list(*columns))


@pytest.mark.parametrize(
    ("model", "columns", "lookups"),
    [
        (Product, ["external_id", "pk", "active", "name"], {"external_id__any": ["p1", "p4"]}),
        (Product, ["external_id", "pk"], {"catalog_id": "catalog", "external_id__any": ["p1"]}),
        (Product, ["pk", "catalog__external_id"], {"pk__any": "products"}),
        (Offer, ["external_id", "quantity", "product_id"], {"catalog_id": "catalog"}),
        (
            PendingReference,
            ["pk", "product__catalog_id", "values", "position"],
            {"kind": Pending.Kind.PRODUCT_VALUE, "external_id__any": ["prop", "none"]},
        ),
    ],
    ids=["texts", "a key and texts", "pks and a join", "decimals", "json and a text choice"],
)
def test_the_rows_are_the_orms_whichever_path(
    stored: dict[str, Any], model: Any, columns: list[str], lookups: dict[str, Any]
) -> None:
    given: dict[str, Any] = {
        key: (
            stored["catalog"].pk
            if value == "catalog"
            else [p.pk for p in stored["products"]]
            if value == "products"
            else value
        )
        for key, value in lookups.items()
    }
    expected = sorted(_orm(model, columns, **given), key=repr)
    assert expected  # the stored rows are found
    for _twice in range(2):  # built, then the statement kept
        assert sorted(queries.values_list(model, columns, **given), key=repr) == expected
    kept = connections["default"].__dict__[queries._STATEMENTS]
    assert kept[queries._shape(model, columns, given)] is not None  # not the ORM's path
    assert queries.values(model, columns, **given) == [
        dict(zip(columns, row, strict=True)) for row in queries.values_list(model, columns, **given)
    ]


def test_a_shape_is_built_once_and_then_one_statement_a_query(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Any] = []
    build = queries._build

    def counted(*args: Any) -> Any:
        built.append(args[2])
        return build(*args)

    monkeypatch.setattr(queries, "_build", counted)
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    catalog = stored["catalog"].pk
    with connection.execute_wrapper(wrapper), CaptureQueriesContext(connection) as captured:
        for ids in (["p1"], ["p4", "p1"], ["none"]):
            queries.values_list(
                Product, ["external_id", "pk"], catalog_id=catalog, external_id__any=ids
            )
    assert len(built) <= 1  # another test of this connection may have built it
    assert len(captured) == 3 and len(seen) == 3


@pytest.mark.parametrize(
    ("ids", "found"),
    [
        (["p1", None], {"p1"}),
        ([True, 1], set()),
        (["p1", 1], {"p1"}),
        (['p"2', "p\\3"], {'p"2', "p\\3"}),
        ([], set()),
    ],
    ids=["with None", "booleans", "texts and integers", "quotes and backslashes", "none"],
)
def test_values_of_another_kind_give_what_the_orm_gives(
    stored: dict[str, Any], ids: list[Any], found: set[str]
) -> None:
    """None is left out, as ``in`` leaves it; odd values go through the ORM itself."""
    queries.values_list(Product, ["external_id", "pk"], external_id__any=["p1"])  # a shape kept
    got = queries.values_list(Product, ["external_id", "pk"], external_id__any=ids)
    expected = _orm(Product, ["external_id", "pk"], external_id__any=ids)
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    assert {xid for xid, _pk in got} == found


def test_an_update_writes_what_the_orms_writes_and_counts_the_rows(stored: dict[str, Any]) -> None:
    """JSON, times, texts, a key by its column, None; matched by a text and a pk, or not at all."""
    from django.utils import timezone

    from cml_exchange.models import Classifier, ImportJob

    job = ImportJob.objects.create(base_dir="/tmp", lease_owner="me")
    catalog = stored["catalog"]
    classifier = Classifier.objects.create(external_id="cls", name="Классификатор")
    for round_ in range(3):  # built, then the statement kept (and a None: another shape)
        written = {
            "state": {"scans": {"a.xml": {"products": round_}}, "notes": ["«ё»"]},
            "files": ["a.xml", f"b{round_}.xml"],
            "position": round_,
            "message": f"Шаг {round_}",
            "lease_until": None if round_ == 2 else timezone.now(),
        }
        assert queries.update(ImportJob, written, pk=job.pk, lease_owner="me") == 1
        job.refresh_from_db()
        assert {name: getattr(job, name) for name in written} == written
        assert queries.update(ImportJob, written, pk=job.pk, lease_owner="another") == 0
        fields = {"name": f"Каталог {round_}", "classifier_id": classifier.pk, "active": True}
        assert queries.update(Catalog, fields, pk=catalog.pk) == 1
        catalog.refresh_from_db()
        assert (catalog.name, catalog.classifier_id) == (f"Каталог {round_}", classifier.pk)
    kept = connections["default"].__dict__[queries._STATEMENTS]
    assert any(key[0] == "update" and value is not None for key, value in kept.items())


def test_values_the_orm_converts_or_finds_out_of_range_go_through_it(
    stored: dict[str, Any],
) -> None:
    """A pk given as text, or beyond its column: what the ORM gives, no error of the shape's."""
    pk = stored["catalog"].pk
    assert queries.values_list(Catalog, ["external_id"], pk__any=[str(pk)]) == [("cat",)]
    assert queries.values_list(Catalog, ["external_id"], pk=str(pk)) == [("cat",)]
    assert queries.values_list(Catalog, ["external_id"], pk=pk) == [("cat",)]  # a shape kept
    assert queries.values_list(Catalog, ["external_id"], pk=2**63) == []


def test_a_kept_update_keeps_no_values_and_writes_bytes(stored: dict[str, Any]) -> None:
    """The statement kept for an update holds none of the first call's values (a job's state)."""
    from cml_exchange.models import ScannedFile

    ScannedFile.objects.create(digest="d" * 64, counts={"products": 1})
    for digests in (b"\x01" * 16, b"\x02" * 8):
        written = {"items_kind": "products", "item_digests": digests, "items_count": 1}
        assert queries.update(ScannedFile, written, digest="d" * 64) == 1
        stored_digests: Any = ScannedFile.objects.values_list("item_digests", flat=True).get()
        assert bytes(stored_digests) == digests
    kept = connections["default"].__dict__[queries._STATEMENTS]
    updates = [value for key, value in kept.items() if key[0] == "update"]  # other tests' too
    files = [
        value for key, value in kept.items() if key[0] == "update" and key[1][0] is ScannedFile
    ]
    assert files and all(value is not None for value in files)
    assert all(value.compiler.query.values == [] for value in updates if value is not None)
