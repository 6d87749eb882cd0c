"""An import cut into steps, or broken off by a crash, ends where an uninterrupted one does."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from benchmarks.generator.pictures import TINY_JPEG
from cml_exchange import signals
from cml_exchange.importer import Done, Failed, ImportOptions, Progress, create_job, run
from cml_exchange.models import ImportJob, Product, ProductImage
from tests.integration.importer.helpers import (
    assert_done,
    exchange_dir,
    import_samples,
    run_to_end,
    snapshot,
    wipe,
)

pytestmark = pytest.mark.django_db

FILES = (
    "Dialdev__Santechtula__upload__1c_catalog__import",  # 163 groups in a tree, 1660 products
    "Dialdev__Santechtula__upload__1c_catalog__offers",
    "gillbeits__commerceml__example__import___",  # 1908 properties
    "gillbeits__commerceml__example__offers___",
    "gillbeits__commerceml__example__prices___",
    "gillbeits__commerceml__example__rests___",
)


@pytest.fixture
def uninterrupted(tmp_path):
    """The snapshot and counters of an import done in one go."""
    job, result = import_samples(tmp_path / "reference", *FILES, batch_size=97)
    assert_done(result)
    reference = snapshot(), job.counters, job.warning_counts
    wipe()
    return reference


def test_a_near_zero_budget_resumes_every_stage_many_times(tmp_path, uninterrupted):
    directory, names = exchange_dir(tmp_path / "steps", *FILES)
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=97))
    steps = 0
    messages = set()
    while isinstance(result := run(job, budget=1e-9), Progress):
        steps += 1
        messages.add(result.message)
    assert_done(result)
    job.refresh_from_db()
    assert steps > 60  # every batch of every file was its own step
    # 163 groups, then products, in batches of 97: the first batch with products has 31.
    assert "Обработано 31 из 1660 товаров." in messages
    assert "Обработано 128 из 1660 товаров." in messages
    assert "Файл Dialdev__Santechtula__upload__1c_catalog__import.xml загружен." in messages
    assert (snapshot(), job.counters, job.warning_counts) == uninterrupted


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the importer catches it."""


def run_until_crash(job: ImportJob, signal: Any, receiver: Callable[..., None]) -> None:
    """Run ``job`` with ``receiver`` on ``signal`` until it raises :class:`SimulatedCrash`."""
    signal.connect(receiver)
    try:
        with pytest.raises(SimulatedCrash):
            run(job, budget=None)
    finally:
        signal.disconnect(receiver)
    job.refresh_from_db()


def test_a_crash_between_batches_loses_nothing_and_repeats_nothing(tmp_path, uninterrupted):
    directory, names = exchange_dir(tmp_path / "crash", *FILES)
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=97))
    batches = {"n": 0}

    def crash_on_the_seventh_batch(**kwargs):
        batches["n"] += 1
        if batches["n"] == 7:
            raise SimulatedCrash

    run_until_crash(job, signals.products_saved, crash_on_the_seventh_batch)
    # The batches before the crash were committed with the job's position; the seventh
    # rolled back whole. The file's 163 groups come before its products.
    assert 6 * 97 - 163 < Product.objects.count() < 1660
    assert job.position == 163 + Product.objects.count()

    assert_done(run_to_end(job))
    job.refresh_from_db()
    assert (snapshot(), job.counters, job.warning_counts) == uninterrupted


def test_a_crash_in_a_files_first_batch_leaves_it_to_its_scan(tmp_path, settings, uninterrupted):
    """A crash in a file's first batch leaves the job at the file's scan, and it goes on.

    The move to a file's reading is saved with its first batch; the scan, done again,
    finds the file's counts remembered.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0  # scanned first, then read
    directory, names = exchange_dir(tmp_path / "crash", *FILES)
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=97))

    def crash_in_the_first_batch_of_offers(**kwargs):
        raise SimulatedCrash

    run_until_crash(job, signals.offers_saved, crash_in_the_first_batch_of_offers)
    assert (job.file_index, job.stage, job.position) == (1, ImportJob.Stage.SCAN, 0)
    assert Product.objects.count() == 1660  # the catalog before it, whole

    assert_done(run_to_end(job))
    job.refresh_from_db()
    assert (snapshot(), job.counters, job.warning_counts) == uninterrupted


def test_a_job_another_process_is_running_is_left_alone(tmp_path):
    directory, names = exchange_dir(tmp_path, "carono__php-commerceml__tests__xml__import")
    job = create_job(names, base_dir=directory)
    later = timezone.now() + dt.timedelta(minutes=5)
    ImportJob.objects.filter(pk=job.pk).update(lease_owner="other-worker", lease_until=later)
    result = run(job, budget=None)
    assert result == Progress("Импорт уже выполняется другим запросом, ожидайте.")
    job.refresh_from_db()
    assert (job.status, job.steps, Product.objects.count()) == (ImportJob.Status.PENDING, 0, 0)
    # A process that died without letting go: its lease runs out, and the job goes on.
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert isinstance(run(job, budget=None), Done)
    assert Product.objects.count() == 2


def take_over(job: ImportJob, until: dt.datetime) -> None:
    """Another worker takes ``job`` over, as when this step's lease ran out unrenewed."""
    ImportJob.objects.filter(pk=job.pk).update(lease_owner="other-worker", lease_until=until)


