"""A request's first read as the check of a reused database connection.

With ``CONN_HEALTH_CHECKS``, Django checks a connection kept from an earlier
request before the request's first query: ``SELECT 1`` on PostgreSQL, a round
trip of its own. 1C's requests are many and small (a 100 MB catalog comes in a
hundred parts, each of which otherwise waits for the database twice), so the
exchange lets its first read stand for that check (:func:`read_checking`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, connections

T = TypeVar("T")


def read_checking(read: Callable[[], T], *, using: str) -> T:
    """``read()``, the request's first statement on ``using``, without Django's separate check.

    Where Django would check the connection first (health checks on, a
    connection kept from an earlier request, not yet checked in this one),
    ``read()`` goes straight to the database. If it fails and the connection
    turns out dead (the server restarted, a pooler or a firewall dropped it),
    the connection is closed and ``read()`` is made once more on a new one: what
    Django's check would have done before it. A read that fails on a live
    connection raises as it would, and so does one inside a transaction, whose
    connection cannot be replaced. ``read()`` may run twice: it must be safe to
    repeat (a read, or a ``get_or_create``).
    """
    # Django's attributes since 4.1, not in its type stubs.
    connection: Any = connections[using]
    if (
        connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
    ):
        return read()
    connection.health_check_done = True  # this read is the check
    try:
        return read()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block or connection.is_usable():
            raise
    connection.close()
    return read()
