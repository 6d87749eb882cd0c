"""Rows written in bulk with plain SQL, without building model instances.

The importer writes tens of thousands of rows per file. ``bulk_create``
builds a model instance per row and compiles each value through the ORM,
which costs more than the database's own work; :func:`insert` and
:func:`upsert_rows` take plain dicts of field values and send them as
parameters of ``INSERT … ON CONFLICT`` (PostgreSQL and SQLite 3.24+, the
same statement ``bulk_create`` issues): one ``executemany`` on SQLite, a
multi-row ``VALUES`` per chunk elsewhere.

What the caller does not give is filled as a model instance would be: the
field's default, and the current time for ``auto_now``/``auto_now_add``
fields. Values go through the field's ``get_db_prep_save`` except for
plain text, number, boolean and foreign-key columns, which the drivers take
as they are. No signals are sent, as with ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from operator import itemgetter
from typing import Any, cast

from django.db import connections, models, router, transaction
from django.utils import timezone

from cml_exchange.importer import late_writes, queries
from cml_exchange.models.lookups import array_literal

#: Rows per ``executemany``: bounded so that a batch's parameters stay small.
CHUNK = 2000

#: Parameters of one statement (PostgreSQL's limit is 65535).
_MAX_PARAMETERS = 30_000

#: Field classes whose Python values the database drivers take unchanged.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)

Row = Mapping[str, Any]

#: Set by :func:`copying_new_in_callers_savepoint`: ``None`` outside it.
_COPY_IN_CALLERS_SAVEPOINT: ContextVar[bool | None] = ContextVar(
    "cml_copy_in_savepoint", default=None
)


@contextmanager
def copying_new_in_callers_savepoint(enabled: bool = True) -> Iterator[None]:
    """Within: rows said new are copied in the caller's open savepoint (PostgreSQL).

    Elsewhere such rows are copied in a savepoint of their own, and upserted if
    one was stored after all (``pg_copy.copy_new``). A caller that rolls its
    savepoint back on an error and writes the rows again says so with this
    block: with ``enabled``, a unique violation is then the caller's to handle;
    without (its attempt after such an error), the rows take the staging
    table's upsert, and no savepoint of theirs outlives the caller's rollback
    (see ``pg_copy.copy_new``).
    """
    token = _COPY_IN_CALLERS_SAVEPOINT.set(enabled)
    try:
        yield
    finally:
        _COPY_IN_CALLERS_SAVEPOINT.reset(token)


class _Columns:
    """How the rows of a model become statement parameters, for a given set of columns."""

    def __init__(
        self, model: type[models.Model], connection: Any, only: Sequence[str] | None = None
    ) -> None:
        opts = model._meta
        self.table = opts.db_table
        self.fields: list[models.Field[Any, Any]] = (
            [cast("models.Field[Any, Any]", opts.get_field(name)) for name in only]
            if only is not None
            else [
                field
                for field in opts.concrete_fields
                if not field.primary_key and not getattr(field, "generated", False)
            ]
        )
        self.quote = connection.ops.quote_name
        now = timezone.now()
        self.defaults: dict[str, Any] = {}
        self.prepare: dict[str, Callable[[Any], Any]] = {}
        for field in self.fields:
            auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            self.defaults[field.attname] = now if auto else field.get_default()
            if not isinstance(field, _PLAIN):
                self.prepare[field.attname] = _preparer(field, connection)
        self.attnames = [field.attname for field in self.fields]
        self._converted = [
            (index, self.prepare[name])
            for index, name in enumerate(self.attnames)
            if name in self.prepare
        ]

    def names(self) -> list[str]:
        return [self.quote(field.column) for field in self.fields]

    def parameters(self, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        """The rows' values, a tuple per row in column order."""
        attnames = self.attnames
        if len(attnames) > 1 and rows and all(name in rows[0] for name in attnames):
            # Rows that give every column (most do): their tuples in one C-level pass.
            try:
                tuples = list(map(itemgetter(*attnames), rows))
            except KeyError:  # a later row leaves a column to its default
                pass
            else:
                if not self._converted:
                    return tuples
                columns: list[Sequence[Any]] = list(zip(*tuples, strict=True))
                for index, convert in self._converted:
                    columns[index] = [
                        None if value is None else convert(value) for value in columns[index]
                    ]
                return list(zip(*columns, strict=True))
        return list(zip(*self.column_values(rows), strict=True))

    def column_values(self, rows: Sequence[Row]) -> list[list[Any]]:
        """The rows' values, a list per column (one comprehension each: no per-value lookups)."""
        columns = []
        for field in self.fields:
            name = field.attname
            default = self.defaults[name]
            values = [row.get(name, default) for row in rows]
            convert = self.prepare.get(name)
            if convert is not None:
                values = [None if value is None else convert(value) for value in values]
            columns.append(values)
        return columns


