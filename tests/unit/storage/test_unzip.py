"""The stepwise zip extractor: real archives built here, hostile ones included."""

import hashlib
import json
import re
import stat
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from cml_exchange.exceptions import ArchiveError
from cml_exchange.storage.unzip import (
    UnzipLimits,
    UnzipPosition,
    UnzipStep,
    archive_entries,
    is_zip,
    unzip_step,
)
from cml_exchange.storage.zipentries import EntryPath, entry_path

MiB = 1024 * 1024
IMPORT_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация/>\n'.encode()
OFFERS_XML = '<?xml version="1.0" encoding="windows-1251"?>\n<КоммерческаяИнформация/>\n'.encode(
    "cp1251"
)
BIG = hashlib.shake_256(b"big").digest(5 * MiB)  # incompressible: 5 chunks, stored or not

Entries = list[tuple[str | zipfile.ZipInfo, bytes]]


def build(path: Path, entries: Entries, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def patch(path: Path, old: bytes, new: bytes, count: int = 2) -> None:
    """Replace bytes in the local header and the central directory (or ``count`` places)."""
    data = path.read_bytes()
    assert data.count(old) == count, data.count(old)
    path.write_bytes(data.replace(old, new))


def past() -> float:
    return time.monotonic() - 1


def far() -> float:
    return time.monotonic() + 3600


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def unzip_all(archive: Path, target: Path, limits: UnzipLimits | None = None) -> UnzipStep:
    kwargs = {"limits": limits} if limits else {}
    step = unzip_step(archive, target, UnzipPosition(), deadline=far(), **kwargs)
    assert step.done
    return step


def unzip_in_steps(archive: Path, target: Path, saved: dict | None = None) -> list[UnzipStep]:
    """One call per "request", the deadline already past, the position through JSON each time."""
    saved = saved or UnzipPosition().to_dict()
    steps = []
    while True:
        position = UnzipPosition.from_dict(json.loads(json.dumps(saved)))
        step = unzip_step(archive, target, position, deadline=past())
        steps.append(step)
        saved = step.position.to_dict()
        if step.done:
            return steps
        assert len(steps) < 1000


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "exchange"


# --- a normal archive ---------------------------------------------------------------------------


def test_archive_from_1c_is_extracted_byte_identical(tmp_path, target):
    picture = bytes(range(256)) * 40
    archive = build(
        tmp_path / "catalog.zip",
        [
            ("import.xml", IMPORT_XML),
            ("offers.xml", OFFERS_XML),
            ("import_files/", b""),
            ("import_files/ab/x.jpg", picture),
            ("empty.txt", b""),
        ],
    )
    step = unzip_all(archive, target)

    assert files(target) == {
        "import.xml": IMPORT_XML,
        "offers.xml": OFFERS_XML,
        "import_files/ab/x.jpg": picture,
        "empty.txt": b"",
    }
    assert step.extracted == ("import.xml", "offers.xml", "import_files/ab/x.jpg", "empty.txt")
    assert step.skipped == ()
    assert step.entries == 5
    assert step.position == UnzipPosition(entry=5, offset=0, written=step.position.written)
    assert step.position.written == sum(len(data) for data in files(target).values())


def test_archive_inside_its_own_target_is_fine(target):
    target.mkdir()
    archive = build(target / "catalog.zip", [("import.xml", IMPORT_XML)])
    unzip_all(archive, target)
    assert (target / "import.xml").read_bytes() == IMPORT_XML


def test_entry_named_like_the_archive_is_refused(target):
    target.mkdir()
    archive = build(target / "catalog.zip", [("catalog.zip", b"not me")])
    with pytest.raises(ArchiveError, match="заменил бы сам архив"):
        unzip_all(archive, target)
    assert zipfile.is_zipfile(archive)


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_duplicate_name_last_wins_and_directories_are_created(tmp_path, target):
    archive = build(
        tmp_path / "a.zip",
        [("a.txt", b"first"), ("empty/dir/", b""), ("a.txt", b"second")],
    )
    step = unzip_all(archive, target)
    assert (target / "a.txt").read_bytes() == b"second"
    assert (target / "empty" / "dir").is_dir()
    assert step.extracted == ("a.txt", "a.txt")


def test_is_zip_and_archive_entries(tmp_path):
    archive = build(tmp_path / "a.zip", [("d/", b""), ("d/x.xml", IMPORT_XML)])
    xml = tmp_path / "import.xml"
    xml.write_bytes(IMPORT_XML)
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()

    assert is_zip(archive)
    assert is_zip(empty)
    assert not is_zip(xml)
    assert not is_zip(tmp_path / "missing.zip")
    assert archive_entries(archive) == 2
    assert archive_entries(empty) == 0
    with pytest.raises(ArchiveError, match="не является zip-архивом"):
        archive_entries(xml)


def test_empty_archive_is_done_at_once(tmp_path, target):
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    step = unzip_step(empty, target, UnzipPosition(), deadline=past())
    assert step == UnzipStep(UnzipPosition(), True, (), (), 0)


# --- names --------------------------------------------------------------------------------------


def cp866_entry(tmp_path: Path, name: str, data: bytes) -> Path:
    """An entry named in cp866 without the UTF-8 flag, as 1C on Windows writes it.

    zipfile writes every non-ASCII name as UTF-8 with the flag, so the archive
    is written with an ASCII stand-in of the same length and the raw cp866
    bytes are put in its place afterwards.
    """
    raw = name.encode("cp866")
    stand_in = b"Q" * len(raw)
    archive = build(tmp_path / "cp866.zip", [(stand_in.decode(), data)])
    patch(archive, stand_in, raw)
    return archive


def test_cp866_names_without_the_utf8_flag(tmp_path, target):
    name = "import_files/Фото/Ёлка №1.jpg"
    archive = cp866_entry(tmp_path, name, b"jpeg")
    info = zipfile.ZipFile(archive).infolist()[0]
    assert not info.flag_bits & 0x800
    assert info.filename != name  # zipfile alone gets it wrong

    step = unzip_all(archive, target)
    assert step.extracted == (name,)
    assert (target / name).read_bytes() == b"jpeg"


def test_utf8_flagged_names_are_kept(tmp_path, target):
    name = "import_files/Фото/Ёлка.jpg"
    archive = build(tmp_path / "a.zip", [(name, b"jpeg")])
    assert zipfile.ZipFile(archive).infolist()[0].flag_bits & 0x800
    assert unzip_all(archive, target).extracted == (name,)
    assert (target / name).read_bytes() == b"jpeg"


UNTOUCHED = [
    "tmp/webdata/1/2/import_files/x.jpg",
    "import_files/tmp/webdata/x/2/import_files/y.jpg",
    "a/import_files/tmp/webdata/1/2/import_files/y.jpg",
    "import_files/tmp/webdata/1/2/y.jpg",
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("import_files/tmp/webdata/123/4567/import_files/ab/x.jpg", "import_files/ab/x.jpg"),
        ("import_files\\tmp\\webdata\\1\\2\\import_files\\ab\\x.jpg", "import_files/ab/x.jpg"),
        ("./import_files/tmp/webdata/1/2/import_files/x.jpg", "import_files/x.jpg"),
        # Bitrix's rule is anchored and exact: nothing else is rewritten.
        ("tmp/webdata/1/2/import_files/x.jpg", "tmp/webdata/1/2/import_files/x.jpg"),
        (
            "import_files/tmp/webdata/x/2/import_files/y.jpg",
            "import_files/tmp/webdata/x/2/import_files/y.jpg",
        ),
        (
            "a/import_files/tmp/webdata/1/2/import_files/y.jpg",
            "a/import_files/tmp/webdata/1/2/import_files/y.jpg",
        ),
        ("a\\b\\c.xml", "a/b/c.xml"),
        ("a//./b.xml", "a/b.xml"),
    ],
)
def test_name_normalisation(tmp_path, target, name, expected):
    archive = build(tmp_path / "a.zip", [(name, b"data")])
    assert unzip_all(archive, target).extracted == (expected,)
    assert files(target) == {expected: b"data"}


