"""Rows found through a partial index: those waiting for something, by a key or a scope.

The importer keeps a few partial indexes of rows that wait (offers for their
product, property values for an option): an entry only while a row waits, so a
stored row costs none. Finding those rows must go through the index, which the
planners do not always choose:

- SQLite's planner, without statistics, takes a foreign key's index for an
  ``IS NULL`` of the condition (every offer without a product, every value
  without an option, walked row by row), and uses a partial index only when the
  query repeats its condition word for word, which Django's parameters never do:
  the statements here name the index (``INDEXED BY``), with the condition as the
  index was made with it.
- PostgreSQL, asked whether any row exists, may expect to meet one soon in
  another index or in the table and filter what it walks (every offer without a
  product, for a catalog that has none of them: 4.5 ms at 5,400 such offers);
  asked for the rows in the index's order, which only the index gives without a
  sort, it takes the index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db import connections, models, router
from django.db.models.sql.query import Query

from cml_exchange.importer.sql import quoted_column
from cml_exchange.models.lookups import json_array

__all__ = ["any_in_partial_index", "pks_in_partial_index"]


def pks_in_partial_index(
    model: type[models.Model], index: str, key: str, values: Sequence[Any], **scope: Any
) -> list[int]:
    """The pks of ``model``'s rows in its partial index ``index`` whose ``key`` is in ``values``.

    ``index`` is the name of one of the model's ``Meta.indexes`` with a condition;
    ``scope`` adds equalities. The rows are those of the index's condition, found
    through the index itself.
    """
    if not values:
        return []
    using = router.db_for_read(model)
    connection = connections[using]
    listed = json_array(values) if connection.vendor == "sqlite" else None
    if listed is None:  # not SQLite, or values json_each would not give back as they are
        manager: Any = model._default_manager
        return list(
            manager.using(using)
            .filter(_index(model, index).condition, **{f"{key}__any": list(values)}, **scope)
            .values_list("pk", flat=True)
        )
    quote = connection.ops.quote_name
    keyed = f"{quoted_column(model, key, quote)} IN (SELECT value FROM json_each(%s))"  # noqa: S608
    rows = _sqlite_rows(model, index, connection, scope, [keyed])
    statement = f"SELECT {quote(str(model._meta.pk.column))} {rows}"
    with connection.cursor() as cursor:
        cursor.execute(statement, [listed, *scope.values()])
        return [pk for (pk,) in cursor.fetchall()]


def any_in_partial_index(model: type[models.Model], index: str, **scope: Any) -> bool:
    """Whether ``model`` has a row in its partial index ``index`` with the equalities ``scope``.

    ``scope`` should give the index's leading columns, so that one look in it answers.
    """
    using = router.db_for_read(model)
    connection = connections[using]
    if connection.vendor != "sqlite":
        manager: Any = model._default_manager
        found = _index(model, index)
        rows = manager.using(using).filter(found.condition, **scope)
        ordered = rows.order_by(
            *(getattr(model._meta.get_field(name), "attname", name) for name in found.fields)
        )
        return bool(list(ordered.values_list("pk", flat=True)[:1]))
    statement = f"SELECT 1 {_sqlite_rows(model, index, connection, scope, [])} LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(statement, list(scope.values()))
        return cursor.fetchone() is not None


def _sqlite_rows(
    model: type[models.Model],
    index: str,
    connection: Any,
    scope: Mapping[str, Any],
    conditions: list[str],
) -> str:
    """``FROM … INDEXED BY index WHERE …``: the index's condition, ``conditions``, ``scope``.

    ``scope``'s values are the statement's last parameters, in its order.
    """
    quote = connection.ops.quote_name
    where = [
        _condition_sql(model, index, connection),
        *conditions,
        *(f"{quoted_column(model, name, quote)} = %s" for name in scope),
    ]
    return (
        f"FROM {quote(model._meta.db_table)} INDEXED BY {quote(index)} WHERE {' AND '.join(where)}"
    )


def _index(model: type[models.Model], name: str) -> models.Index:
    """``model``'s index ``name`` (one of its ``Meta.indexes``)."""
    return next(each for each in model._meta.indexes if each.name == name)


def _condition_sql(model: type[models.Model], index: str, connection: Any) -> str:
    """The SQL of the condition of ``model``'s index ``index``, as its ``CREATE INDEX`` has it."""
    key = (model, index, connection.alias)
    text = _CONDITIONS.get(key)
    if text is None:
        query = Query(model=model, alias_cols=False)
        where = query.build_where(cast(models.Q, _index(model, index).condition))
        sql, parameters = where.as_sql(query.get_compiler(connection=connection), connection)
        editor = connection.schema_editor()  # not entered: only its quoting of literals
        text = _CONDITIONS[key] = sql % tuple(editor.quote_value(value) for value in parameters)
    return text


#: The SQL of partial indexes' conditions (:func:`_condition_sql`), by model, index and alias.
_CONDITIONS: dict[tuple[type[models.Model], str, str], str] = {}
