"""The writes of every 1C request: :func:`update` and :func:`insert`.

Both join an upload part's one-query batch when one is being gathered
(:mod:`~cml_exchange.models.unsynced`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from django.db import connections, models, router, transaction
from django.db.models import F

from cml_exchange.models import unsynced
from cml_exchange.models.statements._shared import built_once, column_name, served


@dataclass(frozen=True)
class Add:
    """For :func:`update`: add ``amount`` to the column's value in the database."""

    amount: int


def update(model: type[models.Model], pk: Any, *, using: str | None = None, **values: Any) -> int:
    """Set ``values`` (field names; :class:`Add` for increments) on the row ``pk``; rows changed.

    In an :func:`~cml_exchange.models.unsynced.unsynced_batch` the statement waits for the
    batch's end, and -1 is returned.
    """
    if not values:
        raise ValueError("update() needs values to set")
    alias = using or router.db_for_write(model)
    if not served(model):
        if unsynced.gathering():
            raise TypeError(f"{model.__name__} is written by the ORM: it cannot join a batch")
        changes = {
            name: F(name) + value.amount if isinstance(value, Add) else value
            for name, value in values.items()
        }
        return model._default_manager.using(alias).filter(pk=pk).update(**changes)
    connection = connections[alias]
    opts = model._meta
    fields = [cast("models.Field[Any, Any]", opts.get_field(name)) for name in values]
    shape = tuple((name, isinstance(value, Add)) for name, value in values.items())

    def build() -> str:
        quote = connection.ops.quote_name
        assignments = [
            f"{quote(column_name(field))} = {quote(column_name(field))} + %s"
            if isinstance(value, Add)
            else f"{quote(column_name(field))} = %s"
            for field, value in zip(fields, values.values(), strict=True)
        ]
        return (
            f"UPDATE {quote(opts.db_table)} SET {', '.join(assignments)}"  # noqa: S608
            f" WHERE {quote(column_name(opts.pk))} = %s"
        )

    sql = built_once(connection, ("update", model, shape), build)
    parameters = [
        value.amount if isinstance(value, Add) else field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    parameters.append(opts.pk.get_db_prep_value(pk, connection, prepared=False))
    if unsynced.gathered(alias, sql, parameters):
        return -1
    with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return int(cursor.rowcount)


def insert(model: type[models.Model], *, using: str | None = None, **values: Any) -> None:
    """Insert one row of ``values`` (attnames); other fields get what ``save()`` would give.

    In an :func:`~cml_exchange.models.unsynced.unsynced_batch` the statement waits for the
    batch's end.
    """
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta

    def build() -> tuple[str, list[models.Field[Any, Any]], frozenset[str]] | None:
        if not served(model) or any(field.has_db_default() for field in opts.concrete_fields):
            return None
        quote = connection.ops.quote_name
        fields = [
            field
            for field in opts.concrete_fields
            if field is not opts.auto_field and not getattr(field, "generated", False)
        ]
        sql = (
            f"INSERT INTO {quote(opts.db_table)}"  # noqa: S608
            f" ({', '.join(quote(column_name(field)) for field in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
        )
        return sql, fields, frozenset(field.attname for field in fields)

    built = built_once(connection, ("insert", model), build)
    if built is None:
        if unsynced.gathering():
            raise TypeError(f"{model.__name__} is written by the ORM: it cannot join a batch")
        model._default_manager.using(alias).create(**values)
        return
    sql, fields, columns = built
    unknown = values.keys() - columns
    if unknown:
        raise TypeError(f"{model.__name__} has no columns {sorted(unknown)}")
    row = SimpleNamespace(
        **{
            field.attname: values[field.attname] if field.attname in values else field.get_default()
            for field in fields
        }
    )
    parameters = [
        field.get_db_prep_save(
            # as save() does: the time now in auto_now/auto_now_add fields, over any value given
            field.pre_save(row, add=True)
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            else getattr(row, field.attname),
            connection,
        )
        for field in fields
    ]
    if unsynced.gathered(alias, sql, parameters):
        return
    with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
        cursor.execute(sql, parameters)
