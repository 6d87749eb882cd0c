"""What 1C is told of an error the importer did not expect, and the step's lost lease."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connections, router

from cml_exchange.models import ImportJob


class LeaseLost(Exception):
    """The job's lease is another worker's now: this step writes nothing more.

    Raised by the step's save when the job row no longer names this step as
    its holder (the lease ran out, a worker paused that long, and another one
    took the job over). The batch being saved rolls back with it, and the step
    ends as ``run()`` ends for a job another process is running (``importer.runner``).
    """


def unexpected(error: Exception) -> str:
    """What 1C is told of an error the importer did not expect: its kind, never its text."""
    kind = _database_error(error)
    what = "внутренняя ошибка базы данных" if kind else "внутренняя ошибка сайта"
    return (
        f"Ошибка импорта: {what} ({kind or type(error).__name__}). "
        "Подробности — в мониторе обмена на сайте."
    )


#: DB-API's error classes, most precise first: how a database error is named to 1C.
_DB_API_ERRORS = (
    "IntegrityError", "DataError", "OperationalError", "ProgrammingError",
    "InternalError", "NotSupportedError", "InterfaceError", "DatabaseError",
)  # fmt: skip


def _database_error(error: Exception) -> str:
    """DB-API's name for a database error (Django's, or the driver's raw one), else ``""``.

    The importer's bulk writes on PostgreSQL go through a plain psycopg cursor,
    whose errors Django does not wrap (``psycopg.errors.UniqueViolation``).
    """
    driver: Any = getattr(connections[router.db_for_write(ImportJob)], "Database", None)
    raw = (driver.Error,) if driver is not None else ()
    if not isinstance(error, (DatabaseError, *raw)):
        return ""
    names = {cls.__name__ for cls in type(error).__mro__}
    return next((name for name in _DB_API_ERRORS if name in names), "DatabaseError")
