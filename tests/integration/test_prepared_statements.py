"""A request's frequent statements prepared on their PostgreSQL connection, where the site allows.

``statements.prepared.execute_several`` sends a request's read (settings,
session, an upload's row) and an upload part's bookkeeping as one query.
With ``OPTIONS["prepare_threshold"]`` set (the example shop sets 5), a
statement run that many times on a connection is prepared there and sent as
``EXECUTE``; whatever the server does with prepared statements (a pooler
that moves the connection, a ``DISCARD ALL``, a name taken, a migration),
the caller gets what the text would have given, and a write is made once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cml_exchange.models import ExchangeRequest, ExchangeSession, ExchangeSettings, statements
from cml_exchange.models.statements.prepared import execute_several
from cml_exchange.models.unsynced import unsynced_batch
from tests.integration.prepared import as_text, prepared_here, sent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements"),
]


@pytest.fixture
def session() -> ExchangeSession:
    user = get_user_model().objects.create_user("exchange", password="secret")
    return ExchangeSession.objects.open(user, "catalog", "10.0.0.7")


def read(session: ExchangeSession) -> tuple[list[ExchangeSettings], list[ExchangeSession]]:
    settings_rows, session_rows = statements.together(
        ExchangeSettings.read(),
        ExchangeSession.objects.token_read(session.token, "catalog", upload="import.xml"),
    )
    return settings_rows, session_rows


def part(session: ExchangeSession, size: int) -> None:
    """An upload part's bookkeeping, as the view writes it."""
    with unsynced_batch():
        statements.update(ExchangeSession, session.pk, bytes_received=statements.Add(size))
        statements.insert(ExchangeRequest, session_id=session.pk, kind="catalog", mode="file")


def received(session: ExchangeSession) -> int:
    return ExchangeSession.objects.get(pk=session.pk).bytes_received


def test_nothing_is_prepared_unless_the_site_allows_it(session, threshold):
    threshold(None)  # Django's default: off
    for _ in range(8):
        read(session)
        part(session, 1)
    assert prepared_here() == set()
    assert received(session) == 8


def test_a_statement_run_often_is_prepared_and_reads_what_the_text_reads(session, threshold):
    ExchangeSettings.load()
    threshold(2)  # a new connection: the settings' read above does not count
    first = read(session)
    with CaptureQueriesContext(connection) as queries:
        runs = [read(session) for _ in range(4)]
    # the second run as text, the third prepares and executes, and so on
    text, preparing, *executing = sent(queries)
    assert as_text(text)
    assert preparing.startswith("PREPARE cml_")
    assert len(executing) == 3
    assert all(query.startswith("EXECUTE cml_") for query in executing)
    assert len(prepared_here()) == 2  # the settings' statement and the session's
    for settings_rows, session_rows in runs:
        assert [vars_of(row) for row in settings_rows] == [vars_of(r) for r in first[0]]
        assert [vars_of(row) for row in session_rows] == [vars_of(r) for r in first[1]]
        assert session_rows[0].user.get_username() == "exchange"


def test_a_single_read_is_prepared_too(session, threshold):
    """A request without a cookie reads its settings, its login and its session one by one."""
    threshold(1)
    where = {"user": session.user_id, "kind": "catalog", "finished__isnull": True}
    with CaptureQueriesContext(connection) as queries:
        found = [statements.rows(ExchangeSession, where, order=("-last_seen",), limit=1)]
        found += [statements.rows(ExchangeSession, where, order=("-last_seen",), limit=1)]
    text, preparing, executing = sent(queries)
    assert as_text(text)
    assert preparing.startswith("PREPARE cml_")
    assert executing.startswith("EXECUTE cml_")
    assert [[vars_of(row) for row in rows] for rows in found] == [[vars_of(session)]] * 2


def vars_of(instance: object) -> dict[str, object]:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_a_prepared_parts_bookkeeping_writes_once(session, threshold):
    threshold(1)
    for size in (1, 10, 100, 1000):
        part(session, size)
    assert received(session) == 1111
    assert ExchangeRequest.objects.filter(session=session).count() == 4
    assert len(prepared_here()) == 2


