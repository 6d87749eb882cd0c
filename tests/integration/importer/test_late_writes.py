"""A batch's last inserts written while the next batch is read (SQLite).

The rows are the batch's own: they must be committed with it or not at all,
stored as a plain insert would store them, seen by every later statement
that reads their table, and a failure among them must fail the job as a
failed batch does, with the batches before it kept. These run outside the
test's own transaction (``transaction=True``), as the site does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from cml_exchange.commerceml.reading.scan_process import can_start
from cml_exchange.importer import (
    ImportOptions,
    create_job,
    late_commit,
    late_writes,
    sql,
)
from cml_exchange.importer.results import Done, Failed
from cml_exchange.models import Catalog, ImportJob, Offer, Price, PriceType, Product
from cml_exchange.models import ProductRequisite as Requisite
from tests.integration.importer.helpers import run_to_end, watch_scans, write_catalog

pytestmark = [pytest.mark.django_db(transaction=True)]

REFUSED = "Отказ при записи"


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the writes are left running on SQLite only (PostgreSQL: its commit)")


@pytest.fixture
def refused_requisite() -> Iterator[None]:
    """A requisite whose value is :data:`REFUSED` fails its insert, as a broken row would."""
    table = Requisite._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TRIGGER cml_test_refuse BEFORE INSERT ON {table}"
            f" WHEN NEW.value = '{REFUSED}'"
            " BEGIN SELECT RAISE(ABORT, 'refused requisite'); END"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS cml_test_refuse")


def _catalog(path: Path, requisites: list[str]) -> str:
    """A catalog of one product per requisite value, each product with that requisite."""
    products = "".join(
        f"<Товар><Ид>p{number}</Ид><Наименование>Товар {number}</Наименование>"
        "<ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Вид номенклатуры</Наименование>"
        f"<Значение>{value}</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Товар>"
        for number, value in enumerate(requisites, start=1)
    )
    return write_catalog(path, products)


def _import(tmp_path: Path, requisites: list[str]) -> tuple[ImportJob, Any]:
    name = _catalog(tmp_path / "import.xml", requisites)
    job = create_job([name], base_dir=tmp_path, options=ImportOptions(batch_size=2))
    result = run_to_end(job)
    return ImportJob.objects.get(pk=job.pk), result


def _stored() -> list[tuple[str, str]]:
    return sorted(Requisite.objects.values_list("product__external_id", "value"))


@pytest.fixture
def written_late(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The tables written by :meth:`late_writes.Write.late`, with the thread that wrote them."""
    seen: list[tuple[str, str]] = []
    real = late_writes.Write.late

    def watched(write: late_writes.Write, raw: Any) -> None:
        seen.append((write.table, threading.current_thread().name))
        real(write, raw)

    monkeypatch.setattr(late_writes.Write, "late", watched)
    return seen


def test_an_import_writes_every_batch_s_late_rows(
    tmp_path: Path, written_late: list[tuple[str, str]]
) -> None:
    values = ["Товар", "Услуга", "Набор", 'Кавычки " и \\ обратная черта', "Эмодзи ☕"]

    _job, result = _import(tmp_path, values)

    assert isinstance(result, Done), result
    # Three batches (of two, two and one products), each one's requisites written by the thread.
    requisites = [thread for table, thread in written_late if table == Requisite._meta.db_table]
    assert requisites == ["cml-late-writes"] * 3
    assert _stored() == sorted((f"p{n}", value) for n, value in enumerate(values, start=1))
    assert not late_commit.running(connection)
    assert not connection.in_atomic_block  # every batch's transaction ended


def test_a_batch_whose_late_rows_are_refused_fails_the_job_with_the_batches_before_it_kept(
    tmp_path: Path, refused_requisite: None
) -> None:
    # Batches of two: p1 p2, then p3 p4 (p3's requisite refused), then p5, never written.
    job, result = _import(tmp_path, ["Товар", "Товар", REFUSED, "Товар", "Товар"])

    assert isinstance(result, Failed), result
    assert job.status == ImportJob.Status.FAILED
    assert "refused requisite" in job.error
    # p3 and p4 were inserted before their requisites: rolled back with them.
    assert sorted(Product.objects.values_list("external_id", flat=True)) == ["p1", "p2"]
    assert _stored() == [("p1", "Товар"), ("p2", "Товар")]
    assert job.position == 2
    assert result.message.endswith(
        "Из файла import.xml до ошибки записано: 2 из 5 товаров; это остается на сайте, "
        "отсутствующее в файле не деактивировано."
    )
    assert not connection.in_atomic_block


