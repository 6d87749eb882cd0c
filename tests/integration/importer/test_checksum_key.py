"""Items stored by another version of the importer are written again, once.

Their checksums and digests say 1C sent nothing new for them, not that this
version would store them as their rows hold them: the key of the version that
wrote them is kept with them, and a version of another key clears them first.
"""

from __future__ import annotations

import importlib
import py_compile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from cml_exchange.importer import ImportOptions, checksum_key, create_job
from cml_exchange.importer.results import Failed
from cml_exchange.models import ChecksumKey, Price, Product
from tests.integration.importer.helpers import run_to_end
from tests.integration.importer.passed_files import CATALOG, OFFERS, import_files

pytestmark = pytest.mark.django_db

FILES = {"import.xml": CATALOG, "offers.xml": OFFERS}


@pytest.fixture(autouse=True)
def new_process() -> Iterator[None]:
    """Each test starts as a process that has not looked at the recorded key yet."""
    checksum_key.forget_confirmed()
    yield
    checksum_key.forget_confirmed()


def shop() -> tuple[list[tuple[str, str]], list[tuple[str, Decimal | None]]]:
    return (
        sorted(Product.objects.values_list("external_id", "name")),
        sorted(Price.objects.values_list("offer__external_id", "value")),
    )


def stored_otherwise() -> None:
    """What an earlier version stored otherwise than this one, by the same checksums."""
    Product.objects.update(name="как хранила прежняя версия")
    Price.objects.update(value=Decimal(1))


@pytest.mark.parametrize(
    "recorded", ["0" * 64, None], ids=["another version's key", "no key kept yet"]
)
def test_items_stored_by_another_version_are_written_again(
    tmp_path: Path, recorded: str | None
) -> None:
    import_files(tmp_path / "1", FILES)
    assert ChecksumKey.objects.get().key == checksum_key.importer_key()
    sent = shop()
    stored_otherwise()
    if recorded is None:
        ChecksumKey.objects.all().delete()
    else:
        ChecksumKey.objects.update(key=recorded)
    checksum_key.forget_confirmed()  # the site restarted on the new version

    job = import_files(tmp_path / "2", FILES)

    assert shop() == sent
    assert job.counters["products_updated"] == 3 and "items_passed" not in job.counters
    assert job.warning_counts["checksums_cleared"] == 1
    (told,) = [w["message"] for w in job.warnings if w["code"] == "checksums_cleared"]
    assert told.startswith("Программа обмена на сайте обновлена") and "(6)" in told
    assert ChecksumKey.objects.get().key == checksum_key.importer_key()


def test_items_stored_by_this_version_are_passed_over(tmp_path: Path) -> None:
    """Once written again, or by this version from the start, they are not cleared."""
    import_files(tmp_path / "1", FILES)
    stored_otherwise()  # an edit on the site, which checksums leave alone
    checksum_key.forget_confirmed()  # another process of the same version

    job = import_files(tmp_path / "2", FILES)

    assert job.counters["items_passed"] == 6
    assert "checksums_cleared" not in job.warning_counts
    assert set(Product.objects.values_list("name", flat=True)) == {"как хранила прежняя версия"}


def test_a_failed_first_step_still_tells_of_the_clearing(tmp_path: Path) -> None:
    """The warning is saved with the clearing: a job that fails keeps it, and 1C's next
    exchange, which writes everything again, is not left unexplained."""
    import_files(tmp_path / "1", FILES)
    ChecksumKey.objects.update(key="0" * 64)
    checksum_key.forget_confirmed()
    directory = tmp_path / "2" / "exchange"
    directory.mkdir(parents=True)
    (directory / "import.xml").write_text(CATALOG[: len(CATALOG) // 2], encoding="utf-8")
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions())

    assert isinstance(run_to_end(job), Failed)

    job.refresh_from_db()
    assert job.warning_counts["checksums_cleared"] == 1
    assert [w["code"] for w in job.warnings][:1] == ["checksums_cleared"]
    assert not Product.objects.exclude(checksum="").exists()


def test_the_migration_makes_the_row_every_process_locks() -> None:
    """Two processes starting at once both find the row and wait for each other's clearing."""
    assert ChecksumKey.objects.filter(pk=1).exists()


def test_the_key_follows_the_storing_code_and_the_columns_they_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modules = checksum_key.storing_modules()
    assert {
        "cml_exchange.importer.loaders.products",
        "cml_exchange.importer.loaders.offers",
        "cml_exchange.importer.sql",
        "cml_exchange.importer.pg_copy",
        "cml_exchange.importer.adapter",  # the default catalog adapter's
    } <= set(modules)
    key = checksum_key.key_of(modules, checksum_key.WRITTEN)
    assert key == checksum_key.importer_key()

    name = Product._meta.get_field("name")
    monkeypatch.setattr(name, "verbose_name", "название")  # a label: stored alike
    assert checksum_key.key_of(modules, checksum_key.WRITTEN) == key
    monkeypatch.setattr(name, "max_length", 1024)
    assert checksum_key.key_of(modules, checksum_key.WRITTEN) != key


def test_the_key_follows_a_modules_source_or_without_it_its_compiled_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    source = tmp_path / "cml_key_probe.py"

    def key(text: str, *, compiled_only: bool = False) -> str:
        source.write_text(text)
        if compiled_only:
            py_compile.compile(str(source), cfile=str(tmp_path / "cml_key_probe.pyc"))
            source.unlink()
        importlib.invalidate_caches()
        return checksum_key.key_of(["cml_key_probe"], ())

    keys = [
        key("STORED = 1\n"),
        key("STORED = 2\n"),
        key("STORED = 1\n", compiled_only=True),
        key("STORED = 2\n", compiled_only=True),
    ]
    assert len(set(keys)) == 4
