"""The machine's pace that a benchmark run reports (benchmarks/pace.py).

No timing is asserted: only what the report says of two paces, and what the loop does.
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


def test_the_loop_adds_at_a_modules_top_level_as_the_hand_timed_one_did() -> None:
    names: dict[str, object] = {}
    exec(pace.loop(1_000), names)  # noqa: S102 (the module's own constant code)

    assert names["total"] == sum(range(1_000))
    assert names["number"] == 999  # a global of the namespace, not a function's local


def test_a_measure_is_a_finite_time() -> None:
    seconds = pace.measure(repeat=2, additions=10_000)

    assert 0 < seconds < float("inf")