def test_the_last_batch_s_late_rows_refused_are_a_failure_not_done(
    tmp_path: Path, refused_requisite: None
) -> None:
    job, result = _import(tmp_path, ["Товар", "Товар", "Товар", "Товар", REFUSED])

    assert isinstance(result, Failed), result
    assert "refused requisite" in job.error
    assert sorted(Product.objects.values_list("external_id", flat=True)) == [
        "p1",
        "p2",
        "p3",
        "p4",
    ]


@pytest.mark.skipif(not can_start(), reason="a scan beside the reader needs a second core")
@pytest.mark.parametrize("refused", [3, 5], ids=["a middle batch", "the last batch"])
def test_a_file_scanned_beside_keeps_the_batches_before_a_refused_one(
    tmp_path: Path, settings: Any, refused_requisite: None, refused: int
) -> None:
    """In the transaction held for the scan's verdict each batch is a savepoint.

    The last batch's writes outlast the held transaction's own body: it closes after them.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    values = ["Товар", "Услуга", "Набор", "Товар", "Услуга"]
    values[refused - 1] = REFUSED
    # A second file after it: the next file's scan is what the last batch's writes outlast.
    names = [_catalog(tmp_path / "import1.xml", values), _catalog(tmp_path / "import2.xml", [])]
    job = create_job(names, base_dir=tmp_path, options=ImportOptions(batch_size=2))

    result = run_to_end(job)

    job.refresh_from_db()
    assert isinstance(result, Failed), result
    assert "refused requisite" in job.error
    kept = (refused - 1) // 2 * 2  # the batches of two before the refused one's
    assert _stored() == [(f"p{n}", values[n - 1]) for n in range(1, kept + 1)]
    assert not connection.in_atomic_block


@pytest.mark.skipif(not can_start(), reason="a scan beside the reader needs a second core")
def test_the_next_file_is_not_scanned_with_the_write_lock_held(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file after one read beside its scan is scanned here once its transaction ended.

    That transaction, whose last batch's writes outlast its body, would otherwise keep
    SQLite's one write lock from the site for the whole of the next file's scan.
    """
    # Few batches: read before the scan process's verdict comes, as a test's file must be.
    first = _catalog(tmp_path / "import1.xml", ["Товар"] * 5)
    second = _catalog(tmp_path / "import2.xml", ["Услуга"])
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = (tmp_path / first).stat().st_size  # the first only
    held = watch_scans(monkeypatch, lambda: late_writes.holding(connection))
    job = create_job([first, second], base_dir=tmp_path, options=ImportOptions(batch_size=2))

    result = run_to_end(job)

    assert isinstance(result, Done), result
    assert held == [("import2.xml", False)]
    stored = dict(_stored())
    assert len(stored) == 5
    assert stored["p1"] == "Услуга"  # the second file's p1 is the first's, rewritten


@pytest.mark.skipif(not can_start(), reason="a scan beside the reader needs a second core")
def test_the_next_file_is_not_scanned_after_a_refused_last_batch_with_the_lock_held(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, refused_requisite: None
) -> None:
    """The held transaction's last batch refused: the step fails before the next file's scan.

    The thread that was to commit the held transaction failed at its writes, so the
    transaction stays open, and with it SQLite's write lock, until the step settles. (A
    thread that fails only once the next file's scan has begun keeps the lock that long.)
    """
    first = _catalog(tmp_path / "import1.xml", ["Товар"] * 4 + [REFUSED])
    second = _catalog(tmp_path / "import2.xml", ["Услуга"])
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = (tmp_path / first).stat().st_size  # the first only
    real_holding = late_writes.holding

    def holding_once_failed(connection: Any) -> bool:
        _wait_for_the_thread()  # failed before the next file's scan stage asks
        return real_holding(connection)

    monkeypatch.setattr(late_writes, "holding", holding_once_failed)

    def lock_taken() -> bool:
        _wait_for_the_thread()
        return bool(connection.connection.in_transaction)

    scanned = watch_scans(monkeypatch, lock_taken)
    job = create_job([first, second], base_dir=tmp_path, options=ImportOptions(batch_size=2))

    result = run_to_end(job)

    job.refresh_from_db()
    assert isinstance(result, Failed), result
    assert "refused requisite" in job.error
    assert not [name for name, taken in scanned if taken]
    assert _stored() == [(f"p{n}", "Товар") for n in range(1, 5)]


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
    _wait_for_the_thread()
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
        _wait_for_the_thread()  # refused: NOT NULL

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


def _wait_for_the_thread() -> None:
    for _ in range(1000):
        if late_writes.finished(connection):
            return
        threading.Event().wait(0.01)
    raise AssertionError("the late writes never ended")


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
