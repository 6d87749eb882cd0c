"""The importer's lookups by id lists, each shape's statement built once.

A batch looks rows up by its ids with a few dozen ``filter(…).values_list(…)``
queries, and a small file (1C's split packages, the samples' 33 files) with
as many: the ORM then spends 0.3 ms building each statement (on SQLite ten
times what running it takes), a tenth of such an import. :func:`values_list`
builds a shape's statement once per connection (the model, the columns, the
lookups' names and how their values are written) and then only renders each
lookup's parameters with the lookup's own code: where that gives other SQL
than the shape's (values of another kind), or the shape is not one it knows,
the query goes through the ORM as before. The rows are the ORM's: its
converters are applied, and the connection's execute wrappers (the late
writes, the statistics) see the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import (
    EmptyResultSet,
    FieldDoesNotExist,
    FullResultSet,
    ValidationError,
)
from django.db import connections, models, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.sql import UpdateQuery

#: A lookup: ``(field name, "any" or "exact")``.
_Lookup = tuple[str, str]


@dataclass(frozen=True)
class _Statement:
    """A shape's statement: its SQL, its lookups in the order of their parameters."""

    sql: str
    #: Each lookup with the SQL it renders to in the statement.
    lookups: tuple[tuple[_Lookup, str], ...]
    compiler: Any
    converters: Mapping[int, Any]


#: What building or rendering a statement may raise where the ORM would give no rows, or
#: would raise the same itself: the query then goes through the ORM.
_NOT_RENDERED = (EmptyResultSet, FullResultSet, ValueError, TypeError, ValidationError)
#: The connection's attribute that keeps each shape's statement (``None``: left to the ORM).
#: Kept on the connection itself: the statements' compilers refer to it.
_STATEMENTS = "_cml_importer_statements"
#: Values no 1C id is: the shape's statement is built with them, then found in it.
_SENTINEL_TEXT = "\x01cml-sentinel-{}"
_SENTINEL_INT = 1_000_003


def values_list(
    model: type[models.Model], columns: Sequence[str], *, using: str | None = None, **lookups: Any
) -> list[tuple[Any, ...]]:
    """``model.objects.filter(**lookups).values_list(*columns)`` as a list.

    ``lookups`` are ``field__any=values`` (a list, tuple or set) and
    ``field=value`` (text or integer) on the model's own concrete fields
    (``pk`` for its primary key); ``columns`` anything ``values_list`` takes;
    ``using`` the database (the router's for reading by default).
    """
    if _none_listed(lookups):
        return []  # nothing matches no values (nor does the ORM run a query)
    connection = connections[using or router.db_for_read(model)]
    manager: Any = model._default_manager.using(connection.alias)
    shape = _shape(model, columns, lookups)
    statement = None
    if shape is not None:
        statement = _kept(connection, shape, lambda: _build(model, columns, shape, connection))
    params = None if statement is None else _where_params(statement, connection, model, lookups)
    if statement is None or params is None:
        return list(manager.filter(**lookups).values_list(*columns))
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    if statement.converters:
        rows = statement.compiler.apply_converters(rows, statement.converters)
    return [tuple(row) for row in rows]


def values(
    model: type[models.Model], columns: Sequence[str], *, using: str | None = None, **lookups: Any
) -> list[dict[str, Any]]:
    """``model.objects.filter(**lookups).values(*columns)`` as a list (see :func:`values_list`)."""
    rows = values_list(model, columns, using=using, **lookups)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _kept(
    connection: Any, key: tuple[Any, ...], build: Callable[[], _Statement | None]
) -> _Statement | None:
    """The statement kept on ``connection`` for ``key``, built at its first use."""
    by_shape = connection.__dict__.setdefault(_STATEMENTS, {})
    if key not in by_shape:
        by_shape[key] = build()
    statement: _Statement | None = by_shape[key]
    return statement


