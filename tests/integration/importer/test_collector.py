"""An import step and Python's garbage collector: quieter during the step, as it was after.

The collector's settings belong to the whole process (a web worker, a task
worker), not to the app: a step may change them only for its own time.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from cml_exchange.importer import Failed, ImportOptions, collector, create_job, run
from cml_exchange.models import ImportJob, Product
from tests.integration.importer.helpers import assert_done, exchange_dir

pytestmark = pytest.mark.django_db

FILES = ("carono__php-commerceml__tests__xml__import", "carono__php-commerceml__tests__xml__offers")


@pytest.fixture(autouse=True)
def _a_fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test a process whose steps have not yet found it holding frozen objects."""
    monkeypatch.setattr(collector, "_process_froze", False)


def _import_watching_the_collector(tmp_path: Path) -> list[tuple[Any, ...]]:
    """Import two sample files in one step; the collector's state at each batch and stage."""
    directory, files = exchange_dir(tmp_path, *FILES)
    job = create_job(files, base_dir=directory, options=ImportOptions(batch_size=3))
    seen: list[tuple[Any, ...]] = []

    def watch(job: ImportJob) -> None:
        seen.append((gc.isenabled(), gc.get_threshold(), gc.get_freeze_count() > 0))

    assert_done(run(job, None, progress=watch))
    assert Product.objects.count() == 2
    return seen


def test_during_a_step_the_objects_of_before_are_frozen_and_collections_rarer(tmp_path):
    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0  # the test process froze nothing itself
    seen = _import_watching_the_collector(tmp_path)
    assert len(seen) > 5
    assert set(seen) == {(True, collector.STEP_THRESHOLDS, True)}
    # After the step: nothing left frozen, the thresholds the process had.
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


def test_objects_the_process_froze_itself_stay_frozen(tmp_path):
    thresholds = gc.get_threshold()
    marker = ["an object of the process's own"]
    gc.freeze()
    try:
        seen = _import_watching_the_collector(tmp_path)
        assert {state[1] for state in seen} == {collector.STEP_THRESHOLDS}
        # Not thawed by the step's end (a pre-forking server's shared pages stay shared):
        # the collector's generations, which a frozen object has left, do not hold it.
        assert not any(tracked is marker for tracked in gc.get_objects())
        assert gc.get_threshold() == thresholds
    finally:
        gc.unfreeze()


def test_a_process_that_froze_itself_is_looked_up_once_not_at_every_step(tmp_path, monkeypatch):
    """Counting the frozen objects walks them all (7 ms for a Django process): once a process."""
    looked: list[int] = []
    count_frozen = gc.get_freeze_count

    def counting() -> int:
        looked.append(count_frozen())
        return looked[-1]

    monkeypatch.setattr(gc, "get_freeze_count", counting)
    gc.freeze()
    try:
        for number in range(3):
            directory, files = exchange_dir(tmp_path / str(number), *FILES)
            assert_done(run(create_job(files, base_dir=directory, options=ImportOptions()), None))
    finally:
        gc.unfreeze()
    assert len(looked) == 1 and looked[0] > 0


def test_a_process_with_the_collector_off_is_left_alone(tmp_path):
    thresholds = gc.get_threshold()
    gc.disable()
    try:
        seen = _import_watching_the_collector(tmp_path)
        assert set(seen) == {(False, thresholds, False)}
        assert not gc.isenabled()
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_step_that_fails_gives_the_collector_back(tmp_path):
    thresholds = gc.get_threshold()
    directory = tmp_path / "exchange"
    directory.mkdir()
    (directory / "import.xml").write_bytes(b"<?xml version='1.0'?><broken")
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions())
    result = run(job, None)
    assert isinstance(result, Failed)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds
