"""Fresh planner statistics while an import fills the catalog's tables (PostgreSQL).

Each batch looks its rows up by a thousand ids at a time (``external_id =
ANY(…)`` within a catalog, children by their product). PostgreSQL plans those
from the statistics of the table's last ``ANALYZE``; a first import into empty
tables outgrows them at once, and autovacuum analyzes a table only about a
minute after it changed. Until then the planner, sure that the catalog holds a
few rows, reads every row of it and filters each against the thousand ids:
20–26 ms a lookup at 100,000 products against 4–5 ms by the unique index, a
cost that grows with the catalog. So after a batch, the app's tables that
hold twice the rows they held at their last ``ANALYZE`` (and
:data:`GROWTH_FLOOR` rows at least) are analyzed: three or four times as a
table grows tenfold, each a sample of at most 30,000 rows.

Within an import step (:func:`watching`) the look at the tables is made only once
the step's connection may have given one of them as many rows since its last look
as that table then lacked to go stale: an unchanged re-import, which adds none,
spares its round trips after every batch, and so does a first import of small
files (1C's split packages), each a batch or two far from any table's next
``ANALYZE``; a table near its next one is not looked at again for rows the
others are given.

SQLite plans these lookups by the index without statistics; nothing is done there.
"""

from __future__ import annotations

import logging
import math
import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

#: Rows a table must hold before it is analyzed for having grown: below that a lookup
#: costs a few milliseconds whatever the plan.
GROWTH_FLOOR = 10_000
#: The longest an ``ANALYZE`` waits for its table's lock before it is given up.
LOCK_WAIT = "200ms"


#: Connections in an import step, and for each the rows each of the app's tables may still
#: be given before the next look (:class:`_Lacking`).
_to_go: weakref.WeakKeyDictionary[Any, _Lacking] = weakref.WeakKeyDictionary()
#: Connections in an import step that have looked at the tables once.
_looked: weakref.WeakSet[Any] = weakref.WeakSet()
#: Statements that add no rows; anything else (``INSERT``, ``WITH``, ``COPY``…) may.
_ADDS_NO_ROWS = re.compile(
    r"\s*(SELECT|UPDATE|DELETE|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW|ANALYZE)\b",
    re.IGNORECASE,
)
#: Statements whose row count is the rows they added to the table they name (or more: an
#: upsert counts its updates too); any other that may add rows brings the next look.
_COUNTS_ADDED_ROWS = re.compile(r'\s*INSERT\s+INTO\s+(?:"(\w+)"|(\w+))[\s(]', re.IGNORECASE)


class _Lacking(dict[str, int]):
    """For each of the app's tables, the rows it may be given before it could go stale.

    ``due``: the next :func:`refresh` looks. Rows given to another table (not this
    app's, which :func:`refresh` never analyzes) are not counted.
    """

    due = True

    def add(self, table: str | None, count: int | None) -> None:
        """``count`` rows given to ``table`` (``None``: unknown, the next look is due)."""
        if self.due:
            return
        if table is None or count is None:
            self.due = True
            return
        if table in self:
            self[table] -= count
            if self[table] <= 0:
                self.due = True


@contextmanager
def watching(connection: Any) -> Iterator[None]:
    """Within: :func:`refresh` looks at the tables only once enough rows may have been added.

    The first refresh always looks (another process may have filled the tables).
    A look outside a transaction notes the rows each of the app's tables lacks
    to go stale; the next look waits until the connection's statements (and
    :func:`rows_added`) may have given one of them that many. A statement that
    may add rows without saying how many, or where (``WITH``, ``COPY`` through
    Django's cursor), brings the next look. Rows other connections add
    count at this connection's next look. Inside a transaction only the
    step's first look is made: the transaction's own rows are not counted until
    it commits, and the look after that sees them and other connections' alike.
    On PostgreSQL only; nested, the outer one holds.
    """
    connection = connections[connection.alias]
    if connection.vendor != "postgresql" or connection in _to_go:
        yield
        return
    _to_go[connection] = _Lacking()
    _looked.discard(connection)
    wrapper = _noting_added_rows(connection)
    connection.execute_wrappers.append(wrapper)
    try:
        yield
    finally:
        # By identity: a wrapper appended after this one may still be there.
        wrappers = connection.execute_wrappers
        wrappers[:] = [other for other in wrappers if other is not wrapper]
        _to_go.pop(connection, None)
        _looked.discard(connection)


def rows_added(connection: Any, count: int | None = None, table: str | None = None) -> None:
    """Tell :func:`watching` of ``count`` rows added to ``table`` past Django's cursor (``COPY``).

    ``None`` for either: unknown, which brings the next look.
    """
    lacking = _to_go.get(connections[connection.alias])
    if lacking is not None:
        lacking.add(table, count)


