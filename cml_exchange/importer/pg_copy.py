"""Rows written to PostgreSQL with ``COPY``, for :mod:`~cml_exchange.importer.sql`.

:func:`write` copies rows into their table, or through a staging table when
they are upserted (:func:`upsert_few`: a few rows, in one statement);
:func:`copy_new` copies rows the caller found unstored straight into the
table, in a savepoint that falls back to the upsert.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import transaction

from cml_exchange.importer import sql, statistics

if TYPE_CHECKING:
    from cml_exchange.importer.sql import Row, _Columns


def write(connection: Any, columns: _Columns, rows: Sequence[Row], suffix: str) -> int:
    """``COPY`` the rows in: into the table itself, or into a staging table then upserted.

    ``COPY`` formats rows in psycopg's C code and the server takes them in one
    stream: about three times faster here than binding an array per column
    (``unnest``), whose values psycopg turns into array literals in Python. An
    upsert (``suffix``) copies into a temporary table of the same columns
    (``ON COMMIT DROP``, emptied after each use) and inserts from it; all of it
    in one transaction, so a pooler that hands out connections per transaction
    never splits the staging table from its insert. The cursor is a plain
    ``psycopg.Cursor`` on Django's connection, so within the caller's transaction.
    """
    table = columns.quote(columns.table)
    names = ", ".join(columns.names())
    written = 0
    with _driver_cursor(connection, columns.table, len(rows)) as cursor:
        target = table
        if suffix:
            target = columns.quote(f"cml_stage__{columns.table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
        for start in range(0, len(rows), sql.CHUNK):
            values = columns.parameters(rows[start : start + sql.CHUNK])
            copy_in(cursor, target, names, values)
            if suffix:
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT {names} FROM {target}{suffix}"  # noqa: S608
                )
                written += cursor.rowcount
                cursor.execute(f"TRUNCATE {target}")
            else:
                written += len(values)
    return written


def upsert_few(connection: Any, columns: _Columns, rows: Sequence[Row], suffix: str) -> int:
    """Upsert a few rows in one ``INSERT … VALUES (…), (…)`` + ``suffix``; the rows written.

    As :func:`write`, through a plain ``psycopg.Cursor`` within the caller's
    transaction (its errors are the driver's), the rows counted for
    :mod:`statistics`; without the staging table, whose creation alone writes
    the system catalogs.
    """
    names = columns.names()
    marks = f"({', '.join(['%s'] * len(names))})"
    values = columns.parameters(rows)
    with _driver_cursor(connection, columns.table, len(rows)) as cursor:
        cursor.execute(
            f"INSERT INTO {columns.quote(columns.table)} ({', '.join(names)}) "  # noqa: S608
            f"VALUES {', '.join([marks] * len(values))}{suffix}",
            [value for row in values for value in row],
        )
        return int(cursor.rowcount)


def copy_new(
    connection: Any, columns: _Columns, rows: Sequence[Row], *, savepoint: bool = True
) -> bool:
    """``COPY`` rows believed new straight into the table; ``False`` if one was stored after all.

    Rows the caller found unstored in its transaction can only meet a key that
    another transaction wrote since. The copy runs in a savepoint: a unique
    violation rolls it back, and the caller writes the rows as an upsert would
    (through the staging table, or :func:`upsert_few`, whose ``ON CONFLICT``
    settles them row by row).
    Without the staging table, its creation, second copy and emptying are
    spared, as is the speculative insertion ``ON CONFLICT`` costs on every row.

    The savepoint may be nested in the caller's (a batch's, inside the
    transaction held for a scan beside). Another transaction that waits for a
    row written in a savepoint since released waits for the whole transaction,
    not for that savepoint nor an enclosing one: so nothing is copied in a
    savepoint of its own under one that is rolled back to let such a waiter go
    on. The one caller that does (the slugs' retry after a deadlock) has the
    rows copied in its own savepoint (``savepoint=False``,
    ``sql.copying_new_in_callers_savepoint``; a violation is then raised), and
    its attempts after an error upserted (``ON CONFLICT``).
    """
    import psycopg

    table = columns.quote(columns.table)
    names = ", ".join(columns.names())
    try:
        with _driver_cursor(connection, columns.table, len(rows), savepoint=savepoint) as cursor:
            for start in range(0, len(rows), sql.CHUNK):
                copy_in(cursor, table, names, columns.parameters(rows[start : start + sql.CHUNK]))
    except psycopg.errors.UniqueViolation:
        if not savepoint:
            raise
        return False
    return True


@contextmanager
def _driver_cursor(
    connection: Any, table: str, rows: int, *, savepoint: bool = False
) -> Iterator[Any]:
    """A plain ``psycopg.Cursor`` on Django's connection, inside an atomic block of it.

    ``rows`` rows about to be given to ``table`` are counted for :mod:`statistics`
    first. ``savepoint``: the block is a savepoint of the caller's transaction, which
    an error rolls back (the error raised); otherwise it only opens a transaction
    where the caller had none.
    """
    import psycopg

    connection.ensure_connection()
    statistics.rows_added(connection, rows, table)
    with (
        transaction.atomic(using=connection.alias, savepoint=savepoint),
        psycopg.Cursor(connection.connection) as cursor,
    ):
        yield cursor


def copy_in(cursor: Any, table: str, names: str, values: Sequence[tuple[Any, ...]]) -> None:
    """``COPY`` ``values`` (tuples in the order of ``names``) into ``table``."""
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