#: Distinct values a column's preparer remembers (a batch repeats its timestamps,
#: quantities and prices: most conversions are then one dict lookup).
_MEMO_SIZE = 4096


def _preparer(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """``field.get_db_prep_save`` for one column, remembering what it gave for recent values.

    Equal values of one type prepare to equal database values (an instant in
    any time zone, ``Decimal("1.0")`` and ``Decimal("1.00")``), so a value
    met again is not converted again.
    """
    memo: dict[tuple[type, Any], Any] = {}

    def prepare(value: Any) -> Any:
        try:
            key = (type(value), value)
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # unhashable (a list for a JSON field): convert every time
            return field.get_db_prep_save(value, connection)
        prepared = field.get_db_prep_save(value, connection)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = prepared
        return prepared

    return prepare


def quoted_column(model: type[models.Model], name: str, quote: Callable[[str], str]) -> str:
    """The column of ``model``'s field ``name``, quoted by ``quote``."""
    field = model._meta.get_field(name)
    return quote(str(getattr(field, "column", name)))


def insert(
    model: type[models.Model],
    rows: Sequence[Row],
    *,
    ignore_conflicts: bool = False,
    late: bool = False,
    new: bool = False,
) -> None:
    """Insert ``rows`` (dicts of attnames such as ``product_id``) into ``model``'s table.

    With ``ignore_conflicts``, rows that break a unique constraint are left
    out (``ON CONFLICT DO NOTHING``); ``new`` then says the caller found none
    of them stored, as for :func:`upsert_rows` (PostgreSQL copies them straight
    into the table, and leaves them out as above only should one be stored
    after all). ``late``: inside a batch of
    :mod:`~cml_exchange.importer.late_writes` (SQLite), the rows may be written
    when the batch ends, by then in another thread; an error they meet is
    raised there, not here.
    """
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    _write(model, rows, suffix=suffix, late=late, new=new and ignore_conflicts)


def upsert_rows(
    model: type[models.Model],
    rows: Sequence[Row],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    new: bool = False,
    late: bool = False,
) -> None:
    """Insert ``rows``, or update ``update_fields`` of the rows that match on ``unique_fields``.

    Fields of an existing row not in ``update_fields`` (``created``, say)
    keep their values. ``unique_fields`` must be a unique constraint of the
    model; several rows of one call must not share a key.

    ``new`` says the caller found none of the rows stored: they are inserted
    first without the update clause (``ON CONFLICT … DO NOTHING``), and only if
    some of them were stored after all is the upsert run for all of them, which
    ends the same. With foreign keys enforced, SQLite makes an upsert pay for
    its update clause on every row it inserts: twice a plain insert's time for
    products, whose table seven others reference. On PostgreSQL such rows are
    copied straight into the table (``pg_copy.copy_new``), except in the attempt
    :func:`copying_new_in_callers_savepoint` makes after an error. ``late`` as for
    :func:`insert`.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    conflict = ", ".join(quoted_column(model, name, quote) for name in unique_fields)
    updates = ", ".join(
        f"{column} = EXCLUDED.{column}"
        for column in (quoted_column(model, name, quote) for name in update_fields)
    )
    upsert = f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    if new:
        ignore = f" ON CONFLICT ({conflict}) DO NOTHING"
        inserted = _write(model, rows, suffix=ignore, new=True, late=late, fallback=upsert)
        if inserted == len(rows):
            return
    _write(model, rows, suffix=upsert, late=late)


def update_rows(model: type[models.Model], rows: Sequence[Row], fields: Sequence[str]) -> None:
    """Set ``fields`` of existing rows, found by primary key: each row a dict with ``pk``.

    SQLite: one ``executemany`` of ``UPDATE … WHERE pk = ?`` (cheaper than an
    upsert, which builds a whole row to find the conflict); PostgreSQL: one
    ``UPDATE … FROM unnest(…)`` per chunk.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = _Columns(model, connection, only=fields)
    quote = columns.quote
    table = quote(columns.table)
    pk = model._meta.pk
    names = columns.names()
    keys = [row["pk"] for row in rows]
    if connection.vendor == "postgresql":
        import psycopg

        typed = [pk, *columns.fields]
        casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in typed)
        statement = (
            f"UPDATE {table} SET {', '.join(f'{n} = v.{n}' for n in names)} "  # noqa: S608
            f"FROM unnest({casts}) AS v(cml_pk, {', '.join(names)}) "
            f"WHERE {table}.{quote(pk.column)} = v.cml_pk"
        )
        connection.ensure_connection()
        with (
            transaction.atomic(using=connection.alias, savepoint=False),
            psycopg.Cursor(connection.connection) as cursor,
        ):
            for start in range(0, len(rows), CHUNK):
                part = rows[start : start + CHUNK]
                arrays = [keys[start : start + CHUNK], *columns.column_values(part)]
                parameters = zip(typed, arrays, strict=True)
                cursor.execute(statement, [_array(*pair, connection) for pair in parameters])
        return
    statement = (
        f"UPDATE {table} SET {', '.join(f'{n} = %s' for n in names)} "  # noqa: S608
        f"WHERE {quote(pk.column)} = %s"
    )
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            values = columns.parameters(part)
            cursor.executemany(
                statement,
                [(*row, key) for row, key in zip(values, keys[start : start + CHUNK], strict=True)],
            )