def symlink_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("link")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../x", "за пределы"),
        ("a/../../x", "за пределы"),
        ("a/../b", "за пределы"),
        ("..\\x", "за пределы"),
        ("a/.../x", "за пределы"),
        ("/etc/x", "абсолютный путь"),
        ("\\etc\\x", "абсолютный путь"),
        ("C:\\x", "абсолютный путь"),
        ("c:x", "абсолютный путь"),
        ("a/b:stream", "недопустимые символы"),
        ("a\nb", "недопустимые символы"),
        (".", "пустое имя"),
    ],
)
def test_unsafe_names_are_refused_before_anything_is_written(tmp_path, target, name, reason):
    archive = build(tmp_path / "a.zip", [("first.xml", IMPORT_XML), (name, b"evil")])
    with pytest.raises(ArchiveError, match=reason) as caught:
        unzip_all(archive, target)
    assert str(caught.value).startswith("Ошибка распаковки архива: ")
    assert "\n" not in str(caught.value)
    assert [p.name for p in tmp_path.rglob("*")] == ["a.zip"]


def test_nul_in_a_name_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("evilXname.xml", b"evil")])
    patch(archive, b"evilXname.xml", b"evil\x00name.xml")
    assert zipfile.ZipFile(archive).infolist()[0].filename == "evil"  # what zipfile would write
    with pytest.raises(ArchiveError, match=r"evil\\x00name"):
        unzip_all(archive, target)
    assert list(tmp_path.rglob("evil*")) == []


