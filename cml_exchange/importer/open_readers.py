"""Readers a step that ran out of time leaves open for the next step of the same job."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cml_exchange.commerceml.reading.reader import CmlReader
from cml_exchange.importer.session import Scope

#: A job's file: (job pk, file index, file name).
Key = tuple[int, int, str]


@dataclass
class OpenFile:
    """A file's reader left open by a step that ran out of time, for the next step."""

    reader: CmlReader
    entities: Iterator[object]
    scope: Scope
    reported: int
    skipped_before: dict[str, int]


#: Readers kept between steps in this process, by (job, file index, file name). A
#: step that finds its reader here, at the job's position, goes on with it instead
#: of parsing the file again from its start up to the position (which made a big
#: file's import quadratic in its size). A step in another process, or after a
#: failure, starts a new reader at the position, as before.
_OPEN: dict[Key, OpenFile] = {}
#: Open readers kept at most (the oldest goes): abandoned jobs must not pile up.
MAX_OPEN = 4


def take(key: Key) -> OpenFile | None:
    """The reader kept for ``key``, no longer kept (``None``: there is none)."""
    return _OPEN.pop(key, None)


def count() -> int:
    """How many readers are kept."""
    return len(_OPEN)


def clear() -> None:
    """Forget every kept reader (as a new process would start)."""
    _OPEN.clear()


def keep(key: Key, kept: OpenFile) -> None:
    """Keep ``kept`` for the next step of ``key``; the oldest goes when there are too many."""
    while len(_OPEN) >= MAX_OPEN:
        _OPEN.pop(next(iter(_OPEN)), None)
    _OPEN[key] = kept