def test_a_step_renews_its_lease_after_each_batch_and_stops_once_it_lost_it(tmp_path, settings):
    """A long step is not taken for dead; one whose job was taken over writes nothing more.

    A worker paused past its lease (or a batch that outlasted it) finds the job
    another worker's at its next save: that batch rolls back, the step ends as for
    a job another process runs, and the job stays as the other worker holds it.
    The file is scanned first, so that each batch is a transaction of its own and
    the takeover comes between two of them, as another worker's would.
    """
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0
    directory, names = exchange_dir(tmp_path, "Dialdev__Santechtula__upload__1c_catalog__import")
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=200))
    leases: list[tuple[str, dt.datetime | None]] = []
    at_takeover: dict[str, object] = {}

    def seen(job: ImportJob) -> None:
        stored = ImportJob.objects.get(pk=job.pk)
        leases.append((stored.lease_owner, stored.lease_until))
        if len(leases) == 4:
            take_over(job, later)
            at_takeover.update(position=stored.position, products=Product.objects.count())

    later = timezone.now() + dt.timedelta(hours=2)
    started = timezone.now()
    result = run(job, budget=None, owner="this-worker", lease=600, progress=seen)

    assert result == Progress("Импорт уже выполняется другим запросом, ожидайте.")
    ours = [until for owner, until in leases]
    assert len(leases) == 4 and {owner for owner, _until in leases} == {"this-worker"}
    assert all(until is not None and until >= started + dt.timedelta(seconds=600) for until in ours)
    assert ours == sorted(ours) and ours[0] < ours[-1]  # pushed on, batch after batch
    job.refresh_from_db()
    # The batch that found the job taken rolled back: nothing of it, nor of its save, stays.
    assert (job.lease_owner, job.lease_until) == ("other-worker", later)
    assert (job.position, job.status) == (at_takeover["position"], ImportJob.Status.RUNNING)
    assert Product.objects.count() == at_takeover["products"] < 1660

    # The other worker's lease runs out in its turn: the job goes on from where it stood.
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert_done(run(job, budget=None))
    assert Product.objects.count() == 1660


def test_a_step_that_lost_its_job_does_not_fail_it(tmp_path, settings):
    """An error in a step whose job another worker took over leaves the job to that worker."""
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0  # a transaction a batch
    directory, names = exchange_dir(tmp_path, "Dialdev__Santechtula__upload__1c_catalog__import")
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=200))
    later = timezone.now() + dt.timedelta(hours=2)
    batches: list[int] = []
    failed: list[object] = []

    def taken_over(job: ImportJob) -> None:
        if len(batches) == 2:
            take_over(job, later)

    def broken_after_the_takeover(**kwargs: object) -> None:
        batches.append(1)
        if len(batches) == 3:
            raise RuntimeError("the disk went away")

    def import_failed(**kwargs: object) -> None:
        failed.append(kwargs["error"])

    signals.products_saved.connect(broken_after_the_takeover)
    signals.import_failed.connect(import_failed)
    try:
        result = run(job, budget=None, owner="this-worker", progress=taken_over)
    finally:
        signals.products_saved.disconnect(broken_after_the_takeover)
        signals.import_failed.disconnect(import_failed)

    assert len(batches) == 3
    assert result == Progress("Импорт уже выполняется другим запросом, ожидайте.")
    assert failed == []
    job.refresh_from_db()
    assert (job.status, job.error, job.lease_owner) == (
        ImportJob.Status.RUNNING, "", "other-worker",
    )  # fmt: skip


