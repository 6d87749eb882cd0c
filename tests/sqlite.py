"""A SQLite connection as an older build of SQLite would serve it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection


@contextmanager
def parameters_limit(limit: int) -> Iterator[None]:
    """The default connection taking at most ``limit`` parameters a statement.

    999 is what SQLite before 3.32 was built with by default. Skips the test
    on another database.
    """
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's limit of parameters")
    connection.ensure_connection()
    was = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    try:
        yield
    finally:
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, was)
