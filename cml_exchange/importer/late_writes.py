"""A batch's last inserts written while the next batch is read (SQLite).

A batch of products ends with its children's rows: groups, property values,
requisites, taxes; a batch of offers with its prices and stock. On SQLite
nothing in the batch reads them back, and their inserts are a fifth of a
rich catalog's import, spent in SQLite's C code while the second core idles.
Inside :func:`batch`, :func:`~cml_exchange.importer.sql.insert` and
:func:`~cml_exchange.importer.sql.upsert_rows` called with ``late=True`` queue
their rows instead of writing them. A later statement of the batch that
names one of the queued tables writes the queue first, so every statement
that could see those rows runs after them, as the batch issued it; the
others (the job's save, lookups in other tables) run before them. A
savepoint writes the queue first too: rolled back, it must not take the
batch's rows with it (and nothing is queued inside one).

What is still queued when the batch's body ends is written by a thread, each
table's rows in one ``INSERT … SELECT … FROM json_each(?)``, a single call
into SQLite that holds no lock of Python's: the step reads the next batch
from the file meanwhile.

The thread commits the batch's transaction once its rows are in, so that
the database's one write lock is free for the site's own writes while the
step reads on. A batch inside a transaction (the one held for a scan beside
the reader) is a savepoint, released by :func:`settle`; but when that
transaction's own block ends while the thread still writes, the thread
commits it too (and with it the savepoint), so that the step reads the next
file meanwhile rather than wait for the disk at :func:`settle`. :func:`settle` waits
for the thread, then ends the batch's atomic block as Django expects (running
what was to run on commit), or rolls it back and raises the thread's error.
Until then any statement of the step's settles first (a guard among the
connection's ``execute_wrappers``), and an atomic block opened meanwhile is
refused at its first statement: Django's blocks must close in the order they
opened. A process killed meanwhile leaves the batch committed whole or not
at all, as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, transaction


@dataclass
class Write:
    """Rows for one ``INSERT``, as :mod:`~cml_exchange.importer.sql` would send them.

    ``head`` is ``INSERT INTO table (columns)`` for the table named ``table``;
    ``suffix`` its conflict clause.
    When ``fallback`` is given and fewer rows than given were inserted, the
    rows are sent again with ``fallback`` as the suffix (the insert of rows
    believed new, then their upsert if one was stored after all).
    """

    table: str
    head: str
    columns: int
    rows: list[tuple[Any, ...]]
    suffix: str = ""
    fallback: str | None = None

    def now(self, raw: Any) -> None:
        """Write the rows here and now: one ``executemany``, the fastest way holding the GIL."""
        marks = f" VALUES ({', '.join(['?'] * self.columns)})"
        inserted = raw.executemany(self.head + marks + self.suffix, self.rows).rowcount
        if self.fallback is not None and inserted < len(self.rows):
            raw.executemany(self.head + marks + self.fallback, self.rows)

    def late(self, raw: Any) -> None:
        """Write the rows in one statement that reads them from a JSON array, outside Python."""
        try:
            payload = json.dumps(
                self.rows,
                ensure_ascii=False,
                allow_nan=False,
                separators=(",", ":"),
                default=_as_sqlite_binds,
            )
        except (TypeError, ValueError):  # a value JSON cannot carry as SQLite would bind it
            self.now(raw)
            return
        values = ", ".join(f"json_extract(value, '$[{index}]')" for index in range(self.columns))
        # WHERE true: without it SQLite would read ON CONFLICT as part of the join.
        select = f" SELECT {values} FROM json_each(?) WHERE true"  # noqa: S608
        inserted = raw.execute(self.head + select + self.suffix, (payload,)).rowcount
        if self.fallback is not None and inserted < len(self.rows):
            raw.execute(self.head + select + self.fallback, (payload,))


def _as_sqlite_binds(value: object) -> str:
    """What Django's adapters bind for these types on SQLite: their ``str()``."""
    if isinstance(value, (Decimal, dt.date)):  # datetime included: isoformat(" ") is str()
        return str(value)
    raise TypeError(type(value).__name__)