def test_a_statement_twice_in_one_query_is_prepared_once(session, threshold):
    threshold(0)

    def batch() -> None:
        with unsynced_batch():
            statements.update(ExchangeSession, session.pk, bytes_received=statements.Add(1))
            for message in ("first", "second"):
                statements.insert(
                    ExchangeRequest, session_id=session.pk, kind="catalog", message=message
                )

    batch()
    with CaptureQueriesContext(connection) as queries:
        batch()
    (query,) = sent(queries)
    assert query.count("EXECUTE cml_") == 3  # still prepared: nothing was refused
    assert received(session) == 2
    assert sorted(ExchangeRequest.objects.values_list("message", flat=True)) == [
        "first",
        "first",
        "second",
        "second",
    ]


def test_statements_the_server_lost_are_prepared_again_then_no_more(session, threshold, caplog):
    """``DEALLOCATE ALL`` (psycopg's after a rollback, or a pooler's other server connection)."""
    threshold(1)
    part(session, 1)
    part(session, 2)  # prepared now
    assert prepared_here()
    sizes = iter(range(3, 100))
    for loss in range(1, 5):
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # as another server connection would have none
        with CaptureQueriesContext(connection) as queries:
            part(session, next(sizes))  # refused, then sent again as text
            part(session, next(sizes))  # text: the count starts again
            part(session, next(sizes))
        refused, resent, counted, *again = sent(queries)
        assert "EXECUTE cml_" in refused
        assert as_text(resent)
        assert as_text(counted)
        if loss <= 3:  # prepared again after the threshold's runs
            assert again[0].startswith("PREPARE cml_")
            assert "EXECUTE cml_" in again[1]
            assert prepared_here()
        else:  # the fourth loss: text from now on
            assert [as_text(query) for query in again] == [True]
            assert prepared_here() == set()
    parts = 2 + 4 * 3
    assert received(session) == sum(range(1, parts + 1))  # every part counted, none twice
    assert ExchangeRequest.objects.filter(session=session).count() == parts
    (warning,) = [r for r in caplog.records if r.name == "cml_exchange.models.statements.prepared"]
    assert "SQLSTATE 26000" in warning.getMessage()
    assert "prepare_threshold" in warning.getMessage()


def test_a_pool_that_moves_connections_between_threads_keeps_what_each_prepared(
    session, threshold, caplog
):
    """Django's pool hands the wrapper another of psycopg's connections at each request."""
    threshold(1)
    first = connection.connection
    second = connection.get_new_connection(connection.get_connection_params())
    second.autocommit = True
    try:
        with CaptureQueriesContext(connection) as queries:
            for raw in [first, second] * 3:
                connection.connection = raw
                part(session, 1)
    finally:
        connection.connection = first
        second.close()
    # each connection: text, then prepared, then its statement executed
    preparing = [query for query in sent(queries) if query.startswith("PREPARE cml_")]
    executing = [query for query in sent(queries) if "EXECUTE cml_" in query]
    assert len(preparing) == 2
    assert len(executing) == 4
    assert received(session) == 6
    assert not [r for r in caplog.records if r.name == "cml_exchange.models.statements.prepared"]


def test_a_name_the_server_already_holds_stops_preparing(session, threshold):
    """A pooler put our new connection on a server connection where the names are taken."""
    settings = ExchangeSettings.load()
    threshold(1)
    read(session)
    read(session)
    names = prepared_here()
    assert len(names) == 2
    threshold(1)  # a new connection of ours; another client prepared those names there
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"PREPARE {name} AS SELECT 'someone else''s'")
    for _ in range(3):
        settings_rows, session_rows = read(session)
        assert session_rows[0].pk == session.pk
        assert [row.pk for row in settings_rows] == [settings.pk]
    with CaptureQueriesContext(connection) as queries:
        read(session)
    assert all(as_text(query) for query in sent(queries))


def test_a_migration_that_changes_a_returned_column_is_read_through(session, threshold):
    """A column's type changed under a prepared read: its plan cannot return the new type."""
    threshold(1)
    read(session)
    read(session)
    assert prepared_here()
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "cml_exchange_exchangesession" ALTER "address" TYPE text')
    try:
        with CaptureQueriesContext(connection) as queries:
            _settings_rows, session_rows = read(session)
            read(session)
        assert str(session_rows[0].address).startswith("10.0.0.7")  # inet as text: /32
        refused, *later = sent(queries)
        assert refused.startswith("EXECUTE cml_")
        assert later and all(as_text(query) for query in later)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                'ALTER TABLE "cml_exchange_exchangesession" ALTER "address" TYPE inet'
                ' USING "address"::inet'
            )


def test_inside_an_atomic_block_nothing_is_prepared(session, threshold):
    threshold(0)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            read(session)
            part(session, 1)
    assert all(as_text(query) for query in sent(queries))
    assert prepared_here() == set()
    assert received(session) == 3