def test_a_step_goes_on_from_where_the_jobs_last_holder_left_it(tmp_path, monkeypatch):
    """A step looks at its job again once it holds the lease, not before.

    Another worker may end its own step on the job between the look a step takes
    first (to answer a finished job at once) and the lease: the step must not go
    on from what the job was before that other step.
    """
    directory, names = exchange_dir(tmp_path, "Dialdev__Santechtula__upload__1c_catalog__import")
    job = create_job(names, base_dir=directory, options=ImportOptions(batch_size=200))
    lease = ImportJob.lease
    others: list[object] = []

    def lease_after_another_workers_step(self: ImportJob, *args: Any, **kwargs: Any) -> Any:
        if not others:  # another worker runs the whole job, then lets its lease go
            others.append(None)
            others.append(run(ImportJob.objects.get(pk=self.pk), budget=None))
        return lease(self, *args, **kwargs)

    monkeypatch.setattr(ImportJob, "lease", lease_after_another_workers_step)
    result = run(job, budget=None)

    assert_done(others[1])
    assert result == others[1]  # the other worker's import, not a second one over it
    job.refresh_from_db()
    assert (job.steps, job.counters) == (1, {"groups": 163, "products_created": 1660})


def test_an_import_survives_a_broken_file_without_writing_any_of_it(tmp_path):
    directory, names = exchange_dir(tmp_path, "Dialdev__Santechtula__upload__1c_catalog__import")
    path = directory / names[0]
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    job = create_job(names, base_dir=directory)
    result = run(job, budget=None)
    assert isinstance(result, Failed)
    assert "оборван" in result.message
    assert Product.objects.count() == 0
    job.refresh_from_db()
    assert (job.status, job.error) == (ImportJob.Status.FAILED, result.message)
    assert isinstance(run(job, budget=None), Failed)  # failed for good


