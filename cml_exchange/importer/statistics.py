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

SQLite plans these lookups by the index without statistics; nothing is done there.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps

#: Rows a table must hold before it is analyzed for having grown: below that a lookup
#: costs a few milliseconds whatever the plan.
GROWTH_FLOOR = 10_000


def refresh(connection: Any) -> list[str]:
    """``ANALYZE`` this app's tables that outgrew their statistics; the tables analyzed.

    On PostgreSQL only (elsewhere: nothing, ``[]``). Only the indexed columns are
    analyzed, which the lookups filter on (the row count comes with any
    ``ANALYZE``): a fifth of a whole table's cost where descriptions make rows wide.
    A table the database user may not analyze is skipped by PostgreSQL itself,
    with a warning in its log.
    """
    if connection.vendor != "postgresql":
        return []
    indexed = _indexed_columns()
    with connection.cursor() as cursor:
        if connection.pg_version >= 150000:
            # The rows this connection wrote count once its statistics reach the server:
            # at the next idle moment, but no more than once a second unless asked.
            cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT c.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            " WHERE s.relid = ANY(%s::text[]::regclass[])"
            " AND s.n_live_tup >= GREATEST(%s, 2 * c.reltuples)",
            ["{" + ",".join(sorted(indexed)) + "}", GROWTH_FLOOR],
        )
        stale = sorted(row[0] for row in cursor.fetchall())
        quote = connection.ops.quote_name
        for table in stale:
            columns = ", ".join(quote(column) for column in indexed[table])
            cursor.execute(f"ANALYZE {quote(table)} ({columns})")
    return stale


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
