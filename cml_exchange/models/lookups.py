"""``field__any=[…]``: the ``in`` lookup, as one array parameter.

The importer looks rows up by a batch's thousand ids or more at a time. As
``IN (%s, %s, …)``, psycopg splits and quotes a statement of thousands of
placeholders in Python on every query (8% of a 10k import on PostgreSQL),
and a statement never the same twice is never cached; ``= ANY(%s)`` is one
short statement with one array.

On SQLite it is ``IN (SELECT value FROM json_each(%s))`` with the values as
one JSON array. A placeholder per value runs into the build's limit on a
statement's parameters (999 before SQLite 3.32, 32,766 since: a batch of a
thousand products with 33 property values each), and each number of values
is a statement of its own, which Python's ``sqlite3`` keeps prepared, the
last 128 of them (52 MiB of a 100k import's peak with 30 values a product).
Values it cannot pass as they are (other types, a text with NUL) keep ``in``.

The array goes as its text literal where joins alone can write it: values of
a text column's or an integer column's own type, and no double quote or
backslash in the texts (``= ANY(%s::text[])``, ``::bigint[]``). Given the list,
psycopg writes that literal in Python, element by element: 1.65 ms for 1,000
ids against 0.06 ms, 3–4% of a first import on PostgreSQL.

Registered on the fields of this app's own models only (:func:`register`,
from the app's ``ready()``), so no other app's fields gain a lookup.

On both databases a list of plain ``str`` and ``int`` values on a field that
passes prepared values through unchanged (text, integers, keys to them) skips
Django's per-value preparation, which returns each of them as it is (a tenth
of an unchanged re-import's time on SQLite went there); so does the lookup's
own preparation when the query is built, for texts on a text field and
integers on an integer field (1% of a first import: 115,000 calls).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.fields import AutoFieldMixin, CharField, Field, IntegerField, TextField
from django.db.models.lookups import In

#: Values whose prepared database value is themselves on a field of :func:`_passes_through`.
_PLAIN_TYPES = frozenset((str, int))


class AnyOf(In):
    """``in`` with the values as one array: ``= ANY(%s)`` on PostgreSQL, JSON on SQLite.

    The same rows as ``in`` (``None`` left out; no values at all matches
    nothing); a subquery is left to ``in``.
    """

    lookup_name = "any"

    def get_prep_lookup(self) -> Any:
        values = self.rhs
        if (
            self.prepare_rhs
            and isinstance(values, (list, tuple, set, frozenset))
            and _prepares_to_itself(self.lhs.output_field, values)
        ):
            return list(values)
        return super().get_prep_lookup()

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        # A subquery, or values with an expression among them (Django wraps those), is in's.
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _placeholders, values = self.process_rhs(compiler, connection)
        literal = array_literal(self.lhs.output_field, connection, values)
        if literal is not None:
            text, cast = literal
            return f"{lhs} = ANY(%s::{cast})", (*lhs_params, text)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(values))

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        # The values as one JSON array, read back by json_each: the statement's text
        # is the same whatever their number.
        if not self.rhs_is_direct_value() or not connection.features.supports_json_field:
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        placeholders, values = self.process_rhs(compiler, connection)
        # Each value its own plain placeholder: "(%s, %s, …)" is 4 characters a value.
        text = json_array(values) if len(placeholders) == 4 * len(values) else None
        if text is None:
            return super().as_sql(compiler, connection)
        statement = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a column)
        return statement, (*lhs_params, text)

    def batch_process_rhs(self, compiler: Any, connection: Any, rhs: Any = None) -> Any:
        values = self.rhs if rhs is None else rhs
        if (
            not self.bilateral_transforms
            and _passes_through(self.lhs.output_field, connection)
            and set(map(type, values)) <= _PLAIN_TYPES
        ):
            values = tuple(values)
            return ["%s"] * len(values), values
        return super().batch_process_rhs(compiler, connection, rhs)


#: Column types (``db_type`` on PostgreSQL, up to ``(``) whose values an array of
#: ``text`` or of ``bigint`` compares as they are, with the column's index.
_TEXT_COLUMNS = frozenset(("varchar", "text", "char"))
_INTEGER_COLUMNS = frozenset(("integer", "bigint", "smallint"))


def array_literal(field: Any, connection: Any, values: Any) -> tuple[str, str] | None:
    """The PostgreSQL array literal of ``values`` and its cast, if joins alone write it.

    Texts (every element quoted, so ``NULL``, commas, braces and blanks are
    themselves) without a double quote or backslash (which need escaping) on a text
    column; integers on an integer column (a key's is its target's). ``None`` for
    anything else.
    """
    column = (field.db_type(connection) or "").split("(")[0]
    kinds = set(map(type, values))
    if kinds == {str} and column in _TEXT_COLUMNS:
        joined = "".join(values)
        if '"' in joined or "\\" in joined:
            return None
        return '{"' + '","'.join(values) + '"}', "text[]"
    if kinds == {int} and column in _INTEGER_COLUMNS:
        return "{" + ",".join(map(str, values)) + "}", "bigint[]"
    return None


def json_array(values: Any) -> str | None:
    """SQLite's JSON text of ``values`` if json_each gives each back as it was bound.

    Texts (without NUL, which SQLite's text ends at) and integers that fit in
    64 bits; ``None`` for anything else.
    """
    kinds = set(map(type, values))
    if not kinds <= _PLAIN_TYPES:
        return None
    if int in kinds and not all(
        _INT64_MIN <= value <= _INT64_MAX for value in values if type(value) is int
    ):
        return None
    if str in kinds and "\x00" in "".join(value for value in values if type(value) is str):
        return None
    return json.dumps(list(values), ensure_ascii=False)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


#: ``get_prep_value`` and ``to_python`` of the fields that give back a value of their own
#: type as it is (a subclass that changes either, a lower-casing text field, is left out).
_TEXT_PREPARED = frozenset(
    (CharField.get_prep_value, TextField.get_prep_value, CharField.to_python, TextField.to_python)
)
_INTEGER_PREPARED = frozenset((IntegerField.get_prep_value, IntegerField.to_python))


def _prepares_to_itself(field: Any, values: Any) -> bool:
    """Whether ``field.get_prep_value`` gives back each of ``values`` as it is.

    Plain texts on a text field, plain integers on an integer field (a key's is its
    target's); not an empty collection, whose lookup Django settles itself.
    """
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    kinds = set(map(type, values))
    methods = {getattr(type(field), name, None) for name in ("get_prep_value", "to_python")}
    if kinds == {str}:
        return methods <= _TEXT_PREPARED
    if kinds == {int}:
        return methods <= _INTEGER_PREPARED
    return False


def _passes_through(field: Any, connection: Any) -> bool:
    """Whether ``field`` gives ``connection`` a prepared value as it is.

    Django's own ``get_db_prep_value`` of a plain field and of a primary key
    does; an integer field's does where the backend leaves integers alone
    (SQLite; psycopg is given typed integers on PostgreSQL).
    """
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    method = type(field).get_db_prep_value
    if method in (Field.get_db_prep_value, AutoFieldMixin.get_db_prep_value):
        return True
    return (
        method is IntegerField.get_db_prep_value
        and type(connection.ops).adapt_integerfield_value
        is BaseDatabaseOperations.adapt_integerfield_value
    )


def register(model_classes: Iterable[type[models.Model]]) -> None:
    """Give every concrete field of ``model_classes`` the ``any`` lookup (on the instances)."""
    for model in model_classes:
        for field in model._meta.concrete_fields:
            field.register_lookup(AnyOf)