def _array(field: models.Field[Any, Any], values: list[Any], connection: Any) -> Any:
    """A column's values for an ``unnest`` parameter: their array literal if joins write it."""
    literal = array_literal(field, connection, values)
    return literal[0] if literal is not None else values


def _write(
    model: type[models.Model],
    rows: Sequence[Row],
    *,
    suffix: str,
    new: bool = False,
    late: bool = False,
    fallback: str | None = None,
) -> int:
    """Send ``INSERT … VALUES (…)…`` + ``suffix`` for ``rows``, the fastest way per database.

    SQLite: ``executemany``, or queued in a batch of ``late_writes`` when
    ``late`` (then ``fallback``, if given, is the suffix of a second statement
    for the rows should the first leave some out, and all rows count as
    written); PostgreSQL: ``COPY`` (:mod:`~cml_exchange.importer.pg_copy`), but for
    an upsert of :data:`_FEW_ROWS` rows or fewer, one ``INSERT … VALUES``; others:
    statements of many ``VALUES`` rows each (as ``bulk_create``). Returns how
    many rows the statements inserted or updated (as the driver counts them: a
    row left alone by ``DO NOTHING`` is not counted). ``new``: the caller found
    none of the rows stored (see :func:`upsert_rows`).
    """
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    columns = _Columns(model, connection)
    names = columns.names()
    table_head = f"INSERT INTO {columns.quote(columns.table)} ({', '.join(names)})"
    if late and (queue := late_writes.queue_of(connection)) is not None:
        queue.append(
            late_writes.Write(
                columns.table, table_head, len(names), columns.parameters(rows), suffix, fallback
            )
        )
        return len(rows)
    head = table_head + " VALUES "
    marks = f"({', '.join(['%s'] * len(names))})"
    if connection.vendor == "postgresql":
        from cml_exchange.importer import pg_copy

        in_callers_savepoint = _COPY_IN_CALLERS_SAVEPOINT.get()
        if new and in_callers_savepoint:
            pg_copy.copy_new(connection, columns, rows, savepoint=False)
            return len(rows)
        if new and in_callers_savepoint is None and pg_copy.copy_new(connection, columns, rows):
            return len(rows)
        if suffix and len(rows) <= _FEW_ROWS:
            return pg_copy.upsert_few(connection, columns, rows, suffix)
        return pg_copy.write(connection, columns, rows, suffix)
    written = 0
    # One transaction (the caller's, if it has one): outside any, SQLite would commit,
    # and wait for the disk, after each row of an executemany.
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for start in range(0, len(rows), CHUNK):
                parameters = columns.parameters(rows[start : start + CHUNK])
                cursor.executemany(head + marks + suffix, parameters)
                written += cursor.rowcount
            return written
        per_statement = max(1, min(CHUNK, _MAX_PARAMETERS // len(names)))
        for start in range(0, len(rows), per_statement):
            parameters = columns.parameters(rows[start : start + per_statement])
            flat = [value for row in parameters for value in row]
            cursor.execute(head + ", ".join([marks] * len(parameters)) + suffix, flat)
            written += cursor.rowcount
    return written


#: Rows upserted on PostgreSQL by one ``INSERT … VALUES`` rather than through a staging
#: table, whose creation alone writes the system catalogs (5 ms for a new price type).
_FEW_ROWS = 64


def pks(model: type[models.Model], key: str, values: Iterable[Any], **scope: Any) -> dict[Any, int]:
    """``{key value: pk}`` of ``model``'s rows within ``scope`` whose ``key`` is in ``values``."""
    wanted = list(dict.fromkeys(values))
    found: dict[Any, int] = {}
    for start in range(0, len(wanted), CHUNK):
        lookups = {f"{key}__any": wanted[start : start + CHUNK], **scope}
        found.update(queries.values_list(model, [key, "pk"], **lookups))
    return found
