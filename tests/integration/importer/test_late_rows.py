"""Late rows queued by a batch on SQLite, and the transaction held for a scan's verdict.

The rows queued for the writes' thread are the batch's own: stored as a plain
insert would store them, seen by every later statement that reads their table,
kept or dropped with the savepoint or transaction they were queued in. These run
outside the test's own transaction (``transaction=True``), as the site does;
tests/integration/importer/test_late_writes.py has the imports that use them.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from cml_exchange.importer import late_commit, late_writes, sql
from cml_exchange.models import Catalog, Offer, Price, PriceType
from cml_exchange.models import ProductRequisite as Requisite
from tests.integration.importer.helpers import wait_for_late_writes

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the writes are left running on SQLite only (PostgreSQL: its commit)")


def _offer_with_price_types(count: int) -> tuple[Offer, list[PriceType]]:
    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    offer = Offer.objects.create(catalog=catalog, external_id="o1")
    types = [PriceType.objects.create(external_id=f"t{n}", name=f"Цена {n}") for n in range(count)]
    return offer, types


PRICES = [
    (Decimal("1.50"), "RUB", Decimal("1")),
    (Decimal("0.000001"), "руб.", None),
    (None, "", Decimal("1000")),
    (Decimal("123456789.99"), 'у."е\\', Decimal("0.5")),
]


def _price_rows(offer: Offer, types: list[PriceType]) -> list[dict[str, Any]]:
    return [
        {
            "offer_id": offer.pk,
            "price_type_id": price_type.pk,
            "value": value,
            "currency": currency,
            "coefficient": coefficient,
        }
        for price_type, (value, currency, coefficient) in zip(types, PRICES, strict=False)
    ]


def _prices_as_stored() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT price_type_id, value, typeof(value), currency, coefficient,"  # noqa: S608
            f" typeof(coefficient), unit FROM {Price._meta.db_table} ORDER BY id"
        )
        return list(cursor.fetchall())


def test_late_rows_are_stored_as_rows_written_at_once() -> None:
    offer, types = _offer_with_price_types(len(PRICES))
    sql.insert(Price, _price_rows(offer, types))
    at_once = _prices_as_stored()
    read_at_once = [price.value for price in Price.objects.order_by("pk")]
    Price.objects.all().delete()

    with late_commit.batch(connection):
        sql.insert(Price, _price_rows(offer, types), late=True)
    assert late_writes.running(connection)
    late_commit.settle(connection)

    assert _prices_as_stored() == at_once
    assert [price.value for price in Price.objects.order_by("pk")] == read_at_once


def test_a_statement_that_reads_a_queued_table_sees_the_rows_queued_before_it() -> None:
    offer, types = _offer_with_price_types(2)

    with late_commit.batch(connection):
        sql.insert(Price, _price_rows(offer, types)[:1], late=True)
        seen_first = Price.objects.count()
        sql.insert(Price, _price_rows(offer, types)[1:], late=True)
    late_commit.settle(connection)

    assert seen_first == 1
    assert Price.objects.count() == 2


def test_upserted_late_rows_update_the_stored_ones() -> None:
    """Rows believed new, one of which was stored after all, end as an upsert ends."""
    offer, types = _offer_with_price_types(2)
    sql.insert(Price, _price_rows(offer, types)[:1])
    rows = _price_rows(offer, types)
    rows[0]["value"], rows[1]["value"] = Decimal("9.90"), Decimal("2.00")

    with late_commit.batch(connection):
        sql.upsert_rows(
            Price,
            rows,
            unique_fields=["offer", "price_type"],
            update_fields=["value"],
            new=True,
            late=True,
        )
    late_commit.settle(connection)

    assert [p.value for p in Price.objects.order_by("price_type__external_id")] == [
        Decimal("9.90"),
        Decimal("2.00"),
    ]


def test_late_rows_refused_at_the_commit_roll_the_batch_back() -> None:
    """A foreign key SQLite checks at the commit, which the thread sends, fails the batch whole."""
    with late_commit.batch(connection):
        Catalog.objects.create(external_id="cat", name="Каталог")
        sql.insert(Requisite, [{"product_id": 987654, "name": "Н", "value": "1"}], late=True)

    with pytest.raises(IntegrityError):
        late_commit.settle(connection)

    assert not Catalog.objects.exists()
    assert not Requisite.objects.exists()
    assert connection.get_autocommit() and not connection.in_atomic_block


def test_a_held_transaction_refused_at_the_threads_commit_keeps_the_batches_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transaction held for a scan's verdict, committed by the thread, fails as batches do.

    Its last batch's late rows break a foreign key that SQLite checks at the commit, which
    the thread sends once the held block has ended: that batch is rolled back, the one
    before it stays, as when each batch is a transaction of its own. Until the step settles,
    the refused commit's transaction, still open, holds SQLite's write lock.
    """
    ended = _writes_wait_for_the_test(monkeypatch)
    with late_commit.batch(connection):  # held, as for a scan beside the reader
        with late_commit.batch(connection):
            Catalog.objects.create(external_id="cat", name="Каталог")
        with late_commit.batch(connection):
            Catalog.objects.create(external_id="other", name="Другой")
            rows = [{"product_id": 987654, "name": "Н", "value": str(n)} for n in range(50)]
            sql.insert(Requisite, rows, late=True)

    assert not late_writes.holding(connection)  # the thread is to commit it once its rows are in
    ended.set()
    wait_for_late_writes()
    assert late_writes.holding(connection)  # its commit refused: the transaction still open
    with pytest.raises(IntegrityError):
        late_commit.settle(connection)

    assert list(Catalog.objects.values_list("external_id", flat=True)) == ["cat"]
    assert not Requisite.objects.exists()
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert connection.savepoint_ids == []