def _noting_added_rows(connection: Any) -> Callable[..., Any]:
    def noting(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        result = execute(sql, params, many, context)
        lacking = _to_go.get(connection)
        # Once due, the look stays due until it is made: no need to read the statement.
        if lacking is not None and not lacking.due and not _ADDS_NO_ROWS.match(sql):
            counted = _COUNTS_ADDED_ROWS.match(sql)
            added = context["cursor"].rowcount if counted else -1
            if counted and added >= 0:
                # An unquoted name is folded to lower case, as PostgreSQL folds it.
                lacking.add(counted[1] or counted[2].lower(), added)
            else:
                lacking.add(None, None)
        return result

    return noting


def refresh(connection: Any) -> list[str]:
    """``ANALYZE`` this app's tables that outgrew their statistics; the tables analyzed.

    On PostgreSQL only (elsewhere: nothing, ``[]``). Only the indexed columns are
    analyzed, which the lookups filter on (the row count comes with any
    ``ANALYZE``): a fifth of a whole table's cost where descriptions make rows wide.
    A table the database user may not analyze is skipped by PostgreSQL itself,
    with a warning in its log. Statistics only make an import faster: a database
    error here is logged and the import goes on (within a savepoint, when it comes
    inside a batch's transaction).
    """
    if connection.vendor != "postgresql":
        return []
    wrapper = connections[connection.alias]
    lacking = _to_go.get(wrapper)
    if lacking is not None and not lacking.due:
        return []  # too few rows added since the last look to make a table stale (:func:`watching`)
    if connection.in_atomic_block and wrapper in _looked:
        return []  # its own rows are not counted before its commit (:func:`watching`)
    indexed = _indexed_columns()
    try:
        if connection.pg_version >= 150000 and not connection.in_atomic_block:
            # The rows this connection committed count once its statistics reach the
            # server: when it is next idle outside a transaction, no more than once a
            # second unless asked.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_force_next_flush()")
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # The statistics functions on this app's tables alone: the pg_stat_user_tables
            # view computes every column for every table of the database before it filters.
            # Each table's live rows and the rows at which it goes stale.
            cursor.execute(
                "SELECT c.relname, pg_stat_get_live_tuples(c.oid), GREATEST(%s, 2 * c.reltuples)"
                " FROM pg_class c"
                " WHERE c.oid IN (SELECT to_regclass(name) FROM unnest(%s::text[]) AS name)",
                [GROWTH_FLOOR, sorted(indexed)],
            )
            tables = {name: (live, float(limit)) for name, live, limit in cursor.fetchall()}
            stale = sorted(name for name, (live, limit) in tables.items() if live >= limit)
            if stale:
                _analyze(connection, cursor, {table: indexed[table] for table in stale})
    except DatabaseError:
        logger.warning("Could not refresh the catalog tables' statistics", exc_info=True)
        return []
    if wrapper in _to_go:
        _looked.add(wrapper)
    if wrapper in _to_go and not connection.in_atomic_block:
        # Inside a transaction its own rows are not counted yet (a scan beside the reader
        # holds the file's first batches): the look after its commit must still be made.
        _to_go[wrapper] = _lacking(tables, stale)
    return stale


def _lacking(tables: dict[str, tuple[int, float]], analyzed: list[str]) -> _Lacking:
    """The rows each of ``tables`` (live rows, stale at) lacks to go stale; at least 1 each.

    A table just analyzed goes stale again at twice its live rows, or the floor.
    """
    lacking = _Lacking()
    for name, (live, limit) in tables.items():
        stale_at = max(GROWTH_FLOOR, 2 * live) if name in analyzed else math.ceil(limit)
        lacking[name] = max(1, stale_at - live)
    lacking.due = not lacking
    return lacking


def _analyze(connection: Any, cursor: Any, tables: dict[str, list[str]]) -> None:
    """``ANALYZE`` the columns of ``tables``, waiting for no lock longer than :data:`LOCK_WAIT`.

    Another session's ``VACUUM`` or ``ANALYZE`` of a table holds the lock this one
    needs; the import does not wait for it (the error rolls back to the caller's
    savepoint). ``lock_timeout`` is set back afterwards: the batch's transaction
    goes on.
    """
    cursor.execute("SELECT current_setting('lock_timeout')")
    previous = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_WAIT])
    quote = connection.ops.quote_name
    for table, columns in tables.items():
        cursor.execute(f"ANALYZE {quote(table)} ({', '.join(map(quote, columns))})")
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


@cache
def _indexed_columns() -> dict[str, list[str]]:
    """Each of this app's tables, with the columns of its indexes and unique constraints."""
    tables: dict[str, list[str]] = {}
    for model in apps.get_app_config("cml_exchange").get_models():
        opts = model._meta
        names = [
            field.name
            for field in opts.concrete_fields
            if getattr(field, "db_index", False) or field.unique
        ]
        for index in opts.indexes:
            names.extend(index.fields)
        for constraint in opts.constraints:
            names.extend(getattr(constraint, "fields", ()))
        columns = dict.fromkeys(
            str(getattr(opts.get_field(name.lstrip("-")), "column", name)) for name in names
        )
        tables[opts.db_table] = list(columns)
    return tables
