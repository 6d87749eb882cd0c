"""A kept database connection, checked by the request's first read (PostgreSQL).

With ``CONN_MAX_AGE`` and ``CONN_HEALTH_CHECKS`` (the example shop's settings),
Django checks a connection kept from an earlier request with ``SELECT 1``
before the request's first query. An exchange request lets its first read
stand for that check: a part of an upload waits for the database twice, not
three times, and a connection the server dropped between two requests is
still replaced before 1C notices.

The test client keeps Django's connection handling out of its requests;
``close_old_connections()`` before each request does what a server's
``request_started`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import close_old_connections, connection

from cml_exchange.client.exchange import ExchangeClient
from cml_exchange.models import ExchangeFile, ExchangeSettings
from tests.integration.protocol.exchange import get, new_1c, post, stored

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
    pytest.mark.usefixtures("statements_as_text"),  # the traces are read as SQL
]


@pytest.fixture
def kept_connection() -> Iterator[None]:
    """The default connection kept between requests and health-checked, as the example shop's."""
    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def statements_sent(trace: Path) -> list[str]:
    """The SQL of each query the client sent, from a libpq trace (simple and extended protocol)."""
    return re.findall(r'^F\t\d+\t(?:Query|Parse)\t *(?:"[^"]*" )?"(.*)"', trace.read_text(), re.M)


@contextmanager
def traced(trace: Path) -> Iterator[None]:
    """libpq's trace of the default connection's messages to ``trace``, within."""
    pgconn = connection.connection.pgconn
    with trace.open("w") as out:
        pgconn.trace(out.fileno())
        pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield
        finally:
            pgconn.untrace()


def backend() -> int:
    return int(connection.connection.info.backend_pid)


def terminated(pid: int) -> None:
    """End the server process of connection ``pid``, as a restart or a dropped link would."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def exchange_begun() -> ExchangeClient:
    """1C after checkauth and init, each a request of its own on the kept connection."""
    one_c = new_1c()
    for step in (one_c.checkauth, one_c.init):
        close_old_connections()
        step()
    return one_c


def test_a_part_on_a_kept_connection_waits_for_the_database_twice(
    admin_user, upload_root, kept_connection, tmp_path
):
    one_c = exchange_begun()
    close_old_connections()
    assert post(one_c, "import.xml", b"<first/>") == b"success\n"
    kept = backend()
    close_old_connections()  # the next request begins: Django would check the connection
    with traced(tmp_path / "trace.txt"):
        assert post(one_c, "import.xml", b"<second/>") == b"success\n"
    sent = statements_sent(tmp_path / "trace.txt")
    assert backend() == kept
    assert "SELECT 1" not in sent
    assert len(sent) == 2  # the settings, session and file row; then the part's writes
    assert "cml_exchange_exchangefile" in sent[0] and sent[1].startswith("SET LOCAL")
    record = ExchangeFile.objects.get(name=stored(one_c, "import.xml"))
    assert (record.size, record.parts) == (17, 2)


def test_a_connection_the_server_dropped_is_replaced_before_the_request_reads(
    admin_user, upload_root, kept_connection
):
    one_c = exchange_begun()
    close_old_connections()
    assert post(one_c, "import.xml", b"<first/>") == b"success\n"
    dropped = backend()
    terminated(dropped)
    close_old_connections()
    assert post(one_c, "import.xml", b"<second/>") == b"success\n"
    assert backend() != dropped
    record = ExchangeFile.objects.get(name=stored(one_c, "import.xml"))
    assert (record.size, record.parts) == (17, 2)
    # and a request without a cookie (its first read is the settings alone) likewise
    dropped = backend()
    terminated(dropped)
    close_old_connections()
    assert new_1c().checkauth().cookie_value
    assert backend() != dropped


def test_a_read_that_fails_on_a_live_connection_is_not_made_again(
    admin_user, upload_root, kept_connection, tmp_path
):
    one_c = exchange_begun()
    table = ExchangeSettings._meta.db_table
    # A lock not granted within 100 ms is an error (any connection, a new one too).
    connection.close()
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved = dict(options)
    options["options"] = "-c lock_timeout=100ms"
    try:
        close_old_connections()
        get(one_c, "init")  # the kept connection, opened with that option
        kept = backend()
        reply, sent = _init_while_locked(one_c, table, tmp_path / "trace.txt")
        after = backend()
    finally:
        connection.close()
        options.clear()
        options.update(saved)
    # an error of the database, not of the connection: 1C is told, the connection kept
    assert reply.startswith(b"failure\n")
    assert after == kept
    assert len([q for q in sent if table in q]) == 1  # the read that waited in vain, once
    assert "SELECT 1" in sent  # the check of the connection after the error, as Django's


def _init_while_locked(one_c: ExchangeClient, table: str, trace: Path) -> tuple[bytes, list[str]]:
    """``init`` while another transaction holds the settings table locked; reply, statements."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')  # until its commit
        close_old_connections()
        with traced(trace):
            reply = get(one_c, "init")
    return reply, statements_sent(trace)