def _where_params(
    statement: _Statement, connection: Any, model: type[models.Model], lookups: Mapping[str, Any]
) -> list[Any] | None:
    """The lookups' parameters in the statement's order; ``None`` if one renders other SQL."""
    params: list[Any] = []
    for (name, kind), fragment in statement.lookups:
        value = lookups[f"{name}__any"] if kind == "any" else lookups[name]
        rendered = _render(statement.compiler, connection, model, name, kind, value)
        if rendered is None or rendered[0] != fragment:
            return None
        params.extend(rendered[1])
    return params


def _none_listed(lookups: Mapping[str, Any]) -> bool:
    """Whether an ``__any`` lookup is given an empty list (tuple, set)."""
    return any(
        key.endswith("__any") and isinstance(value, (list, tuple, set, frozenset)) and not value
        for key, value in lookups.items()
    )


def _shape(
    model: type[models.Model], columns: Sequence[str], lookups: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """The shape of a query, or ``None`` for one :func:`values_list` leaves to the ORM."""
    shaped: list[tuple[str, str, str]] = []
    for key, value in lookups.items():
        name, _, lookup = key.partition("__")
        if lookup == "any":
            if not isinstance(value, (list, tuple, set, frozenset)):
                return None
            kinds = {type(each) for each in value}
        elif not lookup:
            kinds = {str if isinstance(value, str) else type(value)}  # a text choice too
        else:
            return None
        if len(kinds) > 1 or not kinds <= {str, int}:
            return None
        shaped.append((name, lookup or "exact", kinds.pop()))  # type: ignore[arg-type]
    return (model, tuple(columns), tuple(sorted(shaped, key=lambda item: item[:2])))


def _build(
    model: type[models.Model], columns: Sequence[str], shape: tuple[Any, ...], connection: Any
) -> _Statement | None:
    """The shape's statement, built by the ORM with sentinel values; ``None`` if not found in it."""
    lookups = _sentinels(shape)
    manager: Any = model._default_manager
    try:
        query = manager.using(connection.alias).filter(**lookups).values_list(*columns).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
    except _NOT_RENDERED:
        return None
    found = _found(compiler, connection, model, shape, lookups, sql, list(params))
    if found is None:
        return None
    fields = [expression for expression, _sql, _alias in compiler.select[: compiler.col_count]]
    return _Statement(
        sql=sql, lookups=found, compiler=compiler, converters=compiler.get_converters(fields)
    )


def _sentinels(shape: tuple[Any, ...]) -> dict[str, Any]:
    """The shape's lookups, each given a sentinel value of its kind."""
    lookups: dict[str, Any] = {}
    for index, (name, kind, value_type) in enumerate(shape[2]):
        sentinel: Any = _SENTINEL_TEXT.format(index) if value_type is str else _SENTINEL_INT + index
        if kind == "any":
            lookups[f"{name}__any"] = [sentinel]
        else:
            lookups[name] = sentinel
    return lookups


def _found(
    compiler: Any,
    connection: Any,
    model: type[models.Model],
    shape: tuple[Any, ...],
    lookups: Mapping[str, Any],
    sql: str,
    params: list[Any],
) -> tuple[tuple[_Lookup, str], ...] | None:
    """The lookups as found in ``sql``, in the order of their ``params``; ``None`` if not."""
    rendered: list[tuple[int, _Lookup, str, list[Any]]] = []
    for name, kind, _value_type in shape[2]:
        value = lookups[f"{name}__any" if kind == "any" else name]
        result = _render(compiler, connection, model, name, kind, value)
        if result is None:
            return None
        fragment, fragment_params = result
        position = sql.find(fragment)
        if position < 0 or sql.find(fragment, position + 1) >= 0:
            return None
        rendered.append((position, (name, kind), fragment, fragment_params))
    rendered.sort(key=lambda item: item[0])
    if params != [param for *_, fragment_params in rendered for param in fragment_params]:
        return None
    return tuple((lookup, fragment) for _p, lookup, fragment, _params in rendered)


def _render(
    compiler: Any, connection: Any, model: type[models.Model], name: str, kind: str, value: Any
) -> tuple[str, list[Any]] | None:
    """The lookup's own SQL and parameters for ``value``, as the query's compiler writes them."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    column = field.get_col(model._meta.db_table)  # type: ignore[union-attr]
    # The field's own lookup, as the ORM takes it (an integer's exact one knows its range).
    lookup_class = column.output_field.get_lookup(kind)
    if lookup_class is None:
        return None
    try:
        sql, params = compiler.compile(lookup_class(column, value))
    except _NOT_RENDERED:
        return None
    return sql, list(params)


def update(model: type[models.Model], values: Mapping[str, Any], **lookups: Any) -> int:
    """``model.objects.filter(**lookups).update(**values)``: the rows updated.

    ``values`` are plain values (no expressions, no model instances) of the
    model's own concrete fields (a foreign key's by its ``_id``); ``lookups`` as for
    :func:`values_list`. Each value is prepared as the ORM prepares it
    (``get_db_prep_save``); a ``None`` is part of the shape (``= NULL``).
    """
    if _none_listed(lookups):
        return 0
    manager: Any = model._default_manager
    connection = connections[router.db_for_write(model)]
    shape = _shape(model, (), lookups)
    fields = _plain_fields(model, values, connection)
    statement = None
    if shape is not None and fields is not None:
        key = ("update", shape, tuple((name, values[name] is None) for name in values))
        statement = _kept(connection, key, lambda: _build_update(model, values, shape, connection))
    where = None if statement is None else _where_params(statement, connection, model, lookups)
    if statement is None or fields is None or where is None:
        return int(manager.using(connection.alias).filter(**lookups).update(**values))
    params = [
        field.get_db_prep_save(value, connection=connection)
        for field, value in zip(fields, values.values(), strict=True)
        if value is not None
    ]
    params.extend(where)
    with (
        transaction.mark_for_rollback_on_error(using=connection.alias),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.sql, params)
        return int(cursor.rowcount)


def _plain_placeholder(field: models.Field[Any, Any], connection: Any) -> bool:
    """Whether the field's ``get_placeholder`` gives ``%s`` on this connection (bytes but MySQL)."""
    return (
        type(field).get_placeholder is models.BinaryField.get_placeholder  # type: ignore[attr-defined]
        and type(connection.ops).binary_placeholder_sql
        is BaseDatabaseOperations.binary_placeholder_sql
    )


