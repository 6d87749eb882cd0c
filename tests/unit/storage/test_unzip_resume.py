"""The zip extractor in steps: resuming after a crash, a lost file or a stale position."""

import json
from pathlib import Path

import pytest

from cml_exchange.storage.unzip import (
    UnzipPosition,
    unzip_step,
)
from tests.unit.storage.unzip_cases import (
    BIG,
    IMPORT_XML,
    MiB,
    build,
    far,
    files,
    past,
    unzip_all,
    unzip_in_steps,
)

# --- steps and resuming -------------------------------------------------------------------------


@pytest.fixture
def mixed_archive(tmp_path: Path) -> Path:
    small = [(f"import_files/{i % 3}/{i}.jpg", bytes([i]) * (i * 100)) for i in range(20)]
    return build(
        tmp_path / "mixed.zip",
        [
            ("import.xml", IMPORT_XML),
            ("import_files/", b""),
            *small[:10],
            ("big.bin", BIG),
            *small[10:],
        ],
    )


def test_steps_with_no_time_left_end_like_one_shot(tmp_path, mixed_archive):
    one_shot = unzip_all(mixed_archive, tmp_path / "one")
    steps = unzip_in_steps(mixed_archive, tmp_path / "stepwise")

    assert files(tmp_path / "stepwise") == files(tmp_path / "one")
    assert files(tmp_path / "one")["big.bin"] == BIG
    # Minimal progress: one entry or one chunk per call.
    assert all(len(step.extracted) + len(step.skipped) <= 1 for step in steps)
    assert len(steps) == one_shot.entries + 4  # big.bin: 5 chunks over 5 calls
    assert sum((step.extracted for step in steps), ()) == one_shot.extracted
    assert steps[-1].position == one_shot.position
    paused = [step.position.offset for step in steps if step.position.offset]
    assert paused == [MiB, 2 * MiB, 3 * MiB, 4 * MiB]


def test_file_is_not_visible_until_complete(tmp_path, mixed_archive):
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset == 0:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    assert not (target / "big.bin").exists()
    [part] = target.glob(".big.bin.*.unzip-part")
    assert part.stat().st_size == position.offset


def test_resume_after_a_crash_truncated_the_temporary_file(tmp_path, mixed_archive):
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset < 3 * MiB:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    [part] = target.glob(".big.bin.*.unzip-part")
    with part.open("r+b") as file:
        file.truncate(position.offset - 1000)  # the last write never reached the disk

    steps = unzip_in_steps(mixed_archive, target, position.to_dict())
    assert steps[0].position.offset == MiB  # started big.bin again
    unzip_all(mixed_archive, tmp_path / "one")
    assert files(target) == files(tmp_path / "one")
    assert not list(target.rglob("*.unzip-part"))


def test_resume_after_a_temporary_file_was_deleted(tmp_path, mixed_archive):
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset < 2 * MiB:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    next(target.glob(".big.bin.*.unzip-part")).unlink()

    steps = unzip_in_steps(mixed_archive, target, position.to_dict())
    assert steps[0].position.offset == MiB  # started big.bin again
    unzip_all(mixed_archive, tmp_path / "one")
    assert files(target) == files(tmp_path / "one")


@pytest.mark.parametrize("lost", ["one chunk", "to the end"])
def test_resume_from_a_position_that_was_never_saved(tmp_path, mixed_archive, lost):
    """A worker dies after a step but before storing its position: the work is redone."""
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset < MiB:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    # The lost step leaves big.bin's temporary file longer than the saved offset,
    # or finishes big.bin and everything after it.
    lost_deadline = past() if lost == "one chunk" else far()
    unzip_step(mixed_archive, target, position, deadline=lost_deadline)

    unzip_in_steps(mixed_archive, target, position.to_dict())
    unzip_all(mixed_archive, tmp_path / "one")
    assert files(target) == files(tmp_path / "one")
    assert not list(target.rglob("*.unzip-part"))


def test_position_json_round_trip_and_validation():
    position = UnzipPosition(entry=3, offset=MiB, written=5 * MiB)
    assert UnzipPosition.from_dict(json.loads(json.dumps(position.to_dict()))) == position
    assert UnzipPosition.from_dict({}) == UnzipPosition()
    for bad in ({"entry": -1}, {"offset": "1"}, {"written": 1.5}, {"entry": True}):
        with pytest.raises(ValueError, match="non-negative int"):
            UnzipPosition.from_dict(bad)
