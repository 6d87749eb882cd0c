"""A file's first entities are read while the last file's commit still runs.

The step would otherwise wait for that commit idle. What was read ahead is
handled as if it were read in turn: the shop ends the same, a broken file fails
with the same words, a file whose items are stored as they are is passed over,
and a step that ends right after the read-ahead goes on where it stopped.

Here the commit is made to look unfinished throughout, so that the read-ahead
goes as far as it may (a batch) whatever the machine's speed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cml_exchange.commerceml import entities as cml
from cml_exchange.commerceml.errors import CommerceMLError
from cml_exchange.commerceml.reading._elements import ElementHandlers
from cml_exchange.importer import (
    Done,
    Failed,
    ImportOptions,
    Progress,
    create_job,
    late_commit,
    run,
)
from cml_exchange.importer.read_stage import ReadStage
from cml_exchange.models import ImportJob, Offer, Product, ScannedFile
from tests.integration.importer.helpers import (
    assert_done,
    exchange_dir,
    run_to_end,
    snapshot,
    wipe,
)

pytestmark = pytest.mark.django_db(transaction=True)  # commits left running, as in a site

FILES = (
    "Dialdev__Santechtula__upload__1c_catalog__import",  # 163 groups, 1660 products
    "Dialdev__Santechtula__upload__1c_catalog__offers",  # 1660 offers
)


class ReadAhead:
    """Records what each read-ahead read: ``{file name: [entity types]}``; or turns it off."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, on: bool = True) -> None:
        self.read: dict[str, list[type]] = {}
        original = ReadStage._read_ahead

        def recording(stage: ReadStage, session: Any, *, remembered: bool) -> None:
            if not on:
                return
            original(stage, session, remembered=remembered)
            ahead = stage._ahead
            if ahead is not None:
                name = stage.job.files[ahead.index]
                self.read[name] = [type(entity) for entity in ahead.read]

        monkeypatch.setattr(ReadStage, "_read_ahead", recording)
        # The last commit never seems done: the read-ahead reads all it may.
        monkeypatch.setattr(late_commit, "finished", lambda connection: False)


def import_files(
    directory: Path, names: list[str], *, batch_size: int = 200
) -> tuple[ImportJob, Any]:
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=batch_size))
    result = run_to_end(job)
    job.refresh_from_db()
    return job, result


def forget() -> None:
    """Delete the catalog and the remembered scans: the next import is a first one again."""
    wipe()
    ScannedFile.objects.all().delete()


def outcome(job: ImportJob, result: Any) -> tuple[Any, ...]:
    return snapshot(), job.counters, job.warning_counts, result.message


@pytest.mark.parametrize("scan_beside_from", [0, 1], ids=["scan first", "scan beside"])
def test_files_read_ahead_end_as_files_read_in_turn(
    tmp_path, settings, monkeypatch, scan_beside_from
):
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = scan_beside_from
    directory, names = exchange_dir(tmp_path, *FILES)
    with monkeypatch.context() as off:
        ReadAhead(off, on=False)
        job, result = import_files(directory, names)
    assert_done(result)
    reference = outcome(job, result)
    forget()

    read_ahead = ReadAhead(monkeypatch)
    job, result = import_files(directory, names)

    assert_done(result)
    assert outcome(job, result) == reference
    # The offers file's first batch, 200 entities (its header and price types among
    # them), was read while the catalog's last batch committed.
    (offers,) = read_ahead.read.values()
    assert len(offers) == 200
    assert offers.count(cml.Offer) > 150


def test_a_step_that_ends_after_the_read_ahead_goes_on_where_it_stopped(
    tmp_path, settings, monkeypatch
):
    """The reader read ahead is kept for the next step as any reader is, and goes on."""
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0
    directory, names = exchange_dir(tmp_path, *FILES)
    with monkeypatch.context() as off:
        ReadAhead(off, on=False)
        job, result = import_files(directory, names, batch_size=50)
    reference = outcome(job, result)
    forget()

    read_ahead = ReadAhead(monkeypatch)
    now = 0.0
    flush = ReadStage._flush

    ended = False

    def flush_then_out_of_time(stage: ReadStage, *args: Any, **kw: Any) -> Any:
        nonlocal now, ended
        reported = flush(stage, *args, **kw)
        if read_ahead.read and not ended:
            now, ended = 1e6, True  # the step's time runs out with the second file's first batch
        return reported

    def clock() -> float:
        return now

    monkeypatch.setattr(ReadStage, "_flush", flush_then_out_of_time)
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=50))
    results = []
    while not results or isinstance(results[-1], Progress):
        now = 0.0
        results.append(run(job, 60.0, clock=clock))
    job.refresh_from_db()

    assert len(read_ahead.read[names[1]]) == 50
    # The first step ended after the offers' first batch; the next went on with its reader.
    assert [type(result) for result in results] == [Progress, Done]
    assert job.counters["offers_created"] == 1660
    assert outcome(job, results[-1]) == reference


