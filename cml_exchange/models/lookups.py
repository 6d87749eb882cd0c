"""``field__any=[…]``: the ``in`` lookup, as one array parameter on PostgreSQL.

The importer looks rows up by a batch's thousand ids or more at a time. As
``IN (%s, %s, …)``, psycopg splits and quotes a statement of thousands of
placeholders in Python on every query (8% of a 10k import on PostgreSQL),
and a statement never the same twice is never cached; ``= ANY(%s)`` is one
short statement with one array. Elsewhere (SQLite) it is ``in`` itself.

Registered on the fields of this app's own models only (:func:`register`,
from the app's ``ready()``), so no other app's fields gain a lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.lookups import In


class AnyOf(In):
    """``in`` with the values as one array: ``column = ANY(%s)`` on PostgreSQL.

    The same rows as ``in`` (``None`` left out; no values at all matches
    nothing); a subquery is left to ``in``.
    """

    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        # A subquery, or values with an expression among them (Django wraps those), is in's.
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _placeholders, values = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(values))


def register(model_classes: Iterable[type[models.Model]]) -> None:
    """Give every concrete field of ``model_classes`` the ``any`` lookup (on the instances)."""
    for model in model_classes:
        for field in model._meta.concrete_fields:
            field.register_lookup(AnyOf)
