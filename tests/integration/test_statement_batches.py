"""``unsynced.unsynced_batch``: an upload part's bookkeeping, all or nothing, in one query.

On PostgreSQL outside an atomic block the batch's writes go as one query of
several statements, which the server runs as one transaction whose commit
does not wait for the log's flush; on SQLite in WAL mode the batch is
``atomic()`` whose commit does not sync the log; elsewhere it is ``atomic()``.
Either way what it writes is all written or none of it is.
"""

from __future__ import annotations

import sqlite3

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cml_exchange.models import ExchangeRequest, ExchangeSession, statements, unsynced

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("statements_as_text"),  # the queries are read as SQL
]

POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def session() -> ExchangeSession:
    user = get_user_model().objects.create_user("exchange", password="secret")
    return ExchangeSession.objects.open(user, "catalog", "10.0.0.7")


def log(session_id: int, message: str = "") -> None:
    statements.insert(
        ExchangeRequest, session_id=session_id, kind="catalog", mode="file", message=message
    )


def received(session: ExchangeSession) -> int:
    return ExchangeSession.objects.get(pk=session.pk).bytes_received


def test_the_batchs_writes_are_all_made(session):
    with CaptureQueriesContext(connection) as queries, unsynced.unsynced_batch():
        statements.update(ExchangeSession, session.pk, bytes_received=statements.Add(1 << 20))
        log(session.pk)
        log(session.pk)
    assert received(session) == 1 << 20
    assert ExchangeRequest.objects.filter(session=session).count() == 2
    if POSTGRESQL:
        # one round trip, and the flush setting for that transaction alone
        (query,) = [q["sql"] for q in queries.captured_queries]
        assert query.startswith("SET LOCAL synchronous_commit TO OFF; UPDATE ")
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == ("on",)


def test_values_are_stored_as_given_whatever_they_hold(session):
    message = "50% готово; 'кавычки' \"двойные\" %s %(name)s \\ -- ; DROP TABLE x;"
    with unsynced.unsynced_batch():
        log(session.pk, message)
    assert ExchangeRequest.objects.get(session=session).message == message


def test_a_statement_that_fails_undoes_the_whole_batch(session):
    with pytest.raises(IntegrityError), unsynced.unsynced_batch():
        statements.update(ExchangeSession, session.pk, bytes_received=statements.Add(1 << 20))
        log(session.pk)
        log(10**9)  # no such session: its foreign key fails
    assert received(session) == 0
    assert not ExchangeRequest.objects.exists()
    log(session.pk)  # the connection is usable again
    assert ExchangeRequest.objects.count() == 1


def test_nothing_is_written_when_the_block_raises(session):
    with pytest.raises(OSError), unsynced.unsynced_batch():
        statements.update(ExchangeSession, session.pk, bytes_received=statements.Add(1 << 20))
        raise OSError("the part could not be kept")
    assert received(session) == 0


def test_inside_an_atomic_block_the_writes_are_made_at_once_and_roll_back_with_it(session):
    with pytest.raises(OSError), transaction.atomic():
        with unsynced.unsynced_batch():
            changed = statements.update(ExchangeSession, session.pk, files=statements.Add(1))
            assert changed == 1
            assert ExchangeSession.objects.get(pk=session.pk).files == 1
        raise OSError("the outer block fails")
    assert ExchangeSession.objects.get(pk=session.pk).files == 0


FULL, NORMAL = 2, 1


@pytest.mark.parametrize(("journal", "inside"), [("wal", NORMAL), ("delete", FULL)])
def test_sqlite_skips_the_sync_in_wal_mode_only_and_for_the_block_only(tmp_path, journal, inside):
    """WAL mode: NORMAL loses at most the last commits on a power loss; else it may corrupt."""
    database = sqlite3.connect(tmp_path / "shop.sqlite3", isolation_level=None)
    database.execute(f"PRAGMA journal_mode = {journal}")
    database.execute("PRAGMA synchronous = FULL")

    def level() -> int:
        return int(database.execute("PRAGMA synchronous").fetchone()[0])

    with unsynced.sqlite_commits_unsynced(database):
        assert level() == inside
    assert level() == FULL
    with pytest.raises(OSError), unsynced.sqlite_commits_unsynced(database):
        raise OSError("the part could not be kept")
    assert level() == FULL
    database.close()
