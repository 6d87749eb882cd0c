"""The next file's scan, begun in a second process while this file is imported.

A file the import scans whole before reading it (on SQLite one above
``SQLITE_SCAN_BESIDE_MAX``, or any with ``skip_root_group``) costs its whole
scan before its first batch: 8.7 s for the offers file of 100,000 products
here. The file after the current one, in the job or waiting in the exchange's
folder, can be scanned meanwhile on the second core, which the current file's
reading leaves idle once its own verdict is in: nothing is written or held for
it, and the scan's result is the same one the stage would find. So can the
first catalog of a zip archive, as soon as it is unpacked, while the rest of
the archive (the pictures) is (``runner._Step._unzip``).

:func:`begin` starts such a scan (one at a time, in this process);
:func:`take` gives its counts to the scan stage when that file's turn comes,
remembered as any sound scan is, if they are for the bytes the file holds
then. A scan that refused the file, that saw it change, or that this process
did not start, gives nothing: the stage scans the file as it would have.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cml_exchange.commerceml.reading.scan_process import ScanProcess, ScanRefused
from cml_exchange.importer.limits import value_limits

_LOCK = threading.Lock()
#: The scans ahead in this process, by the file's resolved path, oldest first.
_AHEAD: dict[Path, ScanProcess] = {}
#: Scans ahead kept at once: two imports at a time in one process each keep theirs;
#: a third stops the oldest (whose file is then scanned in its turn, as without).
KEPT = 2


def begin(path: Path, name: str) -> None:
    """Scan ``path`` in a second process, unless it is being scanned ahead already."""
    key = path.resolve()
    with _LOCK:
        if key in _AHEAD:
            return
        stale = []
        while len(_AHEAD) >= KEPT:
            stale.append(_AHEAD.pop(next(iter(_AHEAD))))
        _AHEAD[key] = ScanProcess(path, name, value_limits(), digest=True)
    for process in stale:
        process.close()


def take(path: Path, digest: str) -> dict[str, int] | None:
    """What the scan ahead of ``path`` counted, if it found the bytes of ``digest`` sound.

    Waits for that scan's verdict if it is still at work (it began earlier than
    a scan begun now would). The caller remembers the counts (:func:`scans.remember`).
    ``None``: no scan ahead of this file here, or it refused the file, or the
    file is not the one it scanned; the caller scans the file itself.
    """
    with _LOCK:
        process = _AHEAD.pop(path.resolve(), None)
    if process is None:
        return None
    try:
        counts = process.verdict()
    except ScanRefused:
        return None  # refused again by the stage's own scan, in the usual words
    finally:
        process.close()
    if process.scanned_digest() != digest:
        return None
    return counts


def forget(path: Path) -> None:
    """Stop a scan ahead of ``path`` that is no longer needed (the file was remembered)."""
    with _LOCK:
        process = _AHEAD.pop(path.resolve(), None)
    if process is not None:
        process.close()
