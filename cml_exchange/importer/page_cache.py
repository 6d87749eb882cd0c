"""A larger SQLite page cache for an import step's connection, given back when the step ends.

SQLite keeps 2 MiB of database pages a connection unless told otherwise. A
catalog of some 100,000 products outgrows that: each new product goes into
nine indexes, most of them on keys in no order (1C's ids), and once those
indexes are larger than the cache, an insert reads its pages back from the
operating system's cache, page by page. The step raises the connection's
cache to ``CML_EXCHANGE_SQLITE_IMPORT_CACHE`` bytes (32 MiB by default) for
its own length and sets back what the connection had before: the memory is
the import's, in the process that imports, while it imports; SQLite gives
the pages above the old size back when the size is set back.

Only SQLite, and only upwards: a site whose connections already keep more
(its ``init_command``) keeps its own. The cache holds copies of pages, so
nothing of what is written or committed changes.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cml_exchange.conf import app_settings
from cml_exchange.importer import late_commit

_KIB = 1024


@contextmanager
def step(connection: Any) -> Iterator[None]:
    """Within: ``connection``'s page cache is at least the setting's size (see the module)."""
    wanted = app_settings.SQLITE_IMPORT_CACHE
    if connection.vendor != "sqlite" or not wanted:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA page_size")
        raising = cache_bytes(before, int(cursor.fetchone()[0])) < wanted
        if raising:
            # A negative size is in KiB (SQLite's own unit for it), whatever the page size.
            cursor.execute(f"PRAGMA cache_size = -{max(1, wanted // _KIB)}")
    if not raising:
        yield
        return
    raw = connection.connection
    try:
        yield
    finally:
        # The connection the step began with, if it is still open: a new one has the old
        # size anyway. Straight to SQLite: a failed step may have left Django's side of
        # the connection refusing statements until its atomic block ends. A step settles
        # its late writes before it ends; were one still writing, its thread would share
        # the connection, and the larger cache stays instead.
        if raw is not None and raw is connection.connection and not late_commit.running(connection):
            with contextlib.suppress(sqlite3.Error):
                raw.execute(f"PRAGMA cache_size = {before}")


def cache_bytes(cache_size: int, page_size: int) -> int:
    """What ``PRAGMA cache_size`` holds, in bytes: pages when positive, KiB when negative."""
    return -cache_size * _KIB if cache_size < 0 else cache_size * page_size