class _Writer(threading.Thread):
    """The thread that writes a batch's queue; the batch's transaction waits for it."""

    def __init__(
        self, raw: Any, writes: list[Write], atomic: Any, depth: int, *, commit: bool
    ) -> None:
        super().__init__(name="cml-late-writes", daemon=True)
        self.raw = raw
        self.writes = writes
        #: Whether the transaction is committed here once the rows are in: the batch's
        #: own, or the enclosing one, whose block ended meanwhile (:meth:`commit_too`).
        self.commit = commit
        #: Whether the thread has made up its mind about :attr:`commit`.
        self._decided = False
        self._deciding = threading.Lock()
        #: The atomic blocks to close once the writes are in, innermost first.
        self.atomics = [atomic]
        #: How many atomic blocks are open until then.
        self.depth = depth
        self.error: BaseException | None = None

    def commit_too(self) -> None:
        """Have the thread commit the transaction once its rows are in, if not too late.

        For the block that encloses the batch and ends with the transaction while
        the thread still writes. Where the thread is past its writes already,
        :attr:`commit` stays off and :func:`settle` commits.
        """
        with self._deciding:
            if not self._decided:
                self.commit = True

    def run(self) -> None:
        try:
            for write in self.writes:
                write.late(self.raw)
            with self._deciding:
                self._decided = True
                commit = self.commit
            if commit:
                # Now, not at settle(): the database's one write lock is the site's again
                # (an order, another import) while the step reads on.
                self.raw.execute("COMMIT")
        except BaseException as error:  # handed to the step by settle()
            with self._deciding:
                self._decided = True  # a thread that failed commits nothing: settle() decides
            self.error = error


class _Queue(list[Write]):
    """A batch's queued writes, and how many savepoints were open when the batch began."""

    def __init__(self, savepoints: int) -> None:
        super().__init__()
        self.savepoints = savepoints


#: The open batch's queue, by connection (Django's, one a thread).
_queues: weakref.WeakKeyDictionary[Any, _Queue] = weakref.WeakKeyDictionary()
#: The writes left running, by connection.
_running: weakref.WeakKeyDictionary[Any, _Writer] = weakref.WeakKeyDictionary()


def possible(connection: Any) -> bool:
    """Whether :func:`batch` may leave its writes running on ``connection``."""
    return connection.vendor == "sqlite"


def queue_of(connection: Any) -> list[Write] | None:
    """The queue of the batch open on ``connection``, or ``None`` where rows are written now.

    Inside a savepoint opened in the batch's body there is none: rows queued there
    would outlive the savepoint's rollback.
    """
    connection = connections[connection.alias]
    queue = _queues.get(connection)
    if queue is None or _savepoints(connection) != queue.savepoints:
        return None
    return queue


def _savepoints(connection: Any) -> int:
    return sum(1 for savepoint in connection.savepoint_ids if savepoint)


@contextmanager
def batch(connection: Any) -> Iterator[None]:
    """A batch's transaction (a savepoint inside one) whose queued writes may be left running.

    See the module's docstring; :func:`settle` ends it.
    """
    connection = connections[connection.alias]
    settle(connection)
    outer = _queues.get(connection)
    if outer:  # the enclosing batch's rows, before anything of this one
        _write_now(connection, outer)
    atomic = transaction.atomic(using=connection.alias)
    atomic.__enter__()
    queue = _Queue(_savepoints(connection))
    _queues[connection] = queue
    _guard(connection)
    try:
        yield
        writer = _running.get(connection)
        if writer is not None and not queue and not connection.needs_rollback:
            # A batch of the body's own left its writes running: this block closes after it,
            # and where it is the transaction, the writes' thread may commit it.
            writer.atomics.append(atomic)
            if len(writer.atomics) == writer.depth and connection.commit_on_exit:
                writer.commit_too()
            _leave(connection, outer)
            return
        settle(connection)
        if queue and connection.needs_rollback:
            queue.clear()  # the body asked for a rollback: nothing more to write
    except BaseException:
        _leave(connection, outer)
        with contextlib.suppress(Exception):  # the body's failure is the news
            settle(connection)
        if not atomic.__exit__(*sys.exc_info()):
            raise
        return
    _leave(connection, outer)
    if not queue:
        atomic.__exit__(None, None, None)
        return
    depth = len(connection.atomic_blocks)
    writer = _Writer(connection.connection, queue, atomic, depth, commit=depth == 1)
    try:
        writer.start()
    except RuntimeError:  # no thread to be had: write here and now
        _write_now(connection, queue)
        atomic.__exit__(None, None, None)
        return
    _running[connection] = writer
    _guard(connection)


def _leave(connection: Any, outer: _Queue | None) -> None:
    if outer is None:
        _queues.pop(connection, None)
    else:
        _queues[connection] = outer
    if outer is None and connection not in _running:
        _unguard(connection)


def running(connection: Any) -> bool:
    """Whether writes :func:`batch` left running on ``connection`` are not yet settled."""
    return connections[connection.alias] in _running


def finished(connection: Any) -> bool:
    """Whether :func:`settle` would not wait: no writes left running, or they are done."""
    writer = _running.get(connections[connection.alias])
    return writer is None or not writer.is_alive()


def holding(connection: Any) -> bool:
    """Whether writes left running keep a transaction open until :func:`settle`, done or not.

    So they do in a batch inside a transaction (the one held for a scan beside the
    reader), unless that transaction's block ended while they ran (the thread then
    commits it): until then SQLite's one write lock stays taken, where a batch of its
    own frees it once its rows are in. A thread that failed (its writes, or the commit,
    which SQLite refuses with the transaction left open) holds it too.
    """
    writer = _running.get(connections[connection.alias])
    return writer is not None and (not writer.commit or writer.error is not None)


def settle(connection: Any) -> bool:
    """Wait for the writes :func:`batch` left running; end their batch, or roll back and raise.

    ``True`` when there were some, ``False`` when there were none.
    """
    connection = connections[connection.alias]
    writer = _running.pop(connection, None)
    if writer is None:
        return False
    if connection not in _queues:
        _unguard(connection)
    writer.join()
    innermost, *enclosing = writer.atomics
    if writer.error is None:
        if writer.commit and enclosing:
            # The thread's COMMIT ended the savepoints inside the transaction: their blocks
            # close without releasing them again.
            connection.savepoint_ids[:] = [None] * len(connection.savepoint_ids)
        innermost.__exit__(None, None, None)
    else:
        try:
            with connection.wrap_database_errors:
                raise writer.error
        except BaseException as error:
            innermost.__exit__(type(error), error, error.__traceback__)
            # The enclosing blocks end as they would have had the batch failed in them:
            # their bodies were over, what they wrote before the batch stays.
            for atomic in enclosing:
                atomic.__exit__(None, None, None)
            raise
    for atomic in enclosing:
        atomic.__exit__(None, None, None)
    return True


def _write_now(connection: Any, queue: list[Write]) -> None:
    writes, queue[:] = list(queue), []
    with connection.wrap_database_errors:
        for write in writes:
            write.now(connection.connection)


def _guard(connection: Any) -> None:
    if not any(getattr(w, "cml_late_writes", False) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(_writing_first(connection))


def _unguard(connection: Any) -> None:
    connection.execute_wrappers[:] = [
        w for w in connection.execute_wrappers if not getattr(w, "cml_late_writes", False)
    ]


def _writing_first(connection: Any) -> Callable[..., Any]:
    """The guard: the writes left running end before any statement, the queue before some.

    The queue is written before a statement that names one of its tables, and before a
    savepoint, whose rollback must not take the batch's rows with it.
    """

    def writing_first(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        writer = _running.get(connection)
        if writer is not None:
            if len(connection.atomic_blocks) != writer.depth or _opens_block(sql):
                raise RuntimeError(
                    "An atomic block was opened while a batch's writes were still running:"
                    " call late_commit.settle() first."
                )
            settle(connection)
        queue = _queues.get(connection)
        if queue and (_opens_block(sql) or any(write.table in sql for write in queue)):
            _write_now(connection, queue)
        return execute(sql, *args)

    writing_first.cml_late_writes = True  # type: ignore[attr-defined]
    return writing_first


def _opens_block(sql: str) -> bool:
    return sql[:32].lstrip().upper().startswith(("SAVEPOINT", "BEGIN"))
