"""Items stored by another version of the importer are written again, once.

Their checksums and digests say 1C sent nothing new for them, not that this
version would store them as their rows hold them: the key of the version that
wrote them is kept with them, and a version of another key clears them first.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from cml_exchange.importer import checksum_key
from cml_exchange.models import ChecksumKey, Price, Product
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


def test_the_key_follows_the_loaders_code_and_the_columns_they_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "loaders"
    shutil.copytree(checksum_key.LOADERS, sources, ignore=shutil.ignore_patterns("__pycache__"))
    paths = sorted(sources.glob("*.py"))
    key = checksum_key.key_of(paths, checksum_key.WRITTEN)
    assert key == checksum_key.importer_key()

    name = Product._meta.get_field("name")
    monkeypatch.setattr(name, "verbose_name", "название")  # a label: stored alike
    assert checksum_key.key_of(paths, checksum_key.WRITTEN) == key
    monkeypatch.setattr(name, "max_length", 1024)
    assert checksum_key.key_of(paths, checksum_key.WRITTEN) != key
    monkeypatch.undo()

    with (sources / "products.py").open("a") as loader:
        loader.write("\n# stored otherwise\n")
    assert checksum_key.key_of(paths, checksum_key.WRITTEN) != key