def test_a_thread_that_failed_before_the_held_block_ended_commits_nothing() -> None:
    """Its writes refused while the held block still ran: the step, not the thread, ends it."""
    with late_commit.batch(connection):  # held
        with late_commit.batch(connection):
            Catalog.objects.create(external_id="cat", name="Каталог")
            sql.insert(Requisite, [{"product_id": 1, "name": None, "value": "1"}], late=True)
        wait_for_late_writes()  # refused: NOT NULL

    assert late_writes.holding(connection)  # nobody committed: SQLite's lock is still taken
    with pytest.raises(IntegrityError):
        late_commit.settle(connection)

    assert not Catalog.objects.exists()
    assert connection.get_autocommit() and not connection.in_atomic_block


def _writes_wait_for_the_test(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The thread's first late write waits until the test sets the event it returns."""
    ended = threading.Event()
    real = late_writes.Write.late

    def late(write: late_writes.Write, raw: Any) -> None:
        assert ended.wait(10), "the test never let the writes go"
        real(write, raw)

    monkeypatch.setattr(late_writes.Write, "late", late)
    return ended


class _Undone(Exception):
    """Raised to roll a savepoint back."""


def test_a_savepoint_rolled_back_after_rows_were_queued_keeps_them() -> None:
    """A receiver that reads the batch's tables in a savepoint of its own, then rolls it back."""
    offer, types = _offer_with_price_types(2)

    with late_commit.batch(connection):
        sql.insert(Price, _price_rows(offer, types), late=True)
        with pytest.raises(_Undone), transaction.atomic():
            assert Price.objects.count() == 2
            raise _Undone
    late_commit.settle(connection)

    assert Price.objects.count() == 2


def test_rows_queued_in_a_savepoint_rolled_back_are_not_written() -> None:
    offer, types = _offer_with_price_types(2)

    with late_commit.batch(connection):
        sql.insert(Price, _price_rows(offer, types)[:1], late=True)
        with pytest.raises(_Undone), transaction.atomic():
            sql.insert(Price, _price_rows(offer, types)[1:], late=True)
            raise _Undone
    late_commit.settle(connection)

    assert list(Price.objects.values_list("price_type_id", flat=True)) == [types[0].pk]


def test_an_atomic_block_opened_while_the_writes_run_is_refused_until_they_settle() -> None:
    offer, types = _offer_with_price_types(1)
    with late_commit.batch(connection):
        sql.insert(Price, _price_rows(offer, types), late=True)

    with pytest.raises(RuntimeError, match="settle"), transaction.atomic():
        Catalog.objects.create(external_id="other", name="Другой")
    assert late_writes.running(connection)

    # A plain statement waits for the writes and their commit, then runs as Django expects.
    assert Price.objects.count() == 1
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert not Catalog.objects.filter(external_id="other").exists()
