"""``cml_exchange.importer.sql``: bulk writes without model instances, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cml_exchange.importer import pg_copy, sql
from cml_exchange.models import Catalog, Offer, Price, PriceType, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return Catalog.objects.create(external_id="cat", name="Каталог")


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each ``pg_copy.copy_new`` returned: rows copied, or one of them stored after all."""
    returned: list[bool] = []
    copy_new = pg_copy.copy_new

    def recorded(*args: Any, **kwargs: Any) -> bool:
        returned.append(copy_new(*args, **kwargs))
        return returned[-1]

    monkeypatch.setattr(pg_copy, "copy_new", recorded)
    return returned


def test_insert_fills_defaults_and_timestamps_as_a_model_would(catalog):
    before = timezone.now()
    sql.insert(
        Product,
        [{"catalog_id": catalog.pk, "external_id": "p1", "name": "Куртка", "slug": "kurtka"}],
    )
    product = Product.objects.get(external_id="p1")
    assert (product.name, product.active, product.deleted, product.article) == (
        "Куртка",
        True,
        False,
        "",
    )
    assert product.weight is None and product.last_seen_full is None
    assert product.created >= before - dt.timedelta(seconds=1)
    assert product.updated == product.created


def test_insert_with_ignore_conflicts_leaves_existing_rows_alone(catalog):
    Offer.objects.create(catalog=catalog, external_id="o1", name="было")
    sql.insert(
        Offer,
        [
            {"catalog_id": catalog.pk, "external_id": "o1", "name": "стало"},
            {"catalog_id": catalog.pk, "external_id": "o2", "name": "новое"},
        ],
        ignore_conflicts=True,
    )
    assert dict(Offer.objects.values_list("external_id", "name")) == {"o1": "было", "o2": "новое"}


def test_rows_said_new_but_stored_are_still_left_alone_by_an_insert_ignoring_conflicts(
    catalog, copied
):
    """On PostgreSQL the rows are copied first; one stored after all sends them the other way."""
    sql.insert(
        Offer,
        [{"catalog_id": catalog.pk, "external_id": "o1", "name": "было"}],
        ignore_conflicts=True,
        new=True,
    )
    sql.insert(
        Offer,
        [
            {"catalog_id": catalog.pk, "external_id": "o1", "name": "стало"},
            {"catalog_id": catalog.pk, "external_id": "o2", "name": "новое"},
        ],
        ignore_conflicts=True,
        new=True,
    )
    if connection.vendor == "postgresql":
        assert copied == [True, False]
    assert dict(Offer.objects.values_list("external_id", "name")) == {"o1": "было", "o2": "новое"}


def test_upsert_updates_only_the_named_fields_of_existing_rows(catalog):
    old = Offer.objects.create(catalog=catalog, external_id="o1", name="было", article="A-1")
    later = timezone.now() + dt.timedelta(hours=1)
    sql.upsert_rows(
        Offer,
        [
            {"catalog_id": catalog.pk, "external_id": "o1", "name": "стало", "updated": later},
            {"catalog_id": catalog.pk, "external_id": "o2", "name": "новое", "updated": later},
        ],
        unique_fields=["catalog", "external_id"],
        update_fields=["name", "updated"],
    )
    kept = Offer.objects.get(external_id="o1")
    assert (kept.pk, kept.name, kept.article, kept.created) == (old.pk, "стало", "A-1", old.created)
    assert kept.updated == later
    assert Offer.objects.get(external_id="o2").name == "новое"


@pytest.mark.postgresql
@pytest.mark.parametrize("count", [3, sql._FEW_ROWS + 1], ids=["few", "many"])
def test_an_upsert_of_a_few_rows_is_one_statement_of_theirs(catalog, monkeypatch, count):
    """A few rows go in one ``INSERT … VALUES``; more through the staging table.

    The staging table's creation alone writes PostgreSQL's system catalogs (a
    classifier's new price type took 5 ms that way). Either way the rows end the same.
    """
    staged: list[int] = []
    few: list[int] = []
    write, upsert_few = pg_copy.write, pg_copy.upsert_few

    def recorded(connection: Any, columns: Any, rows: Any, suffix: str) -> int:
        staged.append(len(rows))
        return write(connection, columns, rows, suffix)

    def recorded_few(connection: Any, columns: Any, rows: Any, suffix: str) -> int:
        few.append(len(rows))
        return upsert_few(connection, columns, rows, suffix)

    monkeypatch.setattr(pg_copy, "write", recorded)
    monkeypatch.setattr(pg_copy, "upsert_few", recorded_few)
    Offer.objects.create(catalog=catalog, external_id="o0", name="было")
    sql.upsert_rows(
        Offer,
        [{"catalog_id": catalog.pk, "external_id": f"o{n}", "name": "стало"} for n in range(count)],
        unique_fields=["catalog", "external_id"],
        update_fields=["name"],
    )
    assert sorted(Offer.objects.values_list("name", flat=True)) == ["стало"] * count
    many = count > sql._FEW_ROWS
    assert (staged, few) == (([count], []) if many else ([], [count]))


