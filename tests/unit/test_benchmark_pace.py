"""The machine's pace that a benchmark run reports (benchmarks/pace.py).

No timing is asserted: only what the report says of two paces, and that the loop runs.
"""

from __future__ import annotations

import pytest

from benchmarks import pace


def test_a_steady_run_names_both_paces_and_nothing_more() -> None:
    line = pace.describe(1.12, 1.25)

    assert line == "machine pace: 10⁷ additions in 1.12 s at the start, 1.25 s at the end"


@pytest.mark.parametrize(("start", "end"), [(0.6, 1.3), (1.3, 0.6)])
def test_a_run_whose_pace_moved_more_than_a_fifth_says_so_either_way(
    start: float, end: float
) -> None:
    line = pace.describe(start, end)

    assert "moved 2.2× during the run" in line
    assert f"{start:.2f} s at the start, {end:.2f} s at the end" in line


def test_the_loop_is_timed_as_the_best_of_its_repeats() -> None:
    seconds = pace.measure(repeat=2, additions=10_000)

    assert 0 < seconds < 1