def test_a_broken_file_fails_in_the_same_words_and_leaves_nothing(tmp_path, settings, monkeypatch):
    """The reader's error, met while reading ahead, comes where it would have come."""
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1  # the scan's refusal is what 1C is told
    directory, names = exchange_dir(tmp_path, *FILES)
    offers = directory / names[1]
    whole = offers.read_bytes()
    offers.write_bytes(whole[: len(whole) // 20])  # cut in its first batch of 200

    said = {}
    for mode in ("in turn", "ahead"):
        forget()
        with monkeypatch.context() as patched:
            read_ahead = ReadAhead(patched, on=mode == "ahead")
            job, result = import_files(directory, names)
        assert isinstance(result, Failed), result
        assert job.file_index == 1
        assert Product.objects.count() == 1660  # the catalog before it stays
        assert not Offer.objects.exists()
        said[mode] = result.message

    assert 0 < len(read_ahead.read[names[1]]) < 200  # read up to the break
    assert said["ahead"] == said["in turn"]
    assert names[1] in said["ahead"]


def test_the_readers_error_comes_where_it_would_have_come(tmp_path, settings, monkeypatch):
    """A file the scan found sound, whose reading fails at its tenth offer (a reader's bug).

    Read ahead, the error waits for the entities before it: the job fails in the
    same words, with nothing of that file written, not as if the file ended there.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0
    directory, names = exchange_dir(tmp_path, *FILES)
    built = ElementHandlers._offer
    offers_built = 0

    def failing_at_the_tenth(handlers: ElementHandlers, element: Any) -> Any:
        nonlocal offers_built
        offers_built += 1
        if offers_built == 10:
            raise CommerceMLError("Сбой чтения предложения")
        return built(handlers, element)

    monkeypatch.setattr(ElementHandlers, "_offer", failing_at_the_tenth)
    said = {}
    for mode in ("in turn", "ahead"):
        forget()
        offers_built = 0
        with monkeypatch.context() as patched:
            read_ahead = ReadAhead(patched, on=mode == "ahead")
            job, result = import_files(directory, names)
        assert isinstance(result, Failed), result
        assert (job.file_index, Product.objects.count(), Offer.objects.count()) == (1, 1660, 0)
        said[mode] = result.message

    assert read_ahead.read[names[1]].count(cml.Offer) == 9  # then the error
    assert said["ahead"] == said["in turn"]
    assert "Сбой чтения предложения" in said["ahead"]


def test_a_file_stored_as_it_is_is_not_read_ahead_past_its_first_item(
    tmp_path, settings, monkeypatch
):
    """Sent again unchanged, its items are passed over unread: the read-ahead stops there too.

    The catalog before it comes with its last product renamed, so that its last batch
    is written and its commit runs at the offers file's start.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0
    directory, names = exchange_dir(tmp_path, *FILES)
    assert_done(import_files(directory, names)[1])
    catalog = directory / names[0]
    text = catalog.read_text(encoding="cp1251")  # as its declaration says
    product = text.index("<Наименование>", text.rindex("<Товар>"))
    renamed = text[:product] + "<Наименование>Новое имя: " + text[product + 14 :]
    catalog.write_text(renamed, encoding="cp1251")

    read_ahead = ReadAhead(monkeypatch)
    job, result = import_files(directory, names)

    assert_done(result)
    assert job.counters["products_updated"] == 1
    assert job.counters["offers_unchanged"] == 1660
    (offers,) = read_ahead.read.values()
    assert offers[-1] is cml.ItemsAhead
    assert cml.Offer not in offers and cml.Unchanged not in offers