def test_symlink_entry_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [(symlink_entry(), b"/etc/passwd"), ("link/x", b"x")])
    with pytest.raises(ArchiveError, match="символическая ссылка"):
        unzip_all(archive, target)
    assert not (target / "link").exists()
    assert not (target / "link").is_symlink()


def test_symlink_already_in_target_is_not_followed(tmp_path, target):
    outside = tmp_path / "outside"
    outside.mkdir()
    target.mkdir()
    (target / "pictures").symlink_to(outside)
    archive = build(tmp_path / "a.zip", [("pictures/x.jpg", b"x")])
    with pytest.raises(ArchiveError, match="вне папки обмена"):
        unzip_all(archive, target)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    ["shell.php", "x.PHP", "x.php.jpg", "x.php.", "a/.htaccess", "run.sh", "app.js", "page.html"],
)
def test_scripts_are_skipped_and_reported(tmp_path, target, name):
    archive = build(tmp_path / "a.zip", [(name, b"<?php evil();"), ("import.xml", IMPORT_XML)])
    step = unzip_all(archive, target)
    assert step.skipped == (name,)
    assert step.extracted == ("import.xml",)
    assert files(target) == {"import.xml": IMPORT_XML}


def test_encrypted_entry_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("secret.xml", IMPORT_XML)])
    data = bytearray(archive.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + flags_at
        data[at] |= 0x1
    archive.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="защищён паролем"):
        unzip_all(archive, target)


def test_unsupported_compression_is_refused(tmp_path, target):
    archive = build(tmp_path / "a.zip", [("import.xml", IMPORT_XML)])
    data = bytearray(archive.read_bytes())
    for signature, method_at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        data[data.index(signature) + method_at] = 9  # Deflate64, which zipfile cannot read
    archive.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="неподдерживаемым методом"):
        unzip_all(archive, target)


def test_decoded_name_of_an_unwritten_zipinfo():
    # A ZipInfo made in memory has no UTF-8 flag yet and a name cp437 cannot hold.
    assert entry_path(zipfile.ZipInfo("Фото/x.jpg")) == EntryPath("Фото/x.jpg", is_dir=False)
    assert entry_path(zipfile.ZipInfo("./")) == EntryPath("", is_dir=True)


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


# --- steps and resuming -------------------------------------------------------------------------


