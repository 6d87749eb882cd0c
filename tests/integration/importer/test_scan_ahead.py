"""A file the import scans whole first is scanned ahead, while the file before it is imported.

Such a file (on SQLite one above ``SQLITE_SCAN_BESIDE_MAX``; any with "Не
выгружать корневую группу") would cost its whole scan before its first batch.
Its scan runs in a second process while the file before it is read, and its
turn finds the verdict in: the shop ends the same, the file is not scanned
again in the importing process, and only a verdict on the bytes the file
holds at its turn counts.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from benchmarks.generator.pictures import TINY_JPEG
from cml_exchange.commerceml.errors import CommerceMLError
from cml_exchange.commerceml.reading.scan import scan
from cml_exchange.commerceml.reading.scan_process import can_start
from cml_exchange.importer import (
    Failed,
    ImportOptions,
    Progress,
    create_job,
    run,
    scan_ahead,
    scan_stage,
)
from cml_exchange.importer.scans import file_digest
from cml_exchange.models import ImportJob, ScannedFile
from tests.integration.importer.helpers import assert_done, exchange_dir, run_to_end, snapshot, wipe
from tests.integration.importer.test_scan_beside import FILES  # 1660 products, offers
from tests.integration.protocol.exchange import new_1c
from tests.paths import sample

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not can_start(), reason="a scan ahead needs a second core"),
]


@pytest.fixture(params=["large on SQLite", "skip the root group"])
def scanned_first(
    request: pytest.FixtureRequest, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ImportOptions]:
    """Every file a second process would take is scanned first: the options to import with."""
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    if request.param == "large on SQLite":
        if connection.vendor != "sqlite":
            pytest.skip("PostgreSQL scans large files beside the reader")
        monkeypatch.setattr(scan_stage, "SQLITE_SCAN_BESIDE_MAX", 0)
        yield ImportOptions(batch_size=97)
    else:
        yield ImportOptions(batch_size=97, skip_root_group=True)


@pytest.fixture
def scanned_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the importing process scans itself."""
    names: list[str] = []
    real = scan_stage.scan_counts

    def counting(path: Path, name: str) -> dict[str, int]:
        names.append(name)
        return real(path, name)

    monkeypatch.setattr(scan_stage, "scan_counts", counting)
    return names


def import_in_steps(directory: Path, names: list[str], options: ImportOptions) -> object:
    job = create_job(names, base_dir=directory, options=options)
    return run_to_end(job, budget=1e-9)


def test_the_next_file_is_scanned_while_the_first_is_imported(
    tmp_path, settings, scanned_first, scanned_here
):
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 0  # the reference: every file scanned first, here
    directory, names = exchange_dir(tmp_path / "first", *FILES)
    reference_result = assert_done(import_in_steps(directory, names, scanned_first))
    reference = snapshot()
    wipe()
    ScannedFile.objects.all().delete()
    scanned_here.clear()

    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    directory, names = exchange_dir(tmp_path / "ahead", *FILES)
    result = assert_done(import_in_steps(directory, names, scanned_first))

    assert scanned_here == [names[0]]  # the offers file's verdict came from the scan ahead
    assert snapshot() == reference
    assert result.message == reference_result.message
    job = ImportJob.objects.latest("pk")
    assert job.state["scans"][names[1]]["offers"] > 0  # its counts, for the progress messages
    remembered = set(ScannedFile.objects.values_list("digest", flat=True))
    assert {file_digest(directory / name) for name in names} <= remembered


def test_a_file_changed_after_its_scan_ahead_is_scanned_again(
    tmp_path, scanned_first, scanned_here
):
    directory, names = exchange_dir(tmp_path, *FILES)
    job = create_job(names, base_dir=directory, options=scanned_first)
    while job.file_index == 0:  # the first file is read, the second scanned ahead
        assert isinstance(run(job, budget=1e-9), Progress)
        job.refresh_from_db()
    offers = directory / names[1]
    offers.write_bytes(offers.read_bytes() + b"\n<!-- changed after its scan -->\n")
    assert_done(run_to_end(job, budget=1e-9))
    assert scanned_here == [names[0], names[1]]
    assert file_digest(offers) in set(ScannedFile.objects.values_list("digest", flat=True))


def test_a_broken_next_file_is_refused_in_the_usual_words(tmp_path, scanned_first):
    directory, names = exchange_dir(tmp_path, *FILES)
    offers = directory / names[1]
    offers.write_bytes(offers.read_bytes()[: offers.stat().st_size // 2])  # cut off mid-way
    with pytest.raises(CommerceMLError) as scanned:
        scan(offers)
    result = import_in_steps(directory, names, scanned_first)
    assert isinstance(result, Failed), result
    assert str(scanned.value) in result.message
    assert not ScannedFile.objects.filter(digest=file_digest(offers)).exists()


def test_an_archives_catalogs_are_scanned_while_its_pictures_unpack(
    tmp_path, settings, scanned_first, scanned_here, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    directory, names = exchange_dir(tmp_path / "plain", *FILES)
    assert_done(import_in_steps(directory, names, scanned_first))
    reference = snapshot()
    wipe()
    ScannedFile.objects.all().delete()
    scanned_here.clear()

    packed = tmp_path / "packed"
    packed.mkdir()
    with zipfile.ZipFile(packed / "v8_1C_exchange.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(directory / name, name)
        for number in range(30):  # what 1C packs after the catalogs
            archive.writestr(f"import_files/{number:02}/picture.jpg", TINY_JPEG)
    begun: list[tuple[str, str]] = []
    job = create_job(["v8_1C_exchange.zip"], base_dir=packed, options=scanned_first)
    real_begin = scan_ahead.begin

    def begin(path: Path, name: str) -> None:
        begun.append((name, ImportJob.objects.get(pk=job.pk).stage))
        real_begin(path, name)

    monkeypatch.setattr(scan_ahead, "begin", begin)
    assert_done(run_to_end(job, budget=1e-9))

    first_begun: dict[str, str] = {}
    for name, stage in begun:
        first_begun.setdefault(name, stage)
    assert first_begun == {
        names[0]: ImportJob.Stage.UNZIP,  # while the pictures were unpacked
        names[1]: ImportJob.Stage.READ,  # while the first file was read, as without an archive
    }
    assert scanned_here == []  # both verdicts came from scans ahead
    assert snapshot() == reference


def test_an_exchange_scans_the_file_1c_imports_next(admin_user, upload_root, settings, monkeypatch):
    """Each file of an exchange is a job of its own: the offers file waits beside import.xml."""
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL scans large files beside the reader")
    monkeypatch.setattr(scan_stage, "SQLITE_SCAN_BESIDE_MAX", 0)
    scanned: list[str] = []
    real = scan_stage.scan_counts
    monkeypatch.setattr(
        scan_stage,
        "scan_counts",
        lambda path, name: scanned.append(name) or real(path, name),
    )
    onec = new_1c()
    onec.checkauth()
    onec.init()
    for name, prefix in zip(("import.xml", "offers.xml"), FILES, strict=True):
        onec.upload(name, sample(prefix).read_bytes())
    for name in ("import.xml", "offers.xml"):
        assert onec.import_file(name).message == "Импорт успешно завершен."
    assert scanned == ["import.xml"]
