"""Several statements in one query, each prepared on its connection where the site allows it.

PostgreSQL parses and plans a statement sent as text every time it comes:
for a request's read of its settings and its session (three tables joined)
that is about 0.2 ms, as long as the round trip itself. A statement
prepared once on a connection (SQL ``PREPARE``) is then sent as ``EXECUTE``
with its values, and planned from what the server kept.

Django leaves prepared statements off by default, because a pooler in
transaction mode (PgBouncer) may send each transaction to another server
connection, where a statement prepared on the first does not exist; a site
turns them on with ``OPTIONS["prepare_threshold"]``, psycopg's number of
runs after which a statement is prepared. :func:`execute_several` follows
that setting: without it, nothing is prepared. With it, a statement that
has come that many times on one connection is prepared there; what a
connection prepared is recorded with psycopg's connection itself, so that a
pool (Django's ``OPTIONS["pool"]``) handing it to another thread keeps it.

Whatever the server then does, the caller gets what the text would have
given, in the same call, and a write is made once (the statements of one
query are undone together when one fails):

- it no longer knows the statements (``DEALLOCATE ALL``, which psycopg
  sends on a rollback once it has prepared queries of its own, or a pooler
  that moved the connection): the same statements go as text, and are
  prepared again after as many runs; the fourth time on one connection,
  preparing stops there;
- it refuses to prepare them, or to run them as prepared where the text
  passes (a migration changed a column's type: the plan cannot return the
  new type, or a value no longer fits the old parameter's): the text goes,
  and preparing stops for that connection.

Each stop is logged once, as a warning. Nothing is prepared inside a
transaction (an atomic block, or autocommit turned off), since a refused
statement would spoil it, nor with ``server_side_binding``, where psycopg
prepares the site's queries itself and throws every prepared statement
away at each rollback.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError

logger = logging.getLogger(__name__)

#: The statements that can be prepared (``PREPARE`` takes no others, such as ``SET``).
_PREPARABLE = ("SELECT", "INSERT", "UPDATE", "DELETE")
#: A placeholder of psycopg's client-side binding, or an escaped percent sign.
_PLACEHOLDER = re.compile(r"%%|%s")
#: The server does not know a statement it prepared (``DEALLOCATE``/``DISCARD``, a pooler).
_UNKNOWN_STATEMENT = "26000"
#: The SQLSTATE classes in which an ``EXECUTE`` may fail where its text passes, once a
#: migration changed a column under a prepared statement: "cached plan must not change
#: result type" (0A), a value beyond the old parameter's type (22), an operator for the
#: old type (42). The statements are sent again as text; the text's own error is final.
_STALE_CLASSES = ("0A", "22", "42")
#: How many times a connection prepares its statements again after the server lost them.
_LOSSES = 3
#: How many statements a connection counts, at most: the shapes of the requests' SQL are few.
_COUNTED = 256


@dataclass
class _Preparing:
    """What one database connection (psycopg's, not Django's wrapper) has prepared."""

    runs: dict[str, int] = field(default_factory=dict)
    ready: set[str] = field(default_factory=set)
    #: Times the server lost the statements prepared here.
    losses: int = 0
    off: bool = False


#: Each psycopg connection's record, gone with the connection.
_RECORDS: weakref.WeakKeyDictionary[Any, _Preparing] = weakref.WeakKeyDictionary()
_RECORDS_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Statement:
    """A statement's name, its text with ``$n`` placeholders, and how many values it takes."""

    name: str
    numbered: str
    values: int


_STATEMENTS: dict[str, _Statement | None] = {}


def execute_several(connection: Any, cursor: Any, sql: list[str], parameters: list[Any]) -> None:
    """Run the statements ``sql`` as one query on PostgreSQL, one round trip for them all.

    ``parameters`` are all of theirs, in order. The statements run as one
    transaction unless one is open (all of them or none), and their results
    follow one another (``cursor.nextset()``). Each is sent as text or, once
    it has run ``OPTIONS["prepare_threshold"]`` times on this connection, as
    ``EXECUTE`` of what it was prepared as (see the module's text).
    """
    found = _preparing(connection)
    if found is None:
        _send(connection, cursor, sql, parameters, text=True)
        return
    preparing, threshold = found
    parts, to_prepare = _parts(preparing, threshold, sql)
    if to_prepare:
        try:
            with connection.cursor() as preparer, _unprepared(connection):
                preparer.execute("; ".join(f"PREPARE {s.name} AS {s.numbered}" for s in to_prepare))
        except (OperationalError, InterfaceError):
            raise  # the connection itself failed: for the caller to handle, as with any read
        except DatabaseError as error:
            _stop(preparing, error, _REFUSED_PREPARE)
            _send(connection, cursor, sql, parameters, text=True)
            return
        preparing.ready.update(statement.name for statement in to_prepare)
    if parts == sql:
        _send(connection, cursor, sql, parameters, text=True)
        return
    try:
        _send(connection, cursor, parts, parameters, text=False)
        return
    except (OperationalError, InterfaceError):
        raise
    except DatabaseError as error:
        refused = error
        sqlstate = str(getattr(error.__cause__, "sqlstate", None) or "")
        if sqlstate != _UNKNOWN_STATEMENT and not sqlstate.startswith(_STALE_CLASSES):
            raise
    # Outside any transaction the query's statements were undone together: none ran. If
    # the text fails too, its own error is the caller's, as it would be without preparing.
    if sqlstate == _UNKNOWN_STATEMENT:
        _lost(preparing, refused)
        _send(connection, cursor, sql, parameters, text=True)
    else:
        _send(connection, cursor, sql, parameters, text=True)
        _stop(preparing, refused, _STALE)