def product_row(catalog, i):
    return {
        "catalog_id": catalog.pk,
        "external_id": f"p{i}",
        "name": f"Товар {i}",
        "slug": f"tovar-{i}",
        "article": f"A-{i}",
        "published": False,
    }


def offer_row(catalog, i, updated):
    return {
        "catalog_id": catalog.pk,
        "external_id": f"o{i}",
        "name": f"стало {i}",
        "article": f"B-{i}",
        "updated": updated,
    }


def test_rows_said_new_are_inserted_whole(catalog, monkeypatch):
    """Inserted first without the update clause, they keep every field given, in every chunk."""
    monkeypatch.setattr(sql, "CHUNK", 2)
    sql.upsert_rows(
        Product,
        [product_row(catalog, i) for i in range(5)],
        unique_fields=["catalog", "external_id"],
        update_fields=["name"],
        new=True,
    )
    stored = Product.objects.order_by("external_id").values_list("name", "article", "published")
    assert list(stored) == [(f"Товар {i}", f"A-{i}", False) for i in range(5)]


def test_rows_said_new_but_stored_end_as_the_upsert_would(catalog, monkeypatch):
    """A caller that missed a stored row (or another writer's) loses nothing: the upsert runs."""
    monkeypatch.setattr(sql, "CHUNK", 2)
    old = Offer.objects.create(catalog=catalog, external_id="o2", name="было", article="A-2")
    later = timezone.now() + dt.timedelta(hours=1)
    sql.upsert_rows(
        Offer,
        [offer_row(catalog, i, later) for i in range(4)],
        unique_fields=["catalog", "external_id"],
        update_fields=["name", "updated"],
        new=True,
    )
    kept = Offer.objects.get(external_id="o2")
    assert (kept.pk, kept.article, kept.created) == (old.pk, "A-2", old.created)
    assert kept.updated == later
    stored = Offer.objects.order_by("external_id").values_list("external_id", "name", "article")
    assert list(stored) == [
        ("o0", "стало 0", "B-0"),
        ("o1", "стало 1", "B-1"),
        ("o2", "стало 2", "A-2"),
        ("o3", "стало 3", "B-3"),
    ]


def test_rows_said_new_still_fail_on_another_unique_constraint(catalog):
    """Only the conflict on the key is let through: a taken slug is an error, not a lost row."""
    Product.objects.create(catalog=catalog, external_id="p1", name="Куртка", slug="kurtka")
    # On PostgreSQL the rows go through the driver's own cursor: its error is the driver's.
    with pytest.raises((IntegrityError, connection.Database.IntegrityError)), transaction.atomic():
        sql.upsert_rows(
            Product,
            [{"catalog_id": catalog.pk, "external_id": "p2", "name": "Куртка", "slug": "kurtka"}],
            unique_fields=["catalog", "external_id"],
            update_fields=["name", "slug"],
            new=True,
        )
    assert list(Product.objects.values_list("external_id", flat=True)) == ["p1"]


def test_decimals_and_foreign_keys_go_through_as_values(catalog):
    offer = Offer.objects.create(catalog=catalog, external_id="o1")
    kind = PriceType.objects.create(external_id="retail", name="Розничная")
    for value in (Decimal("10.5"), Decimal("1234567.8901")):
        sql.upsert_rows(
            Price,
            [{"offer_id": offer.pk, "price_type_id": kind.pk, "value": value, "currency": "руб"}],
            unique_fields=["offer", "price_type"],
            update_fields=["value"],
        )
    price = Price.objects.get()
    assert (price.value, price.currency, price.coefficient) == (
        Decimal("1234567.8901"),
        "руб",
        Price._meta.get_field("coefficient").get_default(),
    )


def test_many_rows_in_several_chunks(catalog, monkeypatch):
    monkeypatch.setattr(sql, "CHUNK", 7)
    rows = [{"catalog_id": catalog.pk, "external_id": f"o{i}"} for i in range(30)]
    sql.insert(Offer, rows)
    found = sql.pks(Offer, "external_id", [f"o{i}" for i in range(30)], catalog_id=catalog.pk)
    assert sorted(found) == sorted(f"o{i}" for i in range(30))
    assert set(found.values()) == set(Offer.objects.values_list("pk", flat=True))


