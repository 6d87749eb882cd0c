"""A batch's commit left running while the next batch is read (PostgreSQL).

The commit is where PostgreSQL checks what was deferred to it (Django's
foreign keys). A constraint trigger deferred to the commit refuses a product
by its name here, as a foreign key that no longer holds would: the batch that
holds it must be rolled back whole, the job must fail with the batches before
it kept, and nothing may be reported done. These run outside the test's own
transaction (``transaction=True``), as the site does: inside one there is no
commit to leave running.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from cml_exchange import signals
from cml_exchange.commerceml.reading.scan_process import can_start
from cml_exchange.importer import ImportOptions, create_job, late_commit
from cml_exchange.importer.results import Done, Failed
from cml_exchange.models import ImportJob, Product, Unit
from tests.integration.importer.helpers import run_to_end, watch_scans, write_catalog

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

REFUSED = "Отказ при фиксации"


def _catalog(path: Path, names: list[str]) -> str:
    products = "".join(
        f"<Товар><Ид>p{number}</Ид><Наименование>{name}</Наименование></Товар>"
        for number, name in enumerate(names, start=1)
    )
    return write_catalog(path, products)


@pytest.fixture
def refused_at_commit() -> Iterator[None]:
    """A product named :data:`REFUSED` fails its transaction's ``COMMIT``, not its insert."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no checks deferred to the commit")
    table = Product._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION cml_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN IF NEW.name = '{REFUSED}' THEN"
            " RAISE EXCEPTION 'refused at commit: %', NEW.external_id; END IF;"
            " RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE CONSTRAINT TRIGGER cml_test_refuse AFTER INSERT OR UPDATE ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cml_test_refuse()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS cml_test_refuse ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS cml_test_refuse()")


def _import(tmp_path: Path, names: list[str]) -> tuple[ImportJob, Any]:
    name = _catalog(tmp_path / "import.xml", names)
    job = create_job([name], base_dir=tmp_path, options=ImportOptions(batch_size=2))
    result = run_to_end(job)
    return ImportJob.objects.get(pk=job.pk), result


def _stored() -> list[str]:
    return sorted(Product.objects.values_list("external_id", flat=True))


def test_a_batch_refused_at_its_commit_fails_the_job_with_the_batches_before_it_kept(
    tmp_path: Path, refused_at_commit: None
) -> None:
    # Batches of two: p1 p2, then p3 p4 (refused at its commit), then p5, never written.
    job, result = _import(tmp_path, ["Чайник", "Утюг", REFUSED, "Стул", "Стол"])

    assert isinstance(result, Failed)
    assert job.status == ImportJob.Status.FAILED
    assert _stored() == ["p1", "p2"]
    assert job.position == 2
    assert "refused at commit: p3" in job.error
    assert result.message.endswith(
        "Из файла import.xml до ошибки записано: 2 из 5 товаров; это остается на сайте, "
        "отсутствующее в файле не деактивировано."
    )
    assert connection.get_autocommit()  # the connection is the site's again, as it was


def test_the_last_batch_refused_at_its_commit_is_a_failure_not_done(
    tmp_path: Path, refused_at_commit: None
) -> None:
    job, result = _import(tmp_path, ["Чайник", "Утюг", "Стул", "Стол", REFUSED])

    assert isinstance(result, Failed), result
    assert job.status == ImportJob.Status.FAILED
    assert _stored() == ["p1", "p2", "p3", "p4"]
    assert "refused at commit: p5" in job.error


def test_what_a_batch_runs_on_commit_runs_once_it_is_committed_and_never_for_a_refused_one(
    tmp_path: Path, refused_at_commit: None
) -> None:
    """A receiver's ``on_commit`` (the Oscar adapter's search index) sees its batch stored."""
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    seen: list[list[str]] = []

    def committed(product_ids: list[int]) -> None:
        rows = other.execute(
            f"SELECT external_id FROM {Product._meta.db_table} WHERE id = ANY(%s)",  # noqa: S608
            [product_ids],
        ).fetchall()
        seen.append(sorted(row[0] for row in rows))

    def receiver(sender: Any, product_ids: list[int], **kwargs: Any) -> None:
        transaction.on_commit(lambda: committed(list(product_ids)))

    signals.products_saved.connect(receiver)
    try:
        _job, result = _import(tmp_path, ["Чайник", "Утюг", "Стул", REFUSED, "Стол"])
    finally:
        signals.products_saved.disconnect(receiver)
        other.close()

    assert isinstance(result, Failed)
    # Seen from another connection, each batch's products were there when its hook ran.
    assert seen == [["p1", "p2"]]
    assert _stored() == ["p1", "p2"]