def _preparing(connection: Any) -> tuple[_Preparing, int] | None:
    """The record of what the connection prepared, and the threshold; ``None``: all as text."""
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not connection.get_autocommit()
    ):
        return None
    options = connection.settings_dict["OPTIONS"]
    threshold = _threshold(options.get("prepare_threshold"))
    raw = connection.connection
    if threshold is None or raw is None or options.get("server_side_binding") is True:
        return None
    preparing = _RECORDS.get(raw)
    if preparing is None:
        with _RECORDS_LOCK:
            preparing = _RECORDS.setdefault(raw, _Preparing())
    return None if preparing.off else (preparing, threshold)


def _threshold(value: Any) -> int | None:
    """The ``prepare_threshold`` option as given (a URL's options are strings); ``None``: off."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and value >= 0 else None


def _parts(
    preparing: _Preparing, threshold: int, sql: list[str]
) -> tuple[list[str], list[_Statement]]:
    """Each statement as it is to be sent, and those to be prepared first."""
    parts: list[str] = []
    to_prepare: list[_Statement] = []
    for text in sql:
        statement = _statement(text)
        if statement is None:
            parts.append(text)
            continue
        name = statement.name
        if name not in preparing.ready and statement not in to_prepare:
            runs = preparing.runs.get(name, 0) + 1
            if len(preparing.runs) < _COUNTED or name in preparing.runs:
                preparing.runs[name] = runs
            if runs <= threshold:
                parts.append(text)
                continue
            to_prepare.append(statement)
        values = ", ".join(["%s"] * statement.values)
        parts.append(f"EXECUTE {name}({values})" if statement.values else f"EXECUTE {name}")
    return parts, to_prepare


def _statement(text: str) -> _Statement | None:
    """``text`` as a statement to prepare (named after its text), or ``None`` if it cannot be."""
    if text not in _STATEMENTS:
        _STATEMENTS[text] = _numbered(text)
    return _STATEMENTS[text]


def _numbered(text: str) -> _Statement | None:
    if not text.lstrip().upper().startswith(_PREPARABLE) or ";" in text:
        return None  # PREPARE takes one statement: the rest would run once, then never
    count = 0

    def number(found: re.Match[str]) -> str:
        nonlocal count
        if found.group() == "%%":
            return "%"  # PREPARE goes without values: nothing unescapes it
        count += 1
        return f"${count}"

    numbered = _PLACEHOLDER.sub(number, text)
    name = "cml_" + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
    return _Statement(name, numbered, count)


def _lost(preparing: _Preparing, error: DatabaseError) -> None:
    """The server no longer knows the statements prepared here: prepare them again, or stop."""
    preparing.losses += 1
    if preparing.losses > _LOSSES:
        _stop(preparing, error, _LOST)
        return
    preparing.ready.clear()
    preparing.runs.clear()


#: Why a connection stopped preparing, for the warning.
_REFUSED_PREPARE = (
    "the server refused to prepare it (behind a pooler in transaction mode, where another "
    "client may hold the name, leave the database's OPTIONS prepare_threshold unset)"
)
_LOST = (
    "the server lost the statements prepared on it again and again (behind a pooler in "
    "transaction mode, or a pool that discards a connection's state, leave the database's "
    "OPTIONS prepare_threshold unset)"
)
_STALE = (
    "a prepared statement failed where its text passed, as after a migration that changed "
    "a column's type; connections opened from now on prepare afresh"
)


def _stop(preparing: _Preparing, error: DatabaseError, why: str) -> None:
    logger.warning(
        "PostgreSQL refused a prepared statement (%s, SQLSTATE %s): this connection sends "
        "the exchange's statements as text from now on; %s.",
        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
        getattr(error.__cause__, "sqlstate", None),
        why,
    )
    preparing.off = True
    preparing.ready.clear()
    preparing.runs.clear()


def _send(
    connection: Any, cursor: Any, sql: list[str], parameters: list[Any], *, text: bool
) -> None:
    """The statements ``sql`` as one query; ``text``: none of them is an ``EXECUTE``.

    With Django's default binding (on the client) the cursor sends the values
    as they are. With ``server_side_binding`` a statement and its values go
    apart, which takes one statement a query and no ``EXECUTE`` (whose values
    the server does not bind): there several statements, or an ``EXECUTE``,
    are bound here first, as the client would bind them, and go unprepared
    by psycopg.
    """
    query = "; ".join(sql)
    if connection.settings_dict["OPTIONS"].get("server_side_binding") is True and (
        len(sql) > 1 or not text
    ):
        operations: Any = connection.ops  # PostgreSQL's: compose_sql() is its own
        with _unprepared(connection):
            cursor.execute(operations.compose_sql(query, parameters))
    else:
        cursor.execute(query, parameters)


@contextmanager
def _unprepared(connection: Any) -> Iterator[None]:
    """Psycopg prepares nothing in the block (a query of several statements cannot be).

    With ``server_side_binding`` and ``prepare_threshold`` 0, psycopg would
    prepare every query the first time it comes, several statements too, which
    the server refuses ("cannot insert multiple commands into a prepared
    statement"); with a threshold above 0 it never counts them.
    """
    raw = connection.connection
    threshold = getattr(raw, "prepare_threshold", None)
    if threshold is None:
        yield
        return
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold
