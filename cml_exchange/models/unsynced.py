"""An upload part's bookkeeping committed without waiting for the database's log.

A part of an upload that extends a file records itself (the file's row, the
exchange's counts, the request's log) in :func:`unsynced_batch`: on
PostgreSQL its statements (:mod:`~cml_exchange.models.statements`'
``update()`` and ``insert()``) are gathered and sent as one query, on SQLite
in write-ahead-log mode its commit runs at ``synchronous=NORMAL``. The part's
bytes are in the page cache, not synced either (docs/protocol.md, "Files").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from cml_exchange.models.statements.prepared import execute_several


@dataclass
class _Batch:
    alias: str
    sql: list[str]
    parameters: list[Any]


#: The batch of :func:`unsynced_batch` being gathered in this thread (or task), if any.
_BATCH: ContextVar[_Batch | None] = ContextVar("cml_exchange_unsynced_batch", default=None)


def gathering() -> bool:
    """Whether a batch is being gathered here (a statement the ORM makes cannot join it)."""
    return _BATCH.get() is not None


def gathered(alias: str, sql: str, parameters: list[Any]) -> bool:
    """Add a statement to the batch gathered for ``alias``; whether there was one."""
    batch = _BATCH.get()
    if batch is None or batch.alias != alias:
        return False
    batch.sql.append(sql)
    batch.parameters.extend(parameters)
    return True


@contextmanager
def unsynced_batch(*, using: str | None = None) -> Iterator[None]:
    """One transaction for writes that record what is itself not on disk yet.

    Its commit does not wait for the database's log to reach the disk: a
    crash of the machine (or of PostgreSQL's server) right after it may lose
    it, as such a crash loses what the page cache held; a crash of the site's
    own process loses nothing committed.

    - PostgreSQL, outside any atomic block: the ``statements.update()`` and
      ``insert()`` calls made inside are gathered and sent, when the block
      ends without an exception, as one query of several statements, which
      the server runs as one transaction (all of it or none) in one round
      trip instead of one a statement plus ``BEGIN`` and ``COMMIT``, with
      ``synchronous_commit`` off for it alone (it is flushed within the
      server's ``wal_writer_delay``). A statement's error is raised as the
      block ends. Inside, nothing may be read back: ``update()`` returns
      -1, and a model these statements cannot serve raises ``TypeError``.
    - SQLite in write-ahead-log mode, outside any atomic block:
      ``transaction.atomic()`` with ``synchronous`` at ``NORMAL`` for it (put
      back after), the level at which SQLite syncs the log at checkpoints
      rather than at each commit. In another journal mode that level could
      corrupt the file on a power loss: nothing changes there.
    - Otherwise (another database, or inside an atomic block, whose commit is
      not this block's): ``transaction.atomic()``.
    """
    alias = using or DEFAULT_DB_ALIAS
    connection = connections[alias]
    if connection.in_atomic_block or connection.vendor not in ("postgresql", "sqlite"):
        with transaction.atomic(using=alias):
            yield
        return
    if connection.vendor == "sqlite":
        with sqlite_commits_unsynced(connection), transaction.atomic(using=alias):
            yield
        return
    batch = _Batch(alias, ["SET LOCAL synchronous_commit TO OFF"], [])
    token = _BATCH.set(batch)
    try:
        yield
    finally:
        _BATCH.reset(token)
    if len(batch.sql) > 1:
        with connection.cursor() as cursor:
            execute_several(connection, cursor, batch.sql, batch.parameters)


#: SQLite's ``synchronous`` level that syncs a write-ahead log at checkpoints only.
_SQLITE_NORMAL = 1


@contextmanager
def sqlite_commits_unsynced(connection: Any) -> Iterator[None]:
    """SQLite: commits in the block do not sync the write-ahead log (``synchronous=NORMAL``).

    ``connection`` is Django's connection or a ``sqlite3`` one, outside any
    transaction. Only a database in WAL mode whose level is above ``NORMAL``
    is changed, and its level is put back when the block ends, however it ends.
    """
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode")
        wal = str(cursor.fetchone()[0]).lower() == "wal"
        cursor.execute("PRAGMA synchronous")
        level = int(cursor.fetchone()[0])
        if not wal or level <= _SQLITE_NORMAL:
            yield
            return
        cursor.execute(f"PRAGMA synchronous = {_SQLITE_NORMAL}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA synchronous = {level}")
    finally:
        cursor.close()
