"""Python's cyclic garbage collector, kept off what an import step does not own.

An import step allocates a batch's entities, rows and parameters (tens of
thousands of containers that live until the batch is written) over and over.
With the interpreter's default thresholds, that churn sets off a full
collection every few batches, and each full collection walks every object
of the process: Django's models, URL patterns, templates, the admin, and
whatever else the site has loaded. A 10k catalog with 30 property values a
product spent 15% of its import in those walks (docs/performance.md, "Issue 17,
the sixteenth session").

:func:`step` freezes what existed before the step (``gc.freeze``: the
collector ignores those objects; reference counting still frees them as
usual) and raises the collection thresholds for the step, then gives both
back. The step makes little cyclic garbage (a few thousand objects for the
whole 10k import), so collecting less often costs no memory worth the name.

The collector's settings are the process's, not a thread's: steps running in
two threads at once share one freeze, given back when the last one ends.
Objects a process froze itself (a pre-forking server does, to keep its pages
shared) are neither frozen again nor thawed: only the thresholds change for the
step. A process that switched the collector off is left as it is.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The collection thresholds during a step (the interpreter's default: 700, 10, 10).
STEP_THRESHOLDS = (7000, 20, 100)

_lock = threading.Lock()
_depth = 0
#: What :func:`step` gives back when the last step ends: the thresholds and whether it froze.
_saved: tuple[tuple[int, ...], bool] | None = None
#: Whether the process was found holding objects it froze itself, once a step found it so.
#: Looked up again until then: ``gc.get_freeze_count()`` walks every frozen object (7 ms
#: for a Django process that froze its start-up, at every step), but is instant at zero.
#: A process that thaws its objects later only has its steps freeze nothing of their own.
_process_froze = False


@contextmanager
def step() -> Iterator[None]:
    """Within: the objects of before are frozen and collections are rarer (see the module)."""
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _depth, _saved, _process_froze
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        if not gc.isenabled():
            _saved = None
            return
        _process_froze = _process_froze or gc.get_freeze_count() > 0
        froze = not _process_froze
        _saved = (gc.get_threshold(), froze)
        if froze:
            gc.freeze()
        gc.set_threshold(*STEP_THRESHOLDS)


def _leave() -> None:
    global _depth, _saved
    with _lock:
        _depth -= 1
        if _depth or _saved is None:
            return
        thresholds, froze = _saved
        _saved = None
        if froze:
            gc.unfreeze()
        gc.set_threshold(*thresholds)