def _plain_fields(
    model: type[models.Model], values: Mapping[str, Any], connection: Any
) -> list[models.Field[Any, Any]] | None:
    """The fields of ``values``, in their order, if each is a plain column set to a plain value.

    A foreign key counts by its column's name (``classifier_id``), given a pk.
    """
    meta = model._meta
    if meta.parents:
        return None
    fields: list[models.Field[Any, Any]] = []
    for name, value in values.items():
        try:
            found = meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not isinstance(found, models.Field):
            return None  # the other side of a relation
        field: models.Field[Any, Any] = found
        key = field.is_relation and field.many_to_one and name == field.attname  # ``x_id``
        if (
            (field.name != name and not key)
            or not field.concrete
            or (field.is_relation and not key)
            or (hasattr(field, "get_placeholder") and not _plain_placeholder(field, connection))
            or hasattr(value, "resolve_expression")
            or hasattr(value, "prepare_database_save")
        ):
            return None
        fields.append(field)
    return fields


def _build_update(
    model: type[models.Model], values: Mapping[str, Any], shape: tuple[Any, ...], connection: Any
) -> _Statement | None:
    """The update's statement, built by the ORM with these values and sentinel lookups."""
    lookups = _sentinels(shape)
    manager: Any = model._default_manager
    try:
        query = manager.using(connection.alias).filter(**lookups).query.chain(UpdateQuery)
        query.add_update_values(dict(values))
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
    except _NOT_RENDERED:
        return None
    if query.related_updates:
        return None
    query.values = []  # the compiler is kept: not the first call's values with it
    set_params = [value for value in values.values() if value is not None]
    found = _found(
        compiler, connection, model, shape, lookups, sql, list(params)[len(set_params) :]
    )
    if found is None:
        return None
    return _Statement(sql=sql, lookups=found, compiler=compiler, converters={})