@pytest.fixture
def mixed_archive(tmp_path: Path) -> Path:
    small = [(f"import_files/{i % 3}/{i}.jpg", bytes([i]) * (i * 100)) for i in range(20)]
    return build(
        tmp_path / "mixed.zip",
        [
            ("import.xml", IMPORT_XML),
            ("import_files/", b""),
            *small[:10],
            ("big.bin", BIG),
            *small[10:],
        ],
    )


def test_steps_with_no_time_left_end_like_one_shot(tmp_path, mixed_archive):
    one_shot = unzip_all(mixed_archive, tmp_path / "one")
    steps = unzip_in_steps(mixed_archive, tmp_path / "stepwise")

    assert files(tmp_path / "stepwise") == files(tmp_path / "one")
    assert files(tmp_path / "one")["big.bin"] == BIG
    # Minimal progress: one entry or one chunk per call.
    assert all(len(step.extracted) + len(step.skipped) <= 1 for step in steps)
    assert len(steps) == one_shot.entries + 4  # big.bin: 5 chunks over 5 calls
    assert sum((step.extracted for step in steps), ()) == one_shot.extracted
    assert steps[-1].position == one_shot.position
    paused = [step.position.offset for step in steps if step.position.offset]
    assert paused == [MiB, 2 * MiB, 3 * MiB, 4 * MiB]


def test_file_is_not_visible_until_complete(tmp_path, mixed_archive):
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset == 0:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    assert not (target / "big.bin").exists()
    [part] = target.glob(".big.bin.*.unzip-part")
    assert part.stat().st_size == position.offset


def test_resume_after_a_crash_truncated_the_temporary_file(tmp_path, mixed_archive):
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset < 3 * MiB:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    [part] = target.glob(".big.bin.*.unzip-part")
    with part.open("r+b") as file:
        file.truncate(position.offset - 1000)  # the last write never reached the disk

    steps = unzip_in_steps(mixed_archive, target, position.to_dict())
    assert steps[0].position.offset == MiB  # started big.bin again
    unzip_all(mixed_archive, tmp_path / "one")
    assert files(target) == files(tmp_path / "one")
    assert not list(target.rglob("*.unzip-part"))


def test_resume_after_a_temporary_file_was_deleted(tmp_path, mixed_archive):
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset < 2 * MiB:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    next(target.glob(".big.bin.*.unzip-part")).unlink()

    steps = unzip_in_steps(mixed_archive, target, position.to_dict())
    assert steps[0].position.offset == MiB  # started big.bin again
    unzip_all(mixed_archive, tmp_path / "one")
    assert files(target) == files(tmp_path / "one")


@pytest.mark.parametrize("lost", ["one chunk", "to the end"])
def test_resume_from_a_position_that_was_never_saved(tmp_path, mixed_archive, lost):
    """A worker dies after a step but before storing its position: the work is redone."""
    target = tmp_path / "out"
    position = UnzipPosition()
    while position.offset < MiB:
        position = unzip_step(mixed_archive, target, position, deadline=past()).position
    # The lost step leaves big.bin's temporary file longer than the saved offset,
    # or finishes big.bin and everything after it.
    lost_deadline = past() if lost == "one chunk" else far()
    unzip_step(mixed_archive, target, position, deadline=lost_deadline)

    unzip_in_steps(mixed_archive, target, position.to_dict())
    unzip_all(mixed_archive, tmp_path / "one")
    assert files(target) == files(tmp_path / "one")
    assert not list(target.rglob("*.unzip-part"))


def test_position_json_round_trip_and_validation():
    position = UnzipPosition(entry=3, offset=MiB, written=5 * MiB)
    assert UnzipPosition.from_dict(json.loads(json.dumps(position.to_dict()))) == position
    assert UnzipPosition.from_dict({}) == UnzipPosition()
    for bad in ({"entry": -1}, {"offset": "1"}, {"written": 1.5}, {"entry": True}):
        with pytest.raises(ValueError, match="non-negative int"):
            UnzipPosition.from_dict(bad)