def test_empty_input_writes_nothing(catalog):
    sql.insert(Offer, [])
    sql.upsert_rows(Offer, [], unique_fields=["catalog", "external_id"], update_fields=["name"])
    assert not Offer.objects.exists()
    assert sql.pks(Offer, "external_id", []) == {}


def test_repeated_values_are_stored_as_given(catalog):
    """Rows repeat timestamps, prices and quantities; each row still gets its own column's value."""
    moscow = dt.timezone(dt.timedelta(hours=3))
    instant = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    rows = [
        {"catalog_id": catalog.pk, "external_id": f"o{i}", "quantity": quantity, "updated": when}
        for i, (quantity, when) in enumerate(
            [
                (Decimal("2"), instant),
                (Decimal("2.000"), instant.astimezone(moscow)),  # equal values, other forms
                (Decimal("3"), instant + dt.timedelta(seconds=1)),
                (Decimal("2"), instant),
            ]
        )
    ]
    sql.insert(Offer, rows)
    stored = Offer.objects.order_by("external_id").values_list("quantity", "updated")
    assert list(stored) == [
        (Decimal("2"), instant),
        (Decimal("2"), instant),
        (Decimal("3"), instant + dt.timedelta(seconds=1)),
        (Decimal("2"), instant),
    ]


def test_rows_giving_every_column_and_rows_leaving_some_to_defaults_mix(catalog):
    """Rows that name every column take a faster path; a later row that does not still works."""
    kind = PriceType.objects.create(external_id="retail", name="Розничная")
    offers = [Offer.objects.create(catalog=catalog, external_id=f"o{i}") for i in range(3)]
    rows = [
        {"offer_id": offers[0].pk, "price_type_id": kind.pk, "value": Decimal("1.50"),
         "currency": "руб", "unit": "шт", "coefficient": Decimal("1"), "presentation": ""},
        {"offer_id": offers[1].pk, "price_type_id": kind.pk, "value": None,
         "currency": "", "unit": "", "coefficient": Decimal("2.5"), "presentation": "по запросу"},
        {"offer_id": offers[2].pk, "price_type_id": kind.pk, "value": Decimal("7")},
    ]  # fmt: skip
    assert set(rows[0]) == set(sql._Columns(Price, connection).attnames)
    sql.insert(Price, rows)
    stored = Price.objects.order_by("offer__external_id").values_list(
        "value", "currency", "unit", "coefficient", "presentation"
    )
    default = Price._meta.get_field("coefficient").get_default()
    assert list(stored) == [
        (Decimal("1.50"), "руб", "шт", Decimal("1"), ""),
        (None, "", "", Decimal("2.5"), "по запросу"),
        (Decimal("7"), "", "", default, ""),
    ]


def test_update_rows_sets_only_the_named_fields_of_the_rows_named_by_pk(catalog, monkeypatch):
    monkeypatch.setattr(sql, "CHUNK", 2)  # several statements
    sql.insert(
        Offer,
        [
            {"catalog_id": catalog.pk, "external_id": f"o{i}", "name": f"Оффер {i}"}
            for i in range(5)
        ],
    )
    pks = dict(Offer.objects.values_list("external_id", "pk"))
    sql.update_rows(
        Offer,
        [
            {"pk": pks["o1"], "quantity": Decimal("2.500"), "stock_checksum": "s1"},
            {"pk": pks["o3"], "quantity": None, "stock_checksum": "s3"},
            {"pk": pks["o4"], "quantity": Decimal("-1"), "stock_checksum": ""},
        ],
        ["quantity", "stock_checksum"],
    )
    rows = {o.external_id: (o.name, o.quantity, o.stock_checksum) for o in Offer.objects.all()}
    assert rows == {
        "o0": ("Оффер 0", None, ""),
        "o1": ("Оффер 1", Decimal("2.5"), "s1"),
        "o2": ("Оффер 2", None, ""),
        "o3": ("Оффер 3", None, "s3"),
        "o4": ("Оффер 4", Decimal("-1"), ""),
    }


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_write_is_all_or_nothing(monkeypatch):
    """A caller without a transaction of its own (the sale query's records) never keeps half."""
    from django.db import IntegrityError, connection

    # COPY and unnest run on psycopg's own cursor: its errors are not Django's.
    refused = (IntegrityError, connection.Database.IntegrityError)

    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    rows = [
        {"catalog_id": catalog.pk, "external_id": f"p{n}", "name": "Т", "slug": f"t{n}"}
        for n in range(5)
    ]
    rows.append({**rows[0], "slug": "other"})  # the same 1C id again: the unique key refuses it
    with pytest.raises(refused):
        sql.insert(Product, rows)
    assert not Product.objects.exists()
    first = Product.objects.create(catalog=catalog, external_id="x", name="Т", slug="x")
    second = Product.objects.create(catalog=catalog, external_id="y", name="Т", slug="y")
    updates = [{"pk": first.pk, "name": "новое"}, {"pk": second.pk, "name": None}]
    monkeypatch.setattr(sql, "CHUNK", 1)  # a statement a row: the first is not kept either
    with pytest.raises(refused):
        sql.update_rows(Product, updates, ["name"])  # the second breaks NOT NULL
    assert list(Product.objects.order_by("pk").values_list("name", flat=True)) == ["Т", "Т"]


