"""Steps of one import in one process go on with the reader the last step left open."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generator import generate_catalog
from cml_exchange.importer import (
    Done,
    ImportOptions,
    Progress,
    create_job,
    open_readers,
    read_stage,
    run,
)
from cml_exchange.models import Offer, Price, Product

pytestmark = pytest.mark.django_db


def _import_in_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any, *, drop_readers: bool
) -> tuple[int, int]:
    # Each file scanned before it is read: a step out of time with a scan beside still
    # running reads on until its verdict, as many batches as the machine's speed allows.
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0
    open_readers.clear()  # what earlier tests' jobs left open in this process
    generate_catalog(tmp_path / "data", 300, seed=7)
    made = []
    original = read_stage.CmlReader

    def counting(*args, **kwargs):
        made.append(kwargs.get("skip"))
        return original(*args, **kwargs)

    monkeypatch.setattr(read_stage, "CmlReader", counting)
    job = create_job(
        ["import.xml", "offers.xml"],
        base_dir=tmp_path / "data",
        options=ImportOptions(batch_size=50),
    )
    steps = 0
    # A clock that moves ten seconds a reading: each step runs out after one batch.
    ticks = itertools.count(step=10.0)
    while isinstance(result := run(job, 1.0, clock=lambda: next(ticks)), Progress):
        steps += 1
        if drop_readers:  # as if each step ran in a new process
            open_readers.clear()
    assert isinstance(result, Done)
    return steps, len(made)


def test_one_reader_per_file_however_many_steps(tmp_path, monkeypatch, settings):
    steps, readers = _import_in_steps(tmp_path, monkeypatch, settings, drop_readers=False)
    assert steps > 10
    assert readers == 2
    assert Product.objects.count() == 300
    assert Price.objects.count() > Offer.objects.count() >= 300
    assert open_readers.count() == 0  # nothing left open once the files are read


def test_a_step_in_another_process_starts_a_reader_at_the_position(tmp_path, monkeypatch, settings):
    _steps, readers = _import_in_steps(tmp_path, monkeypatch, settings, drop_readers=True)
    assert readers > 10
    assert Product.objects.count() == 300
    assert Price.objects.count() > Offer.objects.count() >= 300