def test_with_autocommit_off_nothing_is_prepared(session, threshold):
    """A site that runs its own transaction: a refused statement would spoil it."""
    threshold(0)
    connection.set_autocommit(False)
    try:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                read(session)
        connection.commit()
    finally:
        connection.set_autocommit(True)
    assert all(as_text(query) for query in sent(queries))
    assert prepared_here() == set()


@pytest.mark.parametrize("server_side", [False, True], ids=["client-binding", "server-binding"])
def test_values_and_percent_signs_survive_preparing(threshold, monkeypatch, server_side):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", server_side)
    threshold(1)
    tricky = "50% 'готово'; -- %s $1"
    for _ in range(2):  # as text, then prepared
        with connection.cursor() as cursor:
            execute_several(
                connection,
                cursor,
                ["SELECT %s::int", "SELECT %s::text || '%%'", "SELECT 'a%%b'"],
                [7, tricky],
            )
            assert cursor.fetchall() == [(7,)]
            assert cursor.nextset()
            assert cursor.fetchall() == [(tricky + "%",)]
            assert cursor.nextset()
            assert cursor.fetchall() == [("a%b",)]
        with connection.cursor() as cursor:
            execute_several(connection, cursor, ["SELECT %s::text || '%%'"], [tricky])
            assert cursor.fetchall() == [(tricky + "%",)]
    assert len(prepared_here()) == (0 if server_side else 3)


def test_several_statements_with_server_binding_and_psycopgs_threshold_at_0(threshold, monkeypatch):
    """psycopg would prepare the query of several statements too, which the server refuses."""
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)
    threshold(0)  # psycopg's own too: every query prepared the first time it comes
    for _ in range(3):
        with connection.cursor() as cursor:
            execute_several(connection, cursor, ["SELECT %s::int", "SELECT 'b'"], [7])
            assert cursor.fetchall() == [(7,)]
            assert cursor.nextset()
            assert cursor.fetchall() == [("b",)]
    assert prepared_here() == set()  # psycopg prepares the single ones there (below)
    assert connection.connection.prepare_threshold == 0


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Django's own pool of two connections, each request's taken from it and given back."""
    wrapper: Any = connection  # PostgreSQL's, with its pool
    wrapper.close()
    monkeypatch.setitem(wrapper.settings_dict, "CONN_MAX_AGE", 0)  # the pool requires it
    monkeypatch.setitem(wrapper.settings_dict["OPTIONS"], "pool", {"min_size": 2, "max_size": 2})
    monkeypatch.setitem(wrapper.settings_dict["OPTIONS"], "prepare_threshold", 0)
    # Both connections made before the first request: the pool fills in the background,
    # and on a busy machine its second connection came after the tenth request.
    wrapper.pool.open(wait=True, timeout=30)
    try:
        yield
    finally:
        wrapper.close()
        wrapper.close_pool()  # closed, and forgotten by the backend


def test_with_djangos_pool_each_connection_prepares_once(session, pooled, caplog):
    """The wrapper gets another of the pool's connections from one request to the next."""
    served, preparing = set(), 0
    for size in range(1, 11):
        with CaptureQueriesContext(connection) as queries:
            part(session, size)
        served.add(id(connection.connection))
        preparing += sum(query.startswith("PREPARE cml_") for query in sent(queries))
        connection.close()  # the request's end: back to the pool
    assert len(served) == 2
    assert preparing == 2  # once on each, kept there whichever request it serves next
    assert received(session) == sum(range(1, 11))
    assert not [r for r in caplog.records if r.name == "cml_exchange.models.statements.prepared"]


def test_with_server_binding_a_rollback_costs_nothing(session, threshold, monkeypatch, caplog):
    """There psycopg prepares the site's queries and drops every prepared statement at a
    rollback: the app leaves preparing to psycopg, and nothing is refused after a rollback."""
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)
    threshold(0)
    for size in (1, 2):
        read(session)
        part(session, size)
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")  # the block rolled back
    with CaptureQueriesContext(connection) as queries:
        for size in (4, 8):
            _settings_rows, session_rows = read(session)
            part(session, size)
    assert session_rows[0].pk == session.pk
    assert all(as_text(query) for query in sent(queries))
    assert prepared_here() == set()
    assert received(session) == 15
    assert not [r for r in caplog.records if r.name == "cml_exchange.models.statements.prepared"]
