"""What the reads and the writes share: the statements built once, the models they serve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db import models

#: What was built, by database alias and vendor. Each thread has a connection of its
#: own: nothing here may hold one (a converter of the backend is kept unbound).
_BUILT: dict[tuple[Any, ...], Any] = {}


def built_once(connection: Any, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()``'s result for ``key`` on ``connection``'s database, built on first use."""
    key = (connection.alias, connection.vendor, *key)
    if key not in _BUILT:
        _BUILT[key] = build()
    return _BUILT[key]


def served(model: type[models.Model]) -> bool:
    """Whether a model's row is one row of its own table, with a one-column key."""
    opts = model._meta
    return not opts.parents and getattr(opts.pk, "column", None) is not None


def column_name(field: models.Field[Any, Any]) -> str:
    return cast(str, field.column)
