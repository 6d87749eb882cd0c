"""The instruction counter of benchmarks/instructions.py: what it reads, and what it refuses.

Nothing runs under valgrind here (a counted run of Django's set-up takes a quarter of a
minute): the count is read from callgrind's own summary, and a child that fails is an
error, never a figure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import instructions

CALLGRIND_END = """\
==4242== Events    : Ir
==4242== Collected : 9317672863
==4242==
==4242== I   refs:      9,317,672,863
"""


def test_the_count_is_callgrinds_collected_instructions() -> None:
    assert instructions.collected(CALLGRIND_END) == 9_317_672_863


def test_output_without_a_count_is_an_error_not_zero() -> None:
    with pytest.raises(ValueError, match="Collected"):
        instructions.collected("==4242== Callgrind, a call-graph generating cache profiler\n")


def test_a_child_whose_import_fails_is_an_error_with_its_output(tmp_path: Path) -> None:
    """No migrated database in the work folder: the child fails, and says why."""
    missing = tmp_path / "import.xml"

    with pytest.raises(RuntimeError, match=r"migrated\.sqlite3"):
        instructions.count([missing], tmp_path, counted=False)
