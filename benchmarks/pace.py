"""The machine's pace: how long a fixed pure-Python loop takes, to read a run's figures by.

The machines these benchmarks run on are shared, and their speed swings: the same
import took 5 s in one hour and 8 s in the next, and a loop of 10⁷ integer
additions 0.53 s in a quick phase and 1.0–1.4 s in a slow one. In a slow phase the
host leaves less of a second core, so the ratios of work that runs beside the
importing thread (the scan's process, the late writes, PostgreSQL's server) grow
against the one-core floor (docs/performance.md, "the thirtieth session"). A run
notes the pace at its start and at its end; compare its ratios with those of runs
of a like pace, and read a run whose pace moved a lot with care.
"""

from __future__ import annotations

import time
from types import CodeType
from typing import Final

#: Integer additions in the loop; the figure earlier sessions took by hand.
ADDITIONS: Final = 10_000_000
#: A run whose pace moved by more than this share between its start and its end is flagged.
DRIFT: Final = 0.2


def measure(repeat: int = 3, additions: int = ADDITIONS) -> float:
    """Seconds a pure-Python loop of ``additions`` integer additions takes, the best of ``repeat``.

    The loop runs at a module's top level (its names in a dict, not a function's
    locals), as ``python3 -c`` ran it when earlier sessions took the figure by hand,
    so that today's figures read against theirs (a function's loop runs about three
    times faster).
    """
    code = loop(additions)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        exec(code, {})  # noqa: S102 (our own constant code)
        best = min(best, time.perf_counter() - started)
    return best


def loop(additions: int) -> CodeType:
    """The timed loop: ``total`` the sum of ``range(additions)``, its names a module's globals."""
    source = f"total = 0\nfor number in range({additions}):\n    total += number\n"
    return compile(source, "pace", "exec")


def describe(start: float, end: float) -> str:
    """A line for the run's report: the pace at its start and end, and whether it moved."""
    line = f"machine pace: 10⁷ additions in {start:.2f} s at the start, {end:.2f} s at the end"
    slower, faster = max(start, end), min(start, end)
    if faster > 0 and slower / faster - 1 > DRIFT:
        line += (
            f" (it moved {slower / faster:.1f}× during the run: figures from its start and its "
            "end are not alike)"
        )
    return line
