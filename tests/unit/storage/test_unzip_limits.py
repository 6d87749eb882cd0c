"""The zip extractor against bombs, caps and damaged archives."""

import hashlib
import re
import zipfile
import zlib

import pytest

from cml_exchange.exceptions import ArchiveError
from cml_exchange.storage.unzip import (
    UnzipLimits,
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
    patch,
    unzip_all,
)

# --- bombs and caps -----------------------------------------------------------------------------


def test_highly_compressed_entry_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("zeros.xml", bytes(5 * MiB))])
    with pytest.raises(ArchiveError, match="сжат подозрительно сильно"):
        unzip_all(archive, target)
    assert files(target) == {}


def test_small_well_compressed_entries_are_fine(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("spaces.xml", b" " * (MiB - 1))])
    unzip_all(archive, target)
    assert (target / "spaces.xml").stat().st_size == MiB - 1


def test_header_understating_the_size_gets_no_more_than_it_declares(tmp_path, target):
    data = hashlib.shake_256(b"liar").digest(100_000)
    archive = build(tmp_path / "a.zip", [("liar.bin", data)], zipfile.ZIP_STORED)
    declared = len(data).to_bytes(4, "little")
    patch(archive, declared * 2, (1000).to_bytes(4, "little") * 2)  # compress_size stays
    assert zipfile.ZipFile(archive).infolist()[0].file_size == 1000
    limits = UnzipLimits(max_entry_bytes=2000, max_total_bytes=2000)
    with pytest.raises(ArchiveError, match="архив повреждён"):  # the CRC is of 100 000 bytes
        unzip_all(archive, target, limits)
    assert files(target) == {}

    # With a CRC of the first 1000 bytes as well, the lie "works", and yields 1000 bytes.
    patch(
        archive,
        zlib.crc32(data).to_bytes(4, "little"),
        zlib.crc32(data[:1000]).to_bytes(4, "little"),
    )
    step = unzip_all(archive, target, limits)
    assert files(target) == {"liar.bin": data[:1000]}
    assert step.position.written == 1000


def test_entry_size_cap(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("a.xml", b"a" * 2000)])
    with pytest.raises(ArchiveError, match=re.escape("«a.xml» в архиве больше 1000 байт")):
        unzip_all(archive, target, UnzipLimits(max_entry_bytes=1000))


def test_total_size_cap(tmp_path, target):
    archive = build(tmp_path / "a.zip", [(f"{i}.xml", b"a" * 600) for i in range(3)])
    limits = UnzipLimits(max_total_bytes=1500)
    with pytest.raises(ArchiveError, match="распаковывается более чем в 1,5 КБ"):
        unzip_all(archive, target, limits)
    assert files(target) == {}
    # A position saved by an earlier step is checked against the cap as well.
    with pytest.raises(ArchiveError, match="более чем в 1,5 КБ"):
        unzip_step(archive, target, UnzipPosition(2, 0, 1200), deadline=far(), limits=limits)


def test_default_total_cap_in_the_message(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("a.xml", b"a" * 10), ("b.xml", b"b")])
    with pytest.raises(ArchiveError) as caught:
        unzip_step(archive, target, UnzipPosition(1, 0, 4 * 1024 * MiB), deadline=far())
    assert str(caught.value) == "Ошибка распаковки архива: архив распаковывается более чем в 4 ГБ."


def test_entry_count_cap(tmp_path, target):
    archive = build(tmp_path / "a.zip", [(f"{i}.jpg", b"x") for i in range(4)])
    with pytest.raises(ArchiveError, match="больше 3 файлов"):
        unzip_all(archive, target, UnzipLimits(max_entries=3))
    assert files(target) == {}


# --- damaged archives ---------------------------------------------------------------------------


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_corrupt_data_is_refused_and_no_partial_file_is_left(tmp_path, target, compression):
    archive = build(tmp_path / "a.zip", [("ok.xml", IMPORT_XML), ("big.bin", BIG)], compression)
    data = bytearray(archive.read_bytes())
    data[len(data) - 200_000] ^= 0xFF  # inside big.bin's data, past its first chunks
    archive.write_bytes(bytes(data))

    with pytest.raises(ArchiveError, match=re.escape("архив повреждён, файл «big.bin»")):
        unzip_all(archive, target)
    assert files(target) == {"ok.xml": IMPORT_XML}  # no big.bin, no temporary file


def test_broken_deflate_stream_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("import.xml", IMPORT_XML * 100)])
    data = bytearray(archive.read_bytes())
    data[30 + len("import.xml")] = 0xFF  # first block header: reserved block type
    archive.write_bytes(bytes(data))
    with pytest.raises(
        ArchiveError, match=re.escape("архив повреждён, файл «import.xml»")
    ) as caught:
        unzip_all(archive, target)
    assert type(caught.value.__cause__).__name__ == "error"  # zlib.error, not a CRC mismatch
    assert files(target) == {}


def test_truncated_archive_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("import.xml", IMPORT_XML * 1000), ("b.bin", BIG)])
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ArchiveError, match="не является zip-архивом или загружен не полностью"):
        unzip_all(archive, target)
    assert files(target) == {}


def test_not_a_zip_missing_or_unreadable_archive(tmp_path, target):
    xml = tmp_path / "import.zip"
    xml.write_bytes(IMPORT_XML)
    with pytest.raises(ArchiveError, match=re.escape("«import.zip» не является zip-архивом")):
        unzip_all(xml, target)
    with pytest.raises(ArchiveError, match="не найден"):
        unzip_all(tmp_path / "missing.zip", target)
    target.mkdir(exist_ok=True)
    with pytest.raises(ArchiveError, match="не удалось прочитать файл «exchange»"):
        unzip_all(target, tmp_path / "elsewhere")


def test_stale_position_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("a.xml", b"abc")])
    for position in (UnzipPosition(entry=2), UnzipPosition(entry=0, offset=4)):
        with pytest.raises(ArchiveError, match="позиция не соответствует архиву"):
            unzip_step(archive, target, position, deadline=far())


@pytest.mark.parametrize(
    ("entries", "failing"),
    [
        ([("a", b"file"), ("a/b.xml", b"under a file")], "a/b.xml"),  # no directory "a"
        ([("a/", b""), ("a", b"file")], "a"),  # cannot rename over a directory
    ],
)
def test_write_failure_is_an_archive_error(tmp_path, target, entries, failing):
    archive = build(tmp_path / "a.zip", entries)
    with pytest.raises(ArchiveError, match=re.escape(f"не удалось записать файл «{failing}»")):
        unzip_all(archive, target)
    assert not list(target.rglob("*.unzip-part"))
