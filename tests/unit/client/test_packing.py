"""What the client uploads: the XML files, the pictures beside them, one archive, the parts."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from cml_exchange.client import packing
from cml_exchange.client.packing import (
    Upload,
    collect,
    human_size,
    in_sending_order,
    pack,
    parts,
)
from cml_exchange.client.transport import HttpTransport, basic_authorization, query_string


def unload(folder: Path) -> list[Path]:
    (folder / "import_files" / "ab").mkdir(parents=True)
    (folder / "import_files" / "ab" / "abc.jpg").write_bytes(b"jpeg")
    (folder / "import_files" / "0f").mkdir()
    (folder / "import_files" / "0f" / "0fe.png").write_bytes(b"png")
    (folder / "offers.xml").write_bytes(b"<offers/>")
    (folder / "import.xml").write_bytes(b"<import/>")
    (folder / "notes.txt").write_text("not sent")
    return [folder / "import.xml", folder / "offers.xml"]


def test_xml_in_the_order_given_then_the_pictures(tmp_path):
    found = collect(reversed(unload(tmp_path)))
    assert [item.name for item in found.xml] == ["offers.xml", "import.xml"]
    assert [item.name for item in found.pictures] == [
        "import_files/0f/0fe.png",
        "import_files/ab/abc.jpg",
    ]
    assert [item.name for item in found.files] == [
        "offers.xml",
        "import.xml",
        "import_files/0f/0fe.png",
        "import_files/ab/abc.jpg",
    ]
    assert found.size == 9 + 9 + 4 + 3


def test_no_pictures_folder(tmp_path):
    (tmp_path / "import.xml").write_bytes(b"<import/>")
    assert collect([tmp_path / "import.xml"]).pictures == ()


def test_pictures_of_two_folders(tmp_path):
    unload(tmp_path / "a")
    (tmp_path / "b" / "import_files" / "cd").mkdir(parents=True)
    (tmp_path / "b" / "import_files" / "cd" / "cde.jpg").write_bytes(b"x")
    (tmp_path / "b" / "prices.xml").write_bytes(b"<prices/>")
    found = collect([tmp_path / "a" / "import.xml", tmp_path / "b" / "prices.xml"])
    assert [item.name for item in found.pictures] == [
        "import_files/0f/0fe.png",
        "import_files/ab/abc.jpg",
        "import_files/cd/cde.jpg",
    ]


@pytest.mark.parametrize(
    ("names", "error"),
    [
        (["missing.xml"], "Файл не найден"),
        (["notes.txt"], "Это не файл обмена XML"),
        (["import.xml", "sub/import.xml"], "Два файла с одним именем import.xml"),
    ],
)
def test_refused(tmp_path, names, error):
    unload(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "import.xml").write_bytes(b"<import/>")
    with pytest.raises(ValueError, match=error):
        collect([tmp_path / name for name in names])


def test_the_archive_holds_what_is_uploaded_by_name(tmp_path):
    found = collect(unload(tmp_path))
    with zipfile.ZipFile(io.BytesIO(pack(found.files))) as archive:
        assert archive.namelist() == [item.name for item in found.files]
        assert archive.read("import_files/ab/abc.jpg") == b"jpeg"
        assert archive.getinfo("import.xml").compress_type == zipfile.ZIP_DEFLATED
        # A compressed picture is stored as it is: deflating it again saves nothing.
        assert archive.getinfo("import_files/ab/abc.jpg").compress_type == zipfile.ZIP_STORED


def catalog_text(products: int) -> bytes:
    rows = "".join(
        f"<Товар><Ид>{n:08d}</Ид><Наименование>Товар номер {n}</Наименование></Товар>"
        for n in range(products)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><Каталог>{rows}</Каталог>'.encode()


@pytest.mark.parametrize("zip64", [False, True], ids=["plain", "zip64"])
def test_large_files_deflated_apart_read_back_whole(tmp_path, monkeypatch, zip64):
    """Deflated in threads, then written in their turn: any unzip reads the same bytes back."""
    monkeypatch.setattr(packing, "DEFLATED_APART_FROM", 1024)
    if zip64:  # the headers with their ZIP64 fields, without writing gigabytes
        monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    sources = {
        "import.xml": catalog_text(3000),
        "offers.xml": catalog_text(2000),
        "small.xml": b"<small/>",
        "import_files/ab/abc.jpg": bytes(range(256)) * 8,
    }
    uploads = []
    for name, data in sources.items():
        path = tmp_path / name.replace("/", "_")
        path.write_bytes(data)
        uploads.append(Upload(name, path))
    data = pack(uploads)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every member's CRC-32 matches its bytes
        assert archive.namelist() == list(sources)
        assert {name: archive.read(name) for name in sources} == sources
        info = archive.getinfo("import.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert (info.file_size, info.compress_size < info.file_size // 4) == (
            len(sources["import.xml"]),
            True,
        )
        assert archive.getinfo("import_files/ab/abc.jpg").compress_type == zipfile.ZIP_STORED
    # The member's own header (which unzips that stream the archive read) says the same.
    _, _, _, method, _, _, crc, _, size, _, _ = struct.unpack_from("<4s5H3L2H", data, 0)
    assert (method, crc) == (zipfile.ZIP_DEFLATED, zlib.crc32(sources["import.xml"]))
    assert size == (0xFFFFFFFF if zip64 else len(sources["import.xml"]))


def test_a_large_file_that_cannot_be_read_stops_the_packing(tmp_path, monkeypatch):
    """Its thread's error is the packing's: no archive without it."""
    monkeypatch.setattr(packing, "DEFLATED_APART_FROM", 1)
    present = tmp_path / "import.xml"
    present.write_bytes(catalog_text(10))
    unreadable = tmp_path / "offers.xml"
    unreadable.mkdir()
    uploads = [Upload("import.xml", present), Upload("offers.xml", unreadable)]
    with pytest.raises(IsADirectoryError):
        packing.pack(uploads)


@pytest.mark.parametrize(
    ("size", "limit", "expected"),
    [
        (0, 10, [0]),
        (10, 10, [10]),
        (11, 10, [10, 1]),
        (25, 7, [7, 7, 7, 4]),
        (25, None, [25]),
    ],
)
def test_parts(tmp_path, size, limit, expected):
    data = bytes(range(size))
    path = tmp_path / "file.xml"
    path.write_bytes(data)
    for source in (data, path, str(path)):
        pieces = list(parts(source, limit))
        assert [len(piece) for piece in pieces] == expected
        assert b"".join(pieces) == data


def test_human_size():
    assert [human_size(n) for n in (0, 1023, 1024, 8100, 2_411_725)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "7.9 KB",
        "2.3 MB",
    ]


def test_addresses_are_built_as_1c_builds_them():
    transport = HttpTransport("http://shop.example:8000/bitrix/admin/1c_exchange.php", timeout=1)
    params = {"type": "catalog", "mode": "file", "filename": "import_files/ab/фото 1.jpg"}
    assert transport.target(query_string(params, "sessid=abc")) == (
        "/bitrix/admin/1c_exchange.php?type=catalog&mode=file"
        "&filename=import_files/ab/%D1%84%D0%BE%D1%82%D0%BE%201.jpg&sessid=abc"
    )
    with_query = HttpTransport("https://shop.example/exchange?site=s1", timeout=1)
    assert with_query.target(query_string({"type": "sale", "mode": "query"})) == (
        "/exchange?site=s1&type=sale&mode=query"
    )


@pytest.mark.parametrize("url", ["ftp://shop.example/x", "shop.example/1c_exchange.php", ""])
def test_only_http_addresses(url):
    with pytest.raises(ValueError, match="http"):
        HttpTransport(url, timeout=1)


def test_basic_credentials_are_utf8():
    assert basic_authorization("1c", "пароль") == "Basic MWM60L/QsNGA0L7Qu9GM"


def test_31_files_are_put_in_1cs_sending_order() -> None:
    given = [
        "rests_1_10_c.xml",
        "goods_1_2_b.xml",
        "import.xml",
        "rests_1_2_a.xml",
        "groups_1_1_d.xml",
        "goods_1_10_a.xml",
        "priceLists_1_1_e.xml",
        "offers.xml",
        "goods_1_1_f.xml",
    ]
    assert [p.name for p in in_sending_order(given)] == [
        "priceLists_1_1_e.xml",
        "groups_1_1_d.xml",
        "goods_1_1_f.xml",
        "goods_1_2_b.xml",
        "goods_1_10_a.xml",  # by packet number, not by name
        "rests_1_2_a.xml",
        "rests_1_10_c.xml",
        "import.xml",  # other names keep their order, after
        "offers.xml",
    ]
