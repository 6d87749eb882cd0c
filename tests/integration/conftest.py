"""Fixtures shared by the integration tests: exchange files, 1C's login, SQLite's limits."""

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.db import connection

#: SQLite's limit on a statement's parameters before 3.32 (Django supports 3.31); 32,766
#: since, unless the build raises it (Debian's allows 250,000, as on these machines).
OLD_SQLITE_LIMIT = 999


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "exchange"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "exchange"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.com", "secret")


@pytest.fixture
def old_sqlite_limit(db: None) -> Iterator[int]:
    """SQLite takes no more than :data:`OLD_SQLITE_LIMIT` parameters a statement (SQLite only).

    What a batch of a thousand items, or an exchange of 32,767 files, meets on
    a build with the default limit, met with a thousand here.
    """
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's limit on a statement's parameters")
    connection.ensure_connection()
    raw = connection.connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, OLD_SQLITE_LIMIT)
    yield OLD_SQLITE_LIMIT
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


@pytest.fixture
def statements_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """No statement prepared on PostgreSQL, for a test that reads the SQL sent.

    The example shop (whose settings the tests use) prepares a statement
    after five runs on a connection (``statements.prepared``): a test's
    queries would read ``EXECUTE cml_…`` or not, by how many ran before it.
    """
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)


@pytest.fixture
def threshold(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[object], None]]:
    """Set ``prepare_threshold`` on a new connection, as a site's settings would (PostgreSQL)."""

    def set_to(value: object) -> None:
        connection.close()
        options = connection.settings_dict["OPTIONS"]
        if value is None:
            monkeypatch.delitem(options, "prepare_threshold", raising=False)
        else:
            monkeypatch.setitem(options, "prepare_threshold", value)
        connection.ensure_connection()

    yield set_to
    connection.close()