def test_a_zip_archive_imports_like_its_files(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    plain, names = exchange_dir(
        tmp_path / "plain",
        "carono__php-commerceml__tests__xml__offers",
        "carono__php-commerceml__tests__xml__import",
    )
    pictures = [
        "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d1.jpg",
        "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d2.jpg",
    ]
    for picture in pictures:
        (plain / picture).parent.mkdir(parents=True, exist_ok=True)
        (plain / picture).write_bytes(TINY_JPEG + picture.encode())
    job = create_job(sorted(names), base_dir=plain)
    assert_done(run_to_end(job))
    expected = snapshot()
    wipe()

    packed = tmp_path / "packed"
    packed.mkdir()
    with zipfile.ZipFile(packed / "v8_1C_exchange.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(plain.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(plain).as_posix())
    job = create_job(["v8_1C_exchange.zip"], base_dir=packed)
    messages = []
    while isinstance(result := run(job, budget=1e-9), Progress):
        messages.append(result.message)
    assert isinstance(result, Done)
    # Bitrix's messages: one entry per step while unpacking, then the import.
    unpacking = messages.index("Распаковка архива завершена.")
    assert set(messages[:unpacking]) == {"Идет распаковка архива."}
    assert unpacking >= 2
    job.refresh_from_db()
    # Unpacked, then imported classifier and products first, offers second.
    assert job.files == [
        "v8_1C_exchange.zip",
        "carono__php-commerceml__tests__xml__import.xml",
        "carono__php-commerceml__tests__xml__offers.xml",
    ]
    assert snapshot() == expected
    assert ProductImage.objects.count() == 2


def test_a_workers_unzip_is_saved_in_pieces_that_renew_its_lease(tmp_path, settings):
    """A step without a budget (a worker's) unpacks a large archive a piece at a time.

    Each piece, no longer than a third of the lease, is saved, which renews the lease:
    unpacked in one go, an archive that outlasts the lease had the job taken over by the
    next worker, and the unpacking lost. The clock here says that every piece took 25 s
    of a 60 s lease.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    plain, names = exchange_dir(tmp_path / "plain", "carono__php-commerceml__tests__xml__import")
    packed = tmp_path / "packed"
    packed.mkdir()
    with zipfile.ZipFile(packed / "v8_1C_exchange.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(plain / names[0], names[0])
        for i in range(6):
            archive.writestr(f"import_files/{i:02}/picture{i}.jpg", TINY_JPEG + bytes([i]))
    job = create_job(["v8_1C_exchange.zip"], base_dir=packed)
    now = [0.0]

    def clock() -> float:
        now[0] += 25.0
        return now[0]

    unpacking: list[tuple[dict[str, Any], dt.datetime | None]] = []

    def seen(job: ImportJob) -> None:
        stored = ImportJob.objects.get(pk=job.pk)
        if stored.stage == ImportJob.Stage.UNZIP:
            unpacking.append((stored.state["unzip"], stored.lease_until))

    assert_done(run(job, budget=None, owner="worker", lease=60.0, clock=clock, progress=seen))

    assert len(unpacking) >= 3  # saved piece after piece, the lease renewed with each
    entries = [position["position"]["entry"] for position, _until in unpacking]
    assert entries == sorted(entries) and entries[0] < entries[-1]
    leases = [until for _position, until in unpacking]
    assert None not in leases and leases == sorted(leases) and leases[0] < leases[-1]
    job.refresh_from_db()
    assert job.files == ["v8_1C_exchange.zip", names[0]] and Product.objects.count() > 0


def catalog_with_pictures(tmp_path: Path, pictures: list[str]) -> Path:
    """An exchange folder with an import.xml of one product per picture, none uploaded."""
    directory = tmp_path / "exchange"
    directory.mkdir()
    products = "".join(
        f"<Товар><Ид>p{i}</Ид><Наименование>Товар {i}</Наименование>"
        f"<Картинка>import_files/{picture}</Картинка></Товар>"
        for i, picture in enumerate(pictures)
    )
    (directory / "import.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08">'
        '<Каталог СодержитТолькоИзменения="false"><Ид>c</Ид><Наименование>К</Наименование>'
        f"<Товары>{products}</Товары></Каталог></КоммерческаяИнформация>",
        encoding="utf-8",
    )
    return directory


def test_a_warning_told_once_a_job_stays_once_over_steps_and_is_saved_with_the_job(tmp_path):
    """Each step saves the job's warnings only when it added some; none is lost or repeated."""
    directory = catalog_with_pictures(tmp_path, ["missing.jpg"] * 6)
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions(batch_size=1))
    steps = 0
    while isinstance(run(job, 0.000001), Progress):
        steps += 1
        job = ImportJob.objects.get(pk=job.pk)  # as the next request of 1C finds it
    job.refresh_from_db()
    assert steps > 6 and Product.objects.count() == 6
    assert job.warning_counts["image_missing"] == 1
    assert [w["code"] for w in job.warnings].count("image_missing") == 1
    assert job.warning_keys.count() == 1


def test_a_job_an_earlier_version_left_unfinished_keeps_its_told_warnings(tmp_path):
    """Its keys, in the job's ``warned`` list then, move to rows and are not told again."""
    directory = catalog_with_pictures(tmp_path, [f"missing{i % 2}.jpg" for i in range(4)])
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions())
    job.warned = ["image_missing:import_files/missing0.jpg"]  # told before the upgrade
    job.save(update_fields=["warned"])
    assert isinstance(run(job, None), Done)
    job.refresh_from_db()
    assert job.warned == []
    assert job.warning_keys.count() == 2
    assert job.warning_counts["image_missing"] == 1
    assert [w["message"] for w in job.warnings if w["code"] == "image_missing"] == [
        "Картинка import_files/missing1.jpg не найдена среди загруженных файлов."
    ]


def test_warnings_past_the_listed_thousand_are_still_counted_and_kept_in_the_stored_job(tmp_path):
    """Once the list is full, a batch's new warnings still reach the stored counts and keys.

    In one step and over many, as 1C's requests drive it: a save in the middle of a
    step writes only the warnings' parts that grew since the step's last save.
    """
    from cml_exchange.importer.session import MAX_WARNINGS

    total = MAX_WARNINGS + 150
    directory = catalog_with_pictures(tmp_path, [f"missing{i}.jpg" for i in range(total)])
    for budget in (None, 0.000001):
        Product.objects.all().delete()
        job = create_job(["import.xml"], base_dir=directory, options=ImportOptions(batch_size=50))
        while isinstance(run(job, budget), Progress):
            job = ImportJob.objects.get(pk=job.pk)  # as the next request of 1C finds it
        job.refresh_from_db()
        assert Product.objects.count() == total
        assert job.warning_counts["image_missing"] == total
        assert len(job.warnings) == MAX_WARNINGS
        assert job.warning_keys.count() == total