@pytest.mark.django_db(transaction=True)
def test_rows_said_new_in_a_batch_of_its_own_are_copied_or_upserted(monkeypatch, copied):
    """A batch's transaction (no test savepoint around it): new rows, then a stored one among new.

    On PostgreSQL the first rows are copied straight into the table, and the
    second call, which meets a row another writer stored, is rolled back to its
    savepoint and upserted; the batch goes on and commits all of it.
    """
    monkeypatch.setattr(sql, "CHUNK", 2)
    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    theirs = Offer.objects.create(catalog=catalog, external_id="o6", name="было", article="A-6")
    later = timezone.now() + dt.timedelta(hours=1)
    upsert = {"unique_fields": ["catalog", "external_id"], "update_fields": ["name", "updated"]}
    with transaction.atomic():
        sql.upsert_rows(Offer, [offer_row(catalog, i, later) for i in range(5)], new=True, **upsert)
        sql.upsert_rows(Offer, [offer_row(catalog, i, later) for i in (5, 6)], new=True, **upsert)
        sql.insert(Offer, [{"catalog_id": catalog.pk, "external_id": "o7", "name": "после"}])
    if connection.vendor == "postgresql":
        assert copied == [True, False]
    kept = Offer.objects.get(external_id="o6")
    assert (kept.pk, kept.name, kept.article, kept.created) == (
        theirs.pk,
        "стало 6",
        "A-6",
        theirs.created,
    )
    stored = Offer.objects.order_by("external_id").values_list("external_id", "name", "article")
    assert list(stored) == [
        *[(f"o{i}", f"стало {i}", f"B-{i}") for i in range(6)],
        ("o6", "стало 6", "A-6"),
        ("o7", "после", ""),
    ]


@pytest.mark.django_db(transaction=True)
def test_rows_said_new_in_a_batch_within_a_held_transaction_are_copied_or_upserted(copied):
    """A batch's savepoint inside the transaction held for a scan beside, as a large file's.

    On PostgreSQL its new rows are copied in a savepoint nested in the batch's,
    and a call that meets a stored row is rolled back to that one alone and
    upserted: the batch's rows before it stay, and the held transaction commits
    them all. After a caller's error (the slugs' attempt after a violation), the
    rows it says are new take the upsert, copied in no savepoint of their own.
    """
    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    theirs = Offer.objects.create(catalog=catalog, external_id="o3", name="было", article="A-3")
    later = timezone.now() + dt.timedelta(hours=1)
    upsert = {"unique_fields": ["catalog", "external_id"], "update_fields": ["name", "updated"]}
    with transaction.atomic():  # held for the scan beside
        with transaction.atomic():  # a batch
            sql.upsert_rows(
                Offer, [offer_row(catalog, i, later) for i in (0, 1)], new=True, **upsert
            )
            sql.upsert_rows(
                Offer, [offer_row(catalog, i, later) for i in (2, 3)], new=True, **upsert
            )
        with transaction.atomic(), sql.copying_new_in_callers_savepoint(False):
            sql.upsert_rows(Offer, [offer_row(catalog, 4, later)], new=True, **upsert)
    if connection.vendor == "postgresql":
        assert copied == [True, False]
    kept = Offer.objects.get(external_id="o3")
    assert (kept.pk, kept.name, kept.article) == (theirs.pk, "стало 3", "A-3")
    stored = Offer.objects.order_by("external_id").values_list("external_id", "name", "article")
    assert list(stored) == [
        *[(f"o{i}", f"стало {i}", f"B-{i}") for i in range(3)],
        ("o3", "стало 3", "A-3"),
        ("o4", "стало 4", "B-4"),
    ]
