"""A batch's last inserts written while the next batch is read (SQLite).

The rows are the batch's own: they must be committed with it or not at all,
stored as a plain insert would store them, seen by every later statement
that reads their table, and a failure among them must fail the job as a
failed batch does, with the batches before it kept. These run outside the
test's own transaction (``transaction=True``), as the site does. The queue
itself (its rows, savepoints, the held transaction) is tested in test_late_rows.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from cml_exchange.commerceml.reading.scan_process import can_start
from cml_exchange.importer import (
    ImportOptions,
    create_job,
    late_commit,
    late_writes,
)
from cml_exchange.importer.results import Done, Failed
from cml_exchange.models import ImportJob, Product
from cml_exchange.models import ProductRequisite as Requisite
from tests.integration.importer.helpers import (
    run_to_end,
    wait_for_late_writes,
    watch_scans,
    write_catalog,
)

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
        wait_for_late_writes()  # failed before the next file's scan stage asks
        return real_holding(connection)

    monkeypatch.setattr(late_writes, "holding", holding_once_failed)

    def lock_taken() -> bool:
        wait_for_late_writes()
        return bool(connection.connection.in_transaction)

    scanned = watch_scans(monkeypatch, lock_taken)
    job = create_job([first, second], base_dir=tmp_path, options=ImportOptions(batch_size=2))

    result = run_to_end(job)

    job.refresh_from_db()
    assert isinstance(result, Failed), result
    assert "refused requisite" in job.error
    assert not [name for name, taken in scanned if taken]
    assert _stored() == [(f"p{n}", "Товар") for n in range(1, 5)]
