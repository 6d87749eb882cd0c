"""What one step of an import reads whole, kept for the next steps of the same exchange.

A step reads every stored item's element digest before its first item
(:class:`~cml_exchange.importer.loaders.unchanged.KnownDigests`, and the
:class:`~cml_exchange.importer.loaders.passed.DigestIndex` of products and of
offers): a scan of both tables, 40 ms at 10,000 products on SQLite. Newer 1C
sends a catalog as 28 files or more, each imported by a request, a job and a
step of its own, and each step read them again.

Both are safe to use out of date, as their docstrings say: an item found in
them is confirmed against its row before anything is concluded from it, so a
digest missing only costs a build, and one gone stale only a file read. What
the first file of an exchange reads holds what the exchange before it stored,
which is what 1C sends again unchanged. So the jobs of one exchange (a session
from one ``init``) share them within this process; a new ``init`` of the
session, or another exchange, reads them anew, and so does a job
:data:`FRESH_FOR` after they were read (a script that sends no ``init`` may
keep one session for many exchanges). Only the last :data:`EXCHANGES`
exchanges' are kept.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cml_exchange.models import ExchangeSession, ImportJob

_T = TypeVar("_T")
#: A session's pk, its start and its last ``init`` (``None`` before one).
Exchange = tuple[int, dt.datetime, dt.datetime | None]

#: Exchanges whose reads are kept (two 1C bases exchanging at once each keep theirs).
EXCHANGES = 2
#: Seconds a read serves the exchange's later jobs.
FRESH_FOR = 600.0

#: Per exchange, by key: what was read and when (``time.monotonic()``).
_kept: OrderedDict[Exchange, dict[Hashable, tuple[Any, float]]] = OrderedDict()
_lock = threading.Lock()


def exchange_of(job: ImportJob) -> Exchange | None:
    """The exchange ``job`` belongs to: its session (its pk and start) and the last ``init``.

    ``None`` for a job of no session (``cml_import``, a job made in code).
    """
    if job.session_id is None:
        return None
    found = (
        ExchangeSession.objects.filter(pk=job.session_id)
        .values_list("created", "initialized")
        .first()
    )
    return None if found is None else (job.session_id, *found)


def shared(
    exchange: Exchange | None,
    key: Hashable,
    read: Callable[[], _T],
    step: dict[Hashable, Any],
) -> _T:
    """What ``read()`` gives, read once for the jobs of ``exchange``.

    Without an exchange, once for the step whose reads ``step`` holds.
    """
    if exchange is None:
        if key not in step:
            step[key] = read()
        return step[key]
    with _lock:
        reads = _kept.get(exchange)
        if reads is None:
            reads = _kept[exchange] = {}
            while len(_kept) > EXCHANGES:
                _kept.popitem(last=False)
        else:
            _kept.move_to_end(exchange)
        kept = reads.get(key)
        if kept is not None and time.monotonic() - kept[1] < FRESH_FOR:
            return kept[0]
    value = read()
    with _lock:
        reads[key] = (value, time.monotonic())
    return value
