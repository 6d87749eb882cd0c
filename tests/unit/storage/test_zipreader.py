"""The zip reader against zipfile: the same entries, the same bytes, the same refusals."""

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest

from cml_exchange.exceptions import ArchiveError
from cml_exchange.storage import zipreader
from cml_exchange.storage.zipreader import BadArchive, ZipDirectory
from tests.unit.storage.unzip_cases import BIG, IMPORT_XML, build, files, unzip_all, unzip_in_steps

METHODS = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
ENTRIES = [
    ("import.xml", IMPORT_XML * 300),
    ("import_files/", b""),
    ("import_files/ab/фото.jpg", bytes(range(256)) * 40),
    ("empty.txt", b""),
    ("big.bin", BIG[: 3 * 1024 * 1024 + 5]),
]


def same_as_zipfile(archive: Path) -> None:
    """Every entry as zipfile reads it: its fields, and its bytes read in odd pieces."""
    with zipfile.ZipFile(archive) as zf, archive.open("rb") as file:
        directory = ZipDirectory(file)
        infos = zf.infolist()
        entries = list(directory.entries())
        assert directory.count == len(entries) == len(infos)
        for entry, info in zip(entries, infos, strict=True):
            assert (
                entry.orig_filename,
                entry.flag_bits,
                entry.compress_type,
                entry.crc,
                entry.compress_size,
                entry.file_size,
                entry.external_attr,
                entry.header_offset,
            ) == (
                info.orig_filename,
                info.flag_bits,
                info.compress_type,
                info.CRC,
                info.compress_size,
                info.file_size,
                info.external_attr,
                info.header_offset,
            )
            reader = directory.open(entry)
            pieces = []
            while piece := reader.read(70_001):
                assert len(piece) == 70_001 or not reader.read(1)
                pieces.append(piece)
            assert b"".join(pieces) == zf.read(info)
        assert [entry.orig_filename for entry in directory.entries(3)] == [
            info.orig_filename for info in infos[3:]
        ]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_reads_as_zipfile_reads_it(tmp_path, method):
    same_as_zipfile(build(tmp_path / "a.zip", ENTRIES, method))


def test_zip64_records_and_extra_fields(tmp_path, monkeypatch):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in ENTRIES:
            with zf.open(name, "w", force_zip64=True) as entry:  # zip64 local headers
                entry.write(data)
        # Past these limits zipfile writes zip64 extra fields in the central directory and
        # the zip64 end records: lowered while it closes, they make a small zip64 archive.
        monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 0)
        monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    monkeypatch.undo()
    data = archive.read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # the zip64 end record and locator
    same_as_zipfile(archive)
    unzip_all(archive, tmp_path / "out")
    assert files(tmp_path / "out")["big.bin"] == BIG[: 3 * 1024 * 1024 + 5]


def test_comment_stub_in_front_and_data_descriptors(tmp_path):
    class Unseekable(io.RawIOBase):  # zipfile then writes data descriptors after the data
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # type: ignore[no-untyped-def]
            self.data += b
            return len(b)

    out = Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in ENTRIES:
            with zf.open(name, "w") as entry:
                entry.write(data)
        zf.comment = b"a comment at the end" * 1000
    archive = tmp_path / "a.zip"
    archive.write_bytes(b"MZ self-extracting stub " * 1000 + bytes(out.data))
    same_as_zipfile(archive)


def test_cp866_names_are_given_as_zipfile_gives_them(tmp_path):
    raw = "Прайс/фото.jpg".encode("cp866")
    archive = build(tmp_path / "a.zip", [("Q" * len(raw), b"jpeg")])
    archive.write_bytes(archive.read_bytes().replace(b"Q" * len(raw), raw))
    same_as_zipfile(archive)
    unzip_all(archive, tmp_path / "out")
    assert files(tmp_path / "out") == {"Прайс/фото.jpg": b"jpeg"}


def test_directory_read_in_many_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(zipreader, "PIECE", 7)  # every record spans several reads
    archive = build(tmp_path / "a.zip", [(f"d/{i}-{'x' * i}.jpg", bytes([i])) for i in range(50)])
    same_as_zipfile(archive)
    steps = unzip_in_steps(archive, tmp_path / "out")
    assert len(files(tmp_path / "out")) == 50 == steps[-1].entries


def directory_twice(archive: Path) -> None:
    """The archive's one central directory record twice: two entries, one local header."""
    data = archive.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    start = data.index(b"PK\x01\x02")
    record = data[start:end]
    fields = list(struct.unpack("<4s4H2LH", data[end : end + 22]))
    fields[3] += 1
    fields[4] += 1
    fields[5] += len(record)
    archive.write_bytes(data[:end] + record + struct.pack("<4s4H2LH", *fields) + data[end + 22 :])


def test_entries_sharing_their_data_are_refused(tmp_path):
    archive = build(tmp_path / "a.zip", [("a.jpg", b"jpeg" * 1000)])
    directory_twice(archive)
    assert len(zipfile.ZipFile(archive).infolist()) == 2
    with archive.open("rb") as file:
        directory = ZipDirectory(file)
        entry = next(directory.entries())
        with pytest.raises(BadArchive, match="Overlapped"):
            directory.open(entry)
    with pytest.raises(ArchiveError, match=re.escape("архив повреждён, файл «a.jpg»")):
        unzip_all(archive, tmp_path / "out")


def test_entry_running_into_the_next_header_is_refused(tmp_path):
    archive = build(tmp_path / "a.zip", [("a.bin", b"a" * 100), ("b.bin", b"b" * 100)], 0)
    data = bytearray(archive.read_bytes())
    start = data.index(b"PK\x01\x02")
    struct.pack_into("<L", data, start + 20, 200)  # a.bin's compressed size, in the directory
    archive.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match=re.escape("архив повреждён, файл «a.bin»")):
        unzip_all(archive, tmp_path / "out")


def longer_directory(end: bytes) -> bytes:
    """The end record with a central directory 10 bytes longer."""
    fields = list(struct.unpack("<4s4H2LH", end))
    fields[5] += 10
    return struct.pack("<4s4H2LH", *fields)


@pytest.mark.parametrize(
    ("damage", "found"),
    [
        (lambda data: data.replace(b"PK\x01\x02", b"PK\x01\x03", 1), "central directory"),
        (lambda data: data[:-22] + b"0123456789" + longer_directory(data[-22:]), "Truncated"),
        (lambda data: data.replace(b"a.xml", b"\xff.xml", 1), "header differ"),
    ],
)
def test_damaged_directory_or_header(tmp_path, damage, found):
    archive = build(tmp_path / "a.zip", [("a.xml", IMPORT_XML)])
    archive.write_bytes(damage(archive.read_bytes()))
    with pytest.raises(BadArchive, match=found), archive.open("rb") as file:
        directory = ZipDirectory(file)
        directory.open(next(directory.entries()))


def test_invalid_utf8_name_is_not_a_readable_archive(tmp_path):
    archive = build(tmp_path / "a.zip", [("ф.xml", IMPORT_XML)])  # UTF-8 flag set
    archive.write_bytes(archive.read_bytes().replace("ф".encode(), b"\xff\xfe"))
    with pytest.raises(ArchiveError, match="не является zip-архивом"):
        unzip_all(archive, tmp_path / "out")
