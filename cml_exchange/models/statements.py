"""The statements of every 1C request, their SQL built once per database.

Each request of an exchange reads the settings row and its session (with
its user) and writes the session's counts and the request's log; a part of
an upload reads and writes its file's row too. Built through the ORM, each
of these statements costs 0.1–0.45 ms of Python, many times what the
database takes to run it: a 1 MiB part of an upload spent more on building
them than on writing its bytes.

Here a statement's SQL is made once per model, shape and database from the
models' metadata (so it follows the models), and run with new parameters on
the calling thread's connection (nothing built holds one). Values go in
through the fields' ``get_db_prep_value``/``get_db_prep_save``; rows come
back through the fields' and the backend's converters and ``Model.from_db``,
as the ORM's own iterator makes them. A failed write marks the atomic block
it runs in for rollback, as the ORM's writes do. As with
``QuerySet.update()``, no signals are sent and ``auto_now`` is not applied
by :func:`update`; :func:`insert` fills defaults and
``auto_now``/``auto_now_add`` fields as ``save()`` would, without signals.
A model these statements cannot serve (multi-table inheritance or a proxy,
database defaults, a composite key) goes through the ORM instead.
:func:`update` and :func:`insert` join an upload part's one-query batch when
one is being gathered (:mod:`~cml_exchange.models.unsynced`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from django.db import connections, models, router, transaction
from django.db.models import F
from django.db.models.fields.related import ForeignKey

from cml_exchange.models import unsynced

M = TypeVar("M", bound=models.Model)

Converter = Callable[..., Any]

#: Comparison lookups a condition may name (``last_seen__gte``); ``ne`` is the ORM's
#: ``exclude(field=value)`` on a column that cannot be NULL. ``isnull`` takes no parameter.
_OPERATORS = {"exact": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

#: What was built, by database alias and vendor. Each thread has a connection of its
#: own: nothing here may hold one (a converter of the backend is kept unbound).
_BUILT: dict[tuple[Any, ...], Any] = {}


def _built(connection: Any, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()``'s result for ``key`` on ``connection``'s database, built on first use."""
    key = (connection.alias, connection.vendor, *key)
    if key not in _BUILT:
        _BUILT[key] = build()
    return _BUILT[key]


def _served(model: type[models.Model]) -> bool:
    """Whether a model's row is one row of its own table, with a one-column key."""
    opts = model._meta
    return not opts.parents and getattr(opts.pk, "column", None) is not None


@dataclass(frozen=True)
class _Columns:
    """A model's concrete fields as selected under a table alias, and their converters."""

    model: type[models.Model]
    select: list[str]
    names: list[str]
    #: (column index, its converters, the column expression); a converter of the backend's
    #: operations is a plain function, bound to the calling connection's at each use.
    converters: list[tuple[int, list[tuple[Converter, bool]], Any]]
    #: Where the primary key is among the columns (empty in a row a LEFT JOIN did not find).
    key_index: int

    @classmethod
    def of(cls, model: type[models.Model], alias: str, connection: Any) -> _Columns:
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        select, converters = [], []
        for index, field in enumerate(fields):
            select.append(f"{quote(alias)}.{quote(_column(field))}")
            column = field.get_col(alias)
            found = [
                _unbound(convert, connection.ops)
                for convert in connection.ops.get_db_converters(column)
            ] + [(convert, False) for convert in column.get_db_converters(connection)]
            if found:
                converters.append((index, found, column))
        names = [field.attname for field in fields]
        return cls(model, select, names, converters, names.index(model._meta.pk.attname))

    def instance(self, values: list[Any], using: str, connection: Any) -> models.Model:
        operations = connection.ops
        for index, found, column in self.converters:
            value = values[index]
            for convert, of_backend in found:
                if of_backend:
                    value = convert(operations, value, column, connection)
                else:
                    value = convert(value, column, connection)
            values[index] = value
        return self.model.from_db(using, self.names, values)


@dataclass(frozen=True)
class _Select:
    sql: str
    prepare: list[Callable[[Any, Any], Any]]
    own: _Columns
    related: tuple[ForeignKey[Any, Any], _Columns] | None


def rows(
    model: type[M],
    where: Mapping[str, Any],
    *,
    related: str | None = None,
    order: Sequence[str] = (),
    limit: int | None = None,
    using: str | None = None,
) -> list[M]:
    """The rows of ``model`` matching every condition of ``where``, ``order``-ed, ``limit`` at most.

    ``where`` maps a field name (``pk`` for the primary key), optionally with a
    lookup (``last_seen__gte``, ``finished__isnull``, ``username__ne``; see
    :data:`_OPERATORS`), to a value that is not ``None``. ``related`` names a
    foreign key whose row comes in the same statement, as with
    ``select_related`` (``None`` where the key is empty). ``order`` names
    fields, ``-`` before one for descending, as ``order_by``; without it the
    order is the database's. A model of multi-table inheritance (a site's user
    model may be one) is read by the ORM.
    """
    alias = using or router.db_for_read(model)
    connection = connections[alias]
    # An isnull condition's value is in the statement, not among its parameters.
    shape = tuple(
        (name, value) if name.endswith("__isnull") else name for name, value in where.items()
    )
    select: _Select | None = _built(
        connection,
        ("select", model, shape, related, tuple(order), limit is not None),
        lambda: _build_select(model, shape, related, order, limit is not None, connection),
    )
    if select is None:
        return _rows_by_orm(model, where, related, order, limit, alias)
    values = [value for name, value in where.items() if not name.endswith("__isnull")]
    parameters = [
        prepare(value, connection) for prepare, value in zip(select.prepare, values, strict=True)
    ]
    if limit is not None:
        parameters.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(select.sql, parameters)
        fetched = cursor.fetchall()
    width = len(select.own.names)
    found = []
    for row in fetched:
        instance = select.own.instance(list(row[:width]), alias, connection)
        if select.related is not None:
            field, columns = select.related
            rest = list(row[width:])
            empty = rest[columns.key_index] is None
            target = None if empty else columns.instance(rest, alias, connection)
            field.set_cached_value(instance, target)
        found.append(cast(M, instance))
    return found


def _rows_by_orm(
    model: type[M],
    where: Mapping[str, Any],
    related: str | None,
    order: Sequence[str],
    limit: int | None,
    alias: str,
) -> list[M]:
    queryset = model._default_manager.using(alias).all()
    for name, value in where.items():
        if name.endswith("__ne"):
            queryset = queryset.exclude(**{name.removesuffix("__ne"): value})
        else:
            queryset = queryset.filter(**{name: value})
    if related:
        queryset = queryset.select_related(related)
    if order:
        queryset = queryset.order_by(*order)
    return list(queryset[:limit] if limit is not None else queryset)


def _build_select(
    model: type[models.Model],
    conditions: Sequence[str | tuple[str, Any]],
    related: str | None,
    order: Sequence[str],
    limited: bool,
    connection: Any,
) -> _Select | None:
    quote = connection.ops.quote_name
    opts = model._meta
    target = opts.get_field(related).related_model if related is not None else None
    if not _served(model) or (isinstance(target, type) and not _served(target)):
        return None
    own = _Columns.of(model, "t", connection)
    select = list(own.select)
    joins = ""
    joined = None
    if related is not None:
        field = cast("ForeignKey[Any, Any]", opts.get_field(related))
        target = field.related_model
        columns = _Columns.of(target, "r", connection)
        select.extend(columns.select)
        joins = (
            f" LEFT OUTER JOIN {quote(target._meta.db_table)} {quote('r')}"
            f" ON {quote('t')}.{quote(_column(field))}"
            f" = {quote('r')}.{quote(field.target_field.column)}"
        )
        joined = (field, columns)
    tests, prepare = [], []
    for condition in conditions:
        condition, null = condition if isinstance(condition, tuple) else (condition, None)
        name, _, lookup = condition.partition("__")
        tested = _field(model, name)
        column = f"{quote('t')}.{quote(_column(tested))}"
        if lookup == "isnull":
            if not isinstance(null, bool):
                raise ValueError(f"{condition}: True or False")
            tests.append(f"{column} IS {'' if null else 'NOT '}NULL")
            continue
        operator = _OPERATORS.get(lookup or "exact")
        if operator is None:
            raise ValueError(f"{condition}: only {', '.join(_OPERATORS)} and isnull are supported")
        if lookup == "ne" and tested.null:
            raise ValueError(f"{condition}: a column that may be NULL (use the ORM's exclude)")
        tests.append(f"{column} {operator} %s")
        prepare.append(_value_preparer(tested))
    ordering = [
        f"{quote('t')}.{quote(_column(_field(model, name.lstrip('-'))))}"
        f" {'DESC' if name.startswith('-') else 'ASC'}"
        for name in order
    ]
    sql = (
        f"SELECT {', '.join(select)} FROM {quote(opts.db_table)} {quote('t')}{joins}"  # noqa: S608
        f" WHERE {' AND '.join(tests) or '1 = 1'}"
        + (f" ORDER BY {', '.join(ordering)}" if ordering else "")
        + (" LIMIT %s" if limited else "")
    )
    return _Select(sql, prepare, own, joined)


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The column ``name`` names (``pk``: the primary key)."""
    opts = model._meta
    found = opts.pk if name == "pk" else opts.get_field(name)
    if not isinstance(found, models.Field) or not found.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return found


def _unbound(convert: Converter, operations: Any) -> tuple[Converter, bool]:
    """A converter, and whether it is a method of ``operations`` (then unbound)."""
    if getattr(convert, "__self__", None) is operations:
        return convert.__func__, True  # type: ignore[attr-defined]
    return convert, False


def _column(field: models.Field[Any, Any]) -> str:
    return cast(str, field.column)


def _value_preparer(field: models.Field[Any, Any]) -> Callable[[Any, Any], Any]:
    def prepare(value: Any, connection: Any) -> Any:
        if value is None:
            raise ValueError(f"{field.name}: a condition on None (IS NULL) is not supported")
        return field.get_db_prep_value(value, connection, prepared=False)

    return prepare


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
    if not _served(model):
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
            f"{quote(_column(field))} = {quote(_column(field))} + %s"
            if isinstance(value, Add)
            else f"{quote(_column(field))} = %s"
            for field, value in zip(fields, values.values(), strict=True)
        ]
        return (
            f"UPDATE {quote(opts.db_table)} SET {', '.join(assignments)}"  # noqa: S608
            f" WHERE {quote(_column(opts.pk))} = %s"
        )

    sql = _built(connection, ("update", model, shape), build)
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
        if not _served(model) or any(field.has_db_default() for field in opts.concrete_fields):
            return None
        quote = connection.ops.quote_name
        fields = [
            field
            for field in opts.concrete_fields
            if field is not opts.auto_field and not getattr(field, "generated", False)
        ]
        sql = (
            f"INSERT INTO {quote(opts.db_table)}"  # noqa: S608
            f" ({', '.join(quote(_column(field)) for field in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
        )
        return sql, fields, frozenset(field.attname for field in fields)

    built = _built(connection, ("insert", model), build)
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
