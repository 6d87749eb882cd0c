"""The catalog exchange's ``mode=file``: parts put together as sent, names made safe, caps."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from cml_exchange.models import ExchangeFile
from tests.integration.protocol.exchange import URL, folder_of, new_1c, post, stored
from tests.paths import sample

pytestmark = pytest.mark.django_db

IMPORT = sample("carono__php-commerceml__tests__xml__import")
OFFERS = sample("carono__php-commerceml__tests__xml__offers")


@pytest.mark.parametrize("chunk", [333, 7001, 204_800])
def test_parts_reassemble_byte_identical(one_c, upload_root, chunk):
    data = IMPORT.read_bytes()
    one_c.upload("import.xml", data, chunk)
    assert (folder_of(one_c) / "import.xml").read_bytes() == data
    record = ExchangeFile.objects.get(name=stored(one_c, "import.xml"))
    assert (record.size, record.parts) == (len(data), -(-len(data) // chunk))


def test_a_new_exchange_starts_a_file_afresh(admin_user, upload_root):
    for _ in range(2):
        onec = new_1c()
        onec.checkauth()
        onec.init()
        onec.upload("offers.xml", OFFERS.read_bytes(), 4000)
        assert (folder_of(onec) / "offers.xml").read_bytes() == OFFERS.read_bytes()


def test_pictures_go_into_subfolders(one_c, upload_root):
    assert post(one_c, "import_files/ab/picture.jpg", b"\xff\xd8jpeg") == b"success\n"
    picture = folder_of(one_c) / "import_files" / "ab" / "picture.jpg"
    assert picture.read_bytes() == b"\xff\xd8jpeg"


def test_names_in_windows_1251_are_kept_as_a_1c_77_module_meant_them(one_c, client):
    """A 1C 7.7-era module on Windows percent-encodes its query in windows-1251.

    Decoded as UTF-8, every Cyrillic letter became the same replacement
    character: two pictures of names of one length went into one file, and
    neither matched the name the catalog gives it.
    """
    assert one_c.auth is not None
    for name in ("Стул.jpg", "Торт.jpg"):
        encoded = quote(f"import_files/ab/{name}", encoding="cp1251", safe="/")
        reply = client.post(
            f"{URL}?type=catalog&mode=file&filename={encoded}&{one_c.auth.sessid}",
            data=name.encode(),
            content_type="application/octet-stream",
            HTTP_COOKIE=one_c.auth.cookie,
        )
        assert reply.content == b"success\n"
    pictures = folder_of(one_c) / "import_files" / "ab"
    assert {path.name: path.read_bytes() for path in pictures.iterdir()} == {
        "Стул.jpg": "Стул.jpg".encode(),
        "Торт.jpg": "Торт.jpg".encode(),
    }


@pytest.mark.parametrize(
    ("name", "as_1c_sends_it"),
    [
        ("import_files\\ab\\p.jpg", "import_files/ab/p.jpg"),
        ("/tmp/import.xml", "import.xml"),
        ("./x.xml", "x.xml"),
    ],
)
def test_names_are_normalised(one_c, upload_root, name, as_1c_sends_it):
    assert post(one_c, name, b"data") == b"success\n"
    assert (folder_of(one_c) / as_1c_sends_it).read_bytes() == b"data"


# The names as the site decodes them; the client percent-encodes each (the NUL goes as %00).
@pytest.mark.parametrize(
    "name",
    ["../escape.xml", "a/../../escape.xml", "/etc/escape.xml", "C:\\escape.xml", "C:escape.xml",
     "x\x00.xml", "shell.php", "page.html", "x.php.jpg", ".htaccess", "..", ""],
)  # fmt: skip
def test_hostile_names_are_refused_and_nothing_is_written_outside(
    one_c, upload_root, tmp_path, name
):
    reply = post(one_c, name, b"<?php evil(); ?>").decode("cp1251")
    assert reply.startswith("failure\n"), reply
    assert "имя файла" in reply
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == []


def test_body_larger_than_djangos_memory_limit_is_streamed(one_c, upload_root, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    data = bytes(range(256)) * 10_000  # 2.5 MB in one part
    assert post(one_c, "big.xml", data) == b"success\n"
    assert (folder_of(one_c) / "big.xml").read_bytes() == data


def test_file_size_cap(one_c, upload_root, settings):
    settings.CML_EXCHANGE_MAX_FILE_SIZE = 10_000
    assert post(one_c, "import.xml", b"x" * 6000) == b"success\n"
    reply = post(one_c, "import.xml", b"y" * 6000).decode("cp1251")
    assert reply.startswith("failure\nФайл import.xml больше допустимого размера")
    assert (folder_of(one_c) / "import.xml").read_bytes() == b"x" * 6000


def test_exchange_size_cap(one_c, upload_root, settings):
    settings.CML_EXCHANGE_MAX_EXCHANGE_SIZE = 10_000
    assert post(one_c, "a.xml", b"x" * 6000) == b"success\n"
    assert post(one_c, "b.xml", b"y" * 6000).startswith(b"failure\n")
    refused = folder_of(one_c) / "b.xml"
    assert not refused.exists() or refused.read_bytes() == b""


SAMPLE_FILES = sorted(path.name for path in IMPORT.parent.glob("*.xml"))


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_sample_file_reassembles_from_parts_of_any_size(admin_user, upload_root, name):
    data = (IMPORT.parent / name).read_bytes()
    for chunk in sorted({max(257, len(data) // 40), len(data) // 7 + 1, 204_800}):
        onec = new_1c()  # each size in an exchange of its own: the file starts afresh
        onec.checkauth()
        onec.init()
        onec.upload(name, data, chunk)
        assert (folder_of(onec) / name).read_bytes() == data, chunk
