"""Prepared statements whose text or types the server no longer takes as the text.

A migration may widen a column under a statement prepared before it (its parameter
keeps the old type), and a text of two statements cannot be prepared as one: each
time, what is written is what the text would write.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from cml_exchange.models.statements.prepared import execute_several
from tests.integration.prepared import as_text, prepared_here, sent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements"),
]


@pytest.fixture
def widened() -> Iterator[None]:
    """A table of the test's own, ``cml_test_widened``: row 1's ``n`` an ``integer``, 0."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE cml_test_widened (id integer PRIMARY KEY, n integer)")
        cursor.execute("INSERT INTO cml_test_widened VALUES (1, 0)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE cml_test_widened")


#: The write of those tests: row 1's ``n``.
UPDATE_N = ["UPDATE cml_test_widened SET n = %s WHERE id = %s"]


def stored_n() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM cml_test_widened")
        ((value,),) = cursor.fetchall()
        return int(value)


def test_a_value_beyond_a_prepared_parameters_old_type_is_written(threshold, widened, caplog):
    """A migration widened a column: a statement prepared before still types it the old way."""
    threshold(1)

    def write(value: int) -> None:
        with connection.cursor() as cursor:
            execute_several(connection, cursor, UPDATE_N, [value, 1])

    write(1)
    write(2)  # prepared: n is an integer parameter
    assert prepared_here()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cml_test_widened ALTER n TYPE bigint")
    write(2**40)  # beyond integer: refused as prepared, written as text
    with CaptureQueriesContext(connection) as queries:
        write(2**41)
    assert stored_n() == 2**41
    assert all(as_text(query) for query in sent(queries))
    (warning,) = [r for r in caplog.records if r.name == "cml_exchange.models.statements.prepared"]
    assert "SQLSTATE 22003" in warning.getMessage()
    assert "migration" in warning.getMessage()


def test_a_value_the_text_refuses_too_is_the_texts_error(threshold, widened, caplog):
    """A value no column could hold fails as the text fails, and preparing goes on."""
    threshold(1)
    for value in (1, 2):  # the second prepared
        with connection.cursor() as cursor:
            execute_several(connection, cursor, UPDATE_N, [value, 1])
    with pytest.raises(DataError), connection.cursor() as cursor:
        execute_several(connection, cursor, UPDATE_N, [2**40, 1])
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        execute_several(connection, cursor, UPDATE_N, [3, 1])
    assert "EXECUTE cml_" in sent(queries)[0]
    assert not [r for r in caplog.records if r.name == "cml_exchange.models.statements.prepared"]


def test_a_text_of_two_statements_is_never_prepared(threshold, widened):
    """``PREPARE`` would take the first and run the second once, then never again."""
    threshold(0)
    for _ in range(4):
        with connection.cursor() as cursor:
            execute_several(
                connection, cursor, ["SELECT 1; UPDATE cml_test_widened SET n = n + 1"], []
            )
    assert stored_n() == 4
    assert prepared_here() == set()
