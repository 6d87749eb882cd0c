"""The stepwise zip extractor: real archives built here, their names, hostile ones included."""

import stat
import zipfile
from pathlib import Path

import pytest

from cml_exchange.exceptions import ArchiveError
from cml_exchange.storage.unzip import (
    UnzipPosition,
    UnzipStep,
    archive_entries,
    is_zip,
    unzip_step,
)
from cml_exchange.storage.zipentries import EntryPath, entry_path
from tests.unit.storage.unzip_cases import (
    IMPORT_XML,
    OFFERS_XML,
    build,
    far,
    files,
    past,
    patch,
    unzip_all,
)

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


def test_a_link_at_a_files_name_is_replaced_not_written_through(tmp_path, target):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"kept")
    (target / "pictures").mkdir(parents=True)
    (target / "pictures" / "x.jpg").symlink_to(outside)
    archive = build(tmp_path / "a.zip", [("pictures/x.jpg", b"from 1C")])
    unzip_all(archive, target)
    assert outside.read_bytes() == b"kept"
    assert not (target / "pictures" / "x.jpg").is_symlink()
    assert (target / "pictures" / "x.jpg").read_bytes() == b"from 1C"


def test_a_link_at_a_temporary_files_name_is_refused(tmp_path, target):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"kept")
    target.mkdir()
    (target / ".x.jpg.0.unzip-part").symlink_to(outside)  # entry 0's temporary file
    archive = build(tmp_path / "a.zip", [("x.jpg", b"from 1C")])
    with pytest.raises(ArchiveError, match=r"не удалось записать файл «x\.jpg»"):
        unzip_all(archive, target)
    assert outside.read_bytes() == b"kept"
    assert not (target / "x.jpg").exists()


def test_each_file_is_announced_once_it_is_in_place(tmp_path, target):
    archive = build(
        tmp_path / "a.zip",
        [("import.xml", IMPORT_XML), ("pictures/", b""), ("run.php", b"<?php"), ("p/x.jpg", b"x")],
    )
    announced: list[tuple[str, bytes]] = []
    step = unzip_step(
        archive,
        target,
        UnzipPosition(),
        deadline=far(),
        on_extracted=lambda name: announced.append((name, (target / name).read_bytes())),
    )
    assert announced == [("import.xml", IMPORT_XML), ("p/x.jpg", b"x")]  # complete, in order
    assert step.extracted == ("import.xml", "p/x.jpg")


def test_many_files_in_shared_folders_all_arrive(tmp_path, target):
    entries = [(f"import_files/{n % 7:02x}/{n:04}.jpg", b"%d" % n) for n in range(300)]
    archive = build(tmp_path / "a.zip", [("import.xml", IMPORT_XML), *entries])
    step = unzip_all(archive, target)
    assert len(step.extracted) == 301
    assert files(target) == {"import.xml": IMPORT_XML, **dict(entries)}


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