def test_a_whole_import_commits_every_batch(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the commit is left running on PostgreSQL only")
    names = [f"Товар {number}" for number in range(1, 8)]

    job, result = _import(tmp_path, names)

    assert isinstance(result, Done), result
    assert _stored() == [f"p{number}" for number in range(1, 8)]
    assert job.status == ImportJob.Status.DONE
    assert connection.get_autocommit()


def _unit_in_a_late_batch(code: str) -> None:
    with late_commit.batch(connection):
        Unit.objects.create(code=code, name_short="шт")


def test_a_statement_after_a_late_batch_waits_for_its_commit_and_sees_it(
    tmp_path: Path,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the commit is left running on PostgreSQL only")
    _unit_in_a_late_batch("796")

    # A plain statement first waits for the commit, then runs as Django expects: autocommit.
    assert list(Unit.objects.values_list("code", flat=True)) == ["796"]
    assert connection.get_autocommit() and not connection.in_atomic_block
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        assert other.execute(f"SELECT code FROM {Unit._meta.db_table}").fetchall() == [("796",)]  # noqa: S608
    finally:
        other.close()


@pytest.mark.skipif(not can_start(), reason="a scan beside the reader needs a second core")
def test_a_file_scanned_beside_refused_at_the_commit_with_the_verdict_leaves_nothing(
    tmp_path: Path, settings: Any, refused_at_commit: None
) -> None:
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    # The first batch is written before the verdict can be looked for: in the transaction
    # held for it, which the trigger refuses at its commit.
    job, result = _import(tmp_path, [REFUSED, "Утюг", "Стул", "Стол", "Чайник"])

    assert isinstance(result, Failed), result
    assert job.status == ImportJob.Status.FAILED
    assert "refused at commit: p1" in job.error
    assert _stored() == []
    assert job.stage == ImportJob.Stage.SCAN  # as the held transaction's rollback left it


@pytest.mark.skipif(not can_start(), reason="a scan beside the reader needs a second core")
def test_a_file_scanned_beside_commits_whole(tmp_path: Path, settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the commit is left running on PostgreSQL only")
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    names = [f"Товар {number}" for number in range(1, 10)]

    job, result = _import(tmp_path, names)

    assert isinstance(result, Done), result
    assert _stored() == sorted(f"p{number}" for number in range(1, 10))
    assert job.state["scans"]["import.xml"]["products"] == 9


def _import_two(tmp_path: Path, first: list[str], second: list[str]) -> tuple[ImportJob, Any]:
    names = [_catalog(tmp_path / "import1.xml", first), _catalog(tmp_path / "import2.xml", second)]
    job = create_job(names, base_dir=tmp_path, options=ImportOptions(batch_size=2))
    result = run_to_end(job)
    return ImportJob.objects.get(pk=job.pk), result


@pytest.fixture
def scans_seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """The files the importing process scans, and whether a commit was running meanwhile."""
    return watch_scans(monkeypatch, lambda: late_commit.running(connection))


def test_the_next_file_is_scanned_while_the_last_batch_commits(
    tmp_path: Path, scans_seen: list[tuple[str, bool]]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the commit is left running on PostgreSQL only")

    job, result = _import_two(tmp_path, ["Чайник", "Утюг", "Стул"], ["Стол", "Шкаф"])

    assert isinstance(result, Done), result
    assert scans_seen == [("import1.xml", False), ("import2.xml", True)]
    assert _stored() == ["p1", "p2", "p3"]  # the second file's ids are the first's again
    assert Product.objects.get(external_id="p1").name == "Стол"
    assert job.state["scans"]["import2.xml"]["products"] == 2
    assert connection.get_autocommit()


def test_a_last_batch_refused_while_the_next_file_is_scanned_fails_before_that_file(
    tmp_path: Path, refused_at_commit: None, scans_seen: list[tuple[str, bool]]
) -> None:
    job, result = _import_two(tmp_path, ["Чайник", "Утюг", REFUSED], ["Стол", "Шкаф"])

    assert isinstance(result, Failed), result
    assert job.status == ImportJob.Status.FAILED
    assert "refused at commit: p3" in job.error
    # The first file's batch before it stays; nothing of the second file is written.
    assert _stored() == ["p1", "p2"]
    assert Product.objects.get(external_id="p1").name == "Чайник"
    assert scans_seen[-1] == ("import2.xml", True)


def test_a_last_batch_refused_at_its_commit_is_the_failure_when_the_next_file_is_broken_too(
    tmp_path: Path, refused_at_commit: None, scans_seen: list[tuple[str, bool]]
) -> None:
    first = _catalog(tmp_path / "import1.xml", ["Чайник", "Утюг", REFUSED])
    (tmp_path / "import2.xml").write_text("<КоммерческаяИнформация><Каталог>", encoding="utf-8")
    job = create_job([first, "import2.xml"], base_dir=tmp_path, options=ImportOptions(batch_size=2))

    result = run_to_end(job)
    job.refresh_from_db()

    assert isinstance(result, Failed), result
    # What 1C and the shop are told is the first file's refused batch, not the broken file.
    assert "refused at commit: p3" in job.error
    assert "import2.xml" not in result.message
    assert _stored() == ["p1", "p2"]
    assert scans_seen[-1] == ("import2.xml", True)
