"""A large file is scanned in a second process while its first batches are read and written.

Those batches commit only with the scan's verdict. What the shop ends up with
and what 1C is told are those of a scan first: a sound file ends as it would,
every count and message the same; a file the scan refuses leaves nothing
written, though batches were written before the verdict came.
``CML_EXCHANGE_SCAN_BESIDE_FROM = 1`` here sends every file that way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cml_exchange import signals
from cml_exchange.commerceml.reading.scan_process import ScanProcess, can_start
from cml_exchange.importer import Failed, ImportOptions, Progress, create_job, run
from cml_exchange.models import ImportJob, Product, ScannedFile
from tests.integration.importer.helpers import (
    assert_done,
    exchange_dir,
    run_to_end,
    snapshot,
    wipe,
)
from tests.integration.importer.test_value_limits import CASES, CATALOG, REFUSED, import_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not can_start(), reason="a scan beside the reader needs a second core"),
]

FILES = (
    "Dialdev__Santechtula__upload__1c_catalog__import",  # 163 groups, 1660 products
    "Dialdev__Santechtula__upload__1c_catalog__offers",
)


class BeforeTheVerdict:
    """Counts the batches of products and offers saved while their file's counts were unknown.

    A scan first puts the counts in the job before any batch is read; a scan
    beside the reader puts them in with its verdict.
    """

    def __init__(self) -> None:
        self.batches = 0
        signals.products_saved.connect(self.saved)
        signals.offers_saved.connect(self.saved)

    def saved(self, sender: Any, job: ImportJob, **kwargs: Any) -> None:
        name = job.files[job.file_index]
        if name not in job.state.get("scans", {}):
            self.batches += 1

    def close(self) -> None:
        signals.products_saved.disconnect(self.saved)
        signals.offers_saved.disconnect(self.saved)


@pytest.fixture
def before_the_verdict():
    counter = BeforeTheVerdict()
    yield counter
    counter.close()


def answering_after(monkeypatch: pytest.MonkeyPatch, looks: int) -> None:
    """Make every scan beside the reader answer after ``looks`` looks at it, at the soonest.

    As the scan of a file larger than the few entities these tests read before it answers.
    """
    looked = 0
    answered = ScanProcess.ready

    def slow(process: ScanProcess) -> bool:
        nonlocal looked
        looked += 1
        return looked > looks and answered(process)

    monkeypatch.setattr(ScanProcess, "ready", slow)


def stepwise(tmp_path: Path, budget: float) -> tuple[ImportJob, Any, set[str]]:
    """Import ``FILES`` in steps of ``budget``; the job, its result and every progress message."""
    directory, names = exchange_dir(tmp_path, *FILES)
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=97))
    messages = set()
    while isinstance(result := run(job, budget=budget), Progress):
        messages.add(result.message)
    job.refresh_from_db()
    return job, result, messages


@pytest.mark.parametrize("budget", [1e-9, 60.0], ids=["a batch a step", "one step"])
def test_a_sound_file_ends_as_after_a_scan_first(
    tmp_path, settings, before_the_verdict, budget, monkeypatch
):
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0
    first_job, first_result, first_messages = stepwise(tmp_path / "first", budget)
    assert_done(first_result)
    reference = snapshot(), first_job.counters, first_job.warning_counts, first_job.state["scans"]
    assert before_the_verdict.batches == 0
    wipe()
    ScannedFile.objects.all().delete()

    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    answering_after(monkeypatch, looks=3)  # the first file's groups fill two batches
    job, result, messages = stepwise(tmp_path / "beside", budget)

    assert_done(result)
    assert before_the_verdict.batches > 0  # written before the scan had answered
    assert (snapshot(), job.counters, job.warning_counts, job.state["scans"]) == reference
    assert result.message == first_result.message
    # The progress 1C is shown counts against the scan's totals all the same. (While the
    # scan runs, a step out of time reads on until its verdict rather than wait for it
    # idle: those steps show fewer, larger strides.)
    progress = {message for message in messages if message.startswith("Обработано")}
    assert progress <= {message for message in first_messages if message.startswith("Обработано")}
    if budget < 1:
        assert progress  # steps after the verdict: a batch each again
    assert ScannedFile.objects.count() == len(FILES)  # remembered, as after a scan first


def test_a_step_out_of_time_reads_on_until_the_scans_verdict(tmp_path, settings, monkeypatch):
    """It would wait for the verdict to commit anyway: it reads on instead of waiting idle."""
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    answering_after(monkeypatch, looks=10)
    directory, names = exchange_dir(tmp_path, *FILES)
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=97))

    assert isinstance(run(job, budget=1e-9), Progress)
    job.refresh_from_db()
    # Not the one batch of its budget: five at least (ten looks before the verdict), or the
    # whole file when the scan's process answered only after that (a machine under load).
    assert (job.stage == "read" and job.position >= 5 * 97) or (
        (job.file_index, job.stage) == (1, "scan")
    )
    assert job.state["scans"][names[0]]["products"] == 1660  # committed with the verdict
    assert_done(run_to_end(job, budget=1e-9))


@pytest.mark.parametrize(("name", "says"), REFUSED, ids=[case[0] for case in REFUSED])
def test_a_refused_file_leaves_nothing_though_batches_were_written(
    tmp_path, settings, before_the_verdict, name, says
):
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    job, result = import_text(tmp_path, name, (CASES / name).read_text(encoding="utf-8"))

    assert isinstance(result, Failed), result
    assert result.message.startswith(f"Файл {name} не загружен: {says}")
    assert job.stage == "scan"
    assert {model.__name__: model.objects.count() for model in CATALOG} == dict.fromkeys(
        (model.__name__ for model in CATALOG), 0
    )
    assert not ScannedFile.objects.exists()


def test_the_window_wrote_before_a_refusal_and_took_it_back(
    tmp_path, settings, before_the_verdict, monkeypatch
):
    """Batches of one entity written while the scan is still at work go with its refusal.

    The file's price type and warehouse come before its offers: a scan that answers
    after five looks (one a batch) leaves three batches of offers written before it.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    answering_after(monkeypatch, looks=5)
    name = "offer_id_too_long.xml"
    job, result = import_text(tmp_path, name, (CASES / name).read_text(encoding="utf-8"))

    assert isinstance(result, Failed), result
    assert before_the_verdict.batches >= 1
    assert job.stage == "scan"
    assert not any(model.objects.exists() for model in CATALOG)


def test_a_file_cut_short_is_refused_with_the_scans_words(tmp_path, settings, before_the_verdict):
    # Offers come first in this file: its first batch is written before the verdict is
    # first looked at, however fast the scan.
    directory, (name,) = exchange_dir(tmp_path, FILES[1])
    whole = (directory / name).read_bytes()
    (directory / name).write_bytes(whole[: len(whole) * 3 // 4])  # an upload broken off

    said = {}
    for mode, smallest in (("first", 0), ("beside", 1)):
        settings.CML_EXCHANGE_SCAN_BESIDE_FROM = smallest
        job = create_job([name], base_dir=directory, options=ImportOptions(batch_size=25))
        result = run_to_end(job)
        job.refresh_from_db()
        assert isinstance(result, Failed), result
        assert job.stage == "scan"
        assert not Product.objects.exists()
        said[mode] = result.message

    assert before_the_verdict.batches > 0
    assert said["beside"] == said["first"]
    assert said["first"].startswith("Файл оборван")
    assert name in said["first"]
