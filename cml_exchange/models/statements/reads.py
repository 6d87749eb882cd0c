"""The reads of every 1C request: :func:`rows`, and several of them at once by :func:`together`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar, cast

from django.db import connections, models, router
from django.db.models.fields.related import ForeignKey

from cml_exchange.models.statements._shared import built_once, column_name, served
from cml_exchange.models.statements.prepared import execute_several

M = TypeVar("M", bound=models.Model)

Converter = Callable[..., Any]

#: Comparison lookups a condition may name (``last_seen__gte``); ``ne`` is the ORM's
#: ``exclude(field=value)`` on a column that cannot be NULL. ``isnull`` takes no parameter.
_OPERATORS = {"exact": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

#: Databases whose SQL joins a :class:`Beside` row in the same statement.
_CONCATENATING = ("sqlite", "postgresql")


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
            select.append(f"{quote(alias)}.{quote(column_name(field))}")
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
class Beside:
    """For :func:`rows`: with each row found, the row of another model that names it.

    That is the row of ``model`` whose columns equal ``where`` and whose
    ``named`` column holds ``prefix``, the found row's primary key and
    ``suffix`` (an upload's row, whose name is its exchange's folder,
    ``exchange-<session pk>/``, and the file's name). It comes in the same
    statement, in the found row's attribute ``attribute`` as a
    :class:`BesideRow`, as ``Prefetch(to_attr=…)`` puts rows. On a database
    other than SQLite and PostgreSQL, and for a model these statements
    cannot serve, it is read by a statement of its own for each row found.
    """

    model: type[models.Model]
    where: Mapping[str, Any]
    named: str
    prefix: str
    suffix: str
    attribute: str


class BesideRow(NamedTuple):
    """What :class:`Beside` found for a row: every condition it looked by, and the row."""

    #: The :attr:`Beside.where` conditions and the name (``{"kind": …, "name": …}``).
    looked_for: dict[str, Any]
    #: The row, or ``None`` where there is none.
    row: models.Model | None


@dataclass(frozen=True)
class _Select:
    sql: str
    prepare: list[Callable[[Any, Any], Any]]
    own: _Columns
    related: tuple[ForeignKey[Any, Any], _Columns] | None
    #: The columns of a :class:`Beside` row, after the related row's, and how its
    #: conditions' values are prepared (they come before the WHERE clause's).
    beside: tuple[_Columns, list[Callable[[Any, Any], Any]]] | None = None


@dataclass(frozen=True)
class Read:
    """One read of :func:`rows`, for :func:`together`; the same arguments."""

    model: type[models.Model]
    where: Mapping[str, Any]
    related: str | None = None
    order: Sequence[str] = ()
    limit: int | None = None
    using: str | None = None
    beside: Beside | None = None

    def rows(self) -> list[Any]:
        """Its rows, read now, by a statement of its own."""
        return rows(
            self.model,
            self.where,
            related=self.related,
            order=self.order,
            limit=self.limit,
            using=self.using,
            beside=self.beside,
        )


def rows(
    model: type[M],
    where: Mapping[str, Any],
    *,
    related: str | None = None,
    order: Sequence[str] = (),
    limit: int | None = None,
    using: str | None = None,
    beside: Beside | None = None,
) -> list[M]:
    """The rows of ``model`` matching every condition of ``where``, ``order``-ed, ``limit`` at most.

    ``where`` maps a field name (``pk`` for the primary key), optionally with a
    lookup (``last_seen__gte``, ``finished__isnull``, ``username__ne``; see
    :data:`_OPERATORS`), to a value that is not ``None``. ``related`` names a
    foreign key whose row comes in the same statement, as with
    ``select_related`` (``None`` where the key is empty). ``order`` names
    fields, ``-`` before one for descending, as ``order_by``; without it the
    order is the database's. ``beside``: another model's row that names each
    row found (:class:`Beside`). A model of multi-table inheritance (a site's
    user model may be one) is read by the ORM.
    """
    read = Read(model, where, related, order, limit, using, beside)
    prepared = _prepare(read)
    if prepared is None:
        return _rows_by_orm(read)
    connection, select, parameters = prepared
    with connection.cursor() as cursor:
        execute_several(connection, cursor, [select.sql], parameters)
        fetched = cursor.fetchall()
    return _instances(read, connection, select, fetched)


def together(*reads: Read) -> list[list[Any]]:
    """Each read's rows, as :func:`rows` gives them; on PostgreSQL in one round trip.

    There the reads' statements go as one query, as
    :func:`~cml_exchange.models.unsynced.unsynced_batch` sends its writes
    (:func:`~cml_exchange.models.statements.prepared.execute_several`), and
    their results come back together: a request's settings and its session
    cost one wait for the server instead of two. Elsewhere, for reads of
    different databases, and for one the ORM makes, each is read in turn.
    """
    aliases = {_alias(read) for read in reads}
    if len(reads) < 2 or len(aliases) != 1:
        return [read.rows() for read in reads]
    connection = connections[aliases.pop()]
    if connection.vendor != "postgresql":
        return [read.rows() for read in reads]
    prepared = [_prepare(read) for read in reads]
    if any(found is None for found in prepared):
        return [read.rows() for read in reads]
    ready = cast("list[tuple[Any, _Select, list[Any]]]", prepared)
    results = []
    with connection.cursor() as cursor:
        execute_several(
            connection,
            cursor,
            [select.sql for _, select, _ in ready],
            [value for _, _, parameters in ready for value in parameters],
        )
        for index, (_, select, _parameters) in enumerate(ready):
            if index:
                cursor.nextset()
            results.append(_instances(reads[index], connection, select, cursor.fetchall()))
    return results


def _alias(read: Read) -> str:
    return read.using or router.db_for_read(read.model)


def _prepare(read: Read) -> tuple[Any, _Select, list[Any]] | None:
    """The connection, the built statement and its parameters; ``None``: the ORM reads it."""
    alias = _alias(read)
    connection = connections[alias]
    where, beside = read.where, read.beside
    # An isnull condition's value is in the statement, not among its parameters.
    shape = tuple(
        (name, value) if name.endswith("__isnull") else name for name, value in where.items()
    )
    beside_shape = (
        None
        if beside is None
        else (beside.model, tuple(beside.where), beside.named, beside.attribute)
    )
    select: _Select | None = built_once(
        connection,
        (
            "select",
            read.model,
            shape,
            read.related,
            tuple(read.order),
            read.limit is not None,
            beside_shape,
        ),
        lambda: _build_select(
            read.model,
            shape,
            read.related,
            read.order,
            read.limit is not None,
            connection,
            beside,
        ),
    )
    if select is None:
        return None
    parameters: list[Any] = []
    if beside is not None and select.beside is not None:
        _, preparers = select.beside
        parameters.extend(
            prepare(value, connection)
            for prepare, value in zip(preparers, beside.where.values(), strict=True)
        )
        parameters.extend([beside.prefix, beside.suffix])
    values = [value for name, value in where.items() if not name.endswith("__isnull")]
    parameters.extend(
        prepare(value, connection) for prepare, value in zip(select.prepare, values, strict=True)
    )
    if read.limit is not None:
        parameters.append(read.limit)
    return connection, select, parameters


def _instances(read: Read, connection: Any, select: _Select, fetched: list[Any]) -> list[Any]:
    """The model instances of ``fetched``, with their related and beside rows."""
    alias = connection.alias
    width = len(select.own.names)
    found = []
    for row in fetched:
        instance = select.own.instance(list(row[:width]), alias, connection)
        rest = list(row[width:])
        if select.related is not None:
            field, columns = select.related
            related_width = len(columns.names)
            values, rest = rest[:related_width], rest[related_width:]
            empty = values[columns.key_index] is None
            target = None if empty else columns.instance(values, alias, connection)
            field.set_cached_value(instance, target)
        found.append(instance)
    beside = read.beside
    if beside is not None:
        if select.beside is None:
            _read_beside_apart(beside, found, alias)
        else:
            columns, _ = select.beside
            for instance, row in zip(found, fetched, strict=True):
                values = list(row[len(row) - len(columns.names) :])
                empty = values[columns.key_index] is None
                target = None if empty else columns.instance(values, alias, connection)
                setattr(
                    instance, beside.attribute, BesideRow(_looked_for(beside, instance), target)
                )
    return found


def _looked_for(beside: Beside, instance: models.Model) -> dict[str, Any]:
    return {**beside.where, beside.named: f"{beside.prefix}{instance.pk}{beside.suffix}"}


def _read_beside_apart(beside: Beside, found: Sequence[models.Model], alias: str) -> None:
    for instance in found:
        looked_for = _looked_for(beside, instance)
        matching = rows(beside.model, looked_for, using=alias, limit=1)
        setattr(
            instance, beside.attribute, BesideRow(looked_for, matching[0] if matching else None)
        )


def _rows_by_orm(read: Read) -> list[Any]:
    alias = _alias(read)
    queryset = read.model._default_manager.using(alias).all()
    for name, value in read.where.items():
        if name.endswith("__ne"):
            queryset = queryset.exclude(**{name.removesuffix("__ne"): value})
        else:
            queryset = queryset.filter(**{name: value})
    if read.related:
        queryset = queryset.select_related(read.related)
    if read.order:
        queryset = queryset.order_by(*read.order)
    found = list(queryset[: read.limit] if read.limit is not None else queryset)
    if read.beside is not None:
        _read_beside_apart(read.beside, found, alias)
    return found


def _build_select(
    model: type[models.Model],
    conditions: Sequence[str | tuple[str, Any]],
    related: str | None,
    order: Sequence[str],
    limited: bool,
    connection: Any,
    beside: Beside | None = None,
) -> _Select | None:
    quote = connection.ops.quote_name
    opts = model._meta
    target = opts.get_field(related).related_model if related is not None else None
    if not served(model) or (isinstance(target, type) and not served(target)):
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
            f" ON {quote('t')}.{quote(column_name(field))}"
            f" = {quote('r')}.{quote(field.target_field.column)}"
        )
        joined = (field, columns)
    placed = None
    if beside is not None and connection.vendor in _CONCATENATING and served(beside.model):
        # ||, and a key cast to text, read alike on both; MySQL's || is OR.
        columns = _Columns.of(beside.model, "b", connection)
        select.extend(columns.select)
        ons, preparers = [], []
        for name in beside.where:
            tested = _field(beside.model, name)
            ons.append(f"{quote('b')}.{quote(column_name(tested))} = %s")
            preparers.append(_value_preparer(tested))
        named = f"{quote('b')}.{quote(column_name(_field(beside.model, beside.named)))}"
        key = f"{quote('t')}.{quote(column_name(opts.pk))}"
        ons.append(f"{named} = %s || CAST({key} AS TEXT) || %s")
        joins += (
            f" LEFT OUTER JOIN {quote(beside.model._meta.db_table)} {quote('b')}"
            f" ON {' AND '.join(ons)}"
        )
        placed = (columns, preparers)
    tests, prepare = [], []
    for condition in conditions:
        condition, null = condition if isinstance(condition, tuple) else (condition, None)
        name, _, lookup = condition.partition("__")
        tested = _field(model, name)
        column = f"{quote('t')}.{quote(column_name(tested))}"
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
        f"{quote('t')}.{quote(column_name(_field(model, name.lstrip('-'))))}"
        f" {'DESC' if name.startswith('-') else 'ASC'}"
        for name in order
    ]
    sql = (
        f"SELECT {', '.join(select)} FROM {quote(opts.db_table)} {quote('t')}{joins}"  # noqa: S608
        f" WHERE {' AND '.join(tests) or '1 = 1'}"
        + (f" ORDER BY {', '.join(ordering)}" if ordering else "")
        + (" LIMIT %s" if limited else "")
    )
    return _Select(sql, prepare, own, joined, placed)


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


def _value_preparer(field: models.Field[Any, Any]) -> Callable[[Any, Any], Any]:
    def prepare(value: Any, connection: Any) -> Any:
        if value is None:
            raise ValueError(f"{field.name}: a condition on None (IS NULL) is not supported")
        return field.get_db_prep_value(value, connection, prepared=False)

    return prepare
