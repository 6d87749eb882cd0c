"""A batch's commit finished while the next batch is read (PostgreSQL).

A batch's ``COMMIT`` on PostgreSQL is where the server checks the batch's
foreign keys (Django makes them ``DEFERRABLE INITIALLY DEFERRED``): a
fifth of a first import's time, spent waiting while the second core works.
Outside any atomic block, :func:`batch` sends that ``COMMIT`` and lets a
thread wait for its result, so that the step reads the next batch from the
file meanwhile. The connection's own lock keeps everything else off it until
the result is in: any statement of the step waits for the commit first.

:func:`settle` waits for the commit, runs what the batch asked to run on
commit, and raises its error if it failed; the step calls it before it
does anything but read the file, and always before it answers. So a
failed commit is known before the next batch is written and before 1C is
told anything: the stored job is as the batch before it left it, as when a
batch fails in its own transaction. A process killed meanwhile leaves the
batch committed whole or not at all, as before.

On SQLite, whose commit waits on the disk with the writer's lock held, the
batch's last inserts are left running instead (:mod:`late_writes`), and
:func:`settle` waits for them and commits. Elsewhere (inside an atomic block
on PostgreSQL; psycopg without the means), :func:`batch` is
``transaction.atomic()``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import Error, connections, transaction

from cml_exchange.importer import late_writes

logger = logging.getLogger(__name__)

#: The commit still running, by connection (Django's, one a thread).
_running: weakref.WeakKeyDictionary[Any, _Commit] = weakref.WeakKeyDictionary()
#: The connections in a batch whose commit will be left running.
_open: weakref.WeakSet[Any] = weakref.WeakSet()


class _Commit(threading.Thread):
    """The thread that waits for a ``COMMIT``'s result; holds the connection's lock till then."""

    def __init__(self, raw: Any) -> None:
        super().__init__(name="cml-late-commit", daemon=True)
        self.raw = raw
        self.error: BaseException | None = None

    def run(self) -> None:
        raw = self.raw
        try:
            raw.wait(raw._commit_gen())
        except BaseException as error:  # handed to the step by settle()
            self.error = error
        finally:
            raw.lock.release()


def _possible(connection: Any) -> bool:
    raw = connection.connection
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and raw is not None
        and hasattr(raw, "_commit_gen")
        and hasattr(raw, "lock")
    )


@contextmanager
def batch(connection: Any) -> Iterator[None]:
    """A batch's transaction: as ``transaction.atomic()``, its commit perhaps left running.

    Until :func:`settle`, a statement outside an atomic block waits for the
    commit first (a guard among the connection's ``execute_wrappers``); an
    atomic block opened meanwhile is refused at its first statement, as it
    would otherwise begin inside a transaction Django does not know of.
    """
    connection = connections[connection.alias]  # the thread's own, not django.db's proxy
    settle(connection)
    if late_writes.possible(connection):
        with late_writes.batch(connection):
            yield
        return
    connection.ensure_connection()
    if not _possible(connection):
        with transaction.atomic(using=connection.alias):
            yield
        return
    connection.set_autocommit(False)
    _open.add(connection)
    try:
        # Autocommit off: Django neither commits nor sets autocommit back on leaving.
        with transaction.atomic(using=connection.alias, savepoint=False):
            yield
    except BaseException:
        try:
            connection.rollback()
        finally:
            connection.run_on_commit = []
            connection.set_autocommit(True)
        raise
    finally:
        _open.discard(connection)
    commit = _Commit(connection.connection)
    commit.raw.lock.acquire()  # before the step's next statement can take it
    try:
        commit.start()
    except RuntimeError:  # no thread to be had: commit here and now, as atomic() does
        commit.raw.lock.release()
        try:
            connection.commit()
        except BaseException:
            connection.run_on_commit = []
            raise
        finally:
            connection.set_autocommit(True)  # runs the hooks after a commit
        return
    _running[connection] = commit
    connection.execute_wrappers.append(_settling_first(connection))


def commits_late(connection: Any) -> bool:
    """Whether the batch open on ``connection`` (in :func:`batch`) will leave its commit running.

    What the step would do right after the commit, if it needs no statement, may be done
    before it instead: then it runs while the commit does. On SQLite: whether a batch of
    :mod:`late_writes` is open, whose writes may be left running.
    """
    connection = connections[connection.alias]
    return connection in _open or late_writes.queue_of(connection) is not None


def running(connection: Any) -> bool:
    """Whether a commit (or writes) :func:`batch` left running on ``connection`` is not settled."""
    return connections[connection.alias] in _running or late_writes.running(connection)


def finished(connection: Any) -> bool:
    """Whether :func:`settle` would not wait: no commit (or writes) left running, or it is done."""
    connection = connections[connection.alias]
    commit = _running.get(connection)
    return (commit is None or not commit.is_alive()) and late_writes.finished(connection)


def settle(connection: Any) -> bool:
    """Wait for the commit :func:`batch` left running; raise its error, or run its hooks.

    ``True`` when there was one (committed now), ``False`` when there was none.
    On SQLite: the writes left running (:func:`late_writes.settle`).
    """
    connection = connections[connection.alias]
    if late_writes.settle(connection):
        return True
    commit = _running.pop(connection, None)
    if commit is None:
        return False
    connection.execute_wrappers[:] = [
        wrapper
        for wrapper in connection.execute_wrappers
        if not getattr(wrapper, "settles_late_commit", False)
    ]
    commit.join()
    if commit.error is not None:
        connection.run_on_commit = []
        # A connection the error broke is closed by Django; the commit's error is the news.
        with contextlib.suppress(Error):
            connection.set_autocommit(True)
        with connection.wrap_database_errors:
            raise commit.error
    connection.set_autocommit(True)
    connection.run_and_clear_commit_hooks()
    return True


def settle_after_failure(connection: Any) -> None:
    """:func:`settle` where the step already fails: a commit's own error is only logged."""
    try:
        settle(connection)
    except Error:
        logger.warning("A batch's commit failed as its import failed", exc_info=True)


def _settling_first(connection: Any) -> Callable[..., Any]:
    def settling_first(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if connection.in_atomic_block:
            raise RuntimeError(
                "An atomic block was opened while a batch's commit was still running:"
                " call late_commit.settle() first."
            )
        settle(connection)
        return execute(sql, *args)

    settling_first.settles_late_commit = True  # type: ignore[attr-defined]
    return settling_first
