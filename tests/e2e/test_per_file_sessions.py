"""1C's session per file, and an ``init`` that comes while another exchange imports.

Over raw HTTP against a real server process (``runserver``, on the suite's
kind of database), so that every request is exactly what 1C sends:

* some 1C configurations run ``checkauth`` + ``init`` before every file:
  import.xml is zipped, uploaded and imported to ``success`` in one session,
  offers.xml in the next; both must be imported, prices included;
* an ``init`` (Bitrix: "wipe the upload directory") from another exchange,
  of another user or of the same one, that arrives while an import is
  running must not delete the files that import still needs: the import
  goes on to ``success`` and every picture is attached.
"""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.catalogs import (
    Catalog,
    import_xml,
    make_catalog,
    offers_xml,
    pictures_of,
    problems,
    zipped,
)
from tests.e2e.conftest import PASSWORD, prepare_shop
from tests.e2e.servers import Server, shop_database

pytestmark = pytest.mark.slow

USERS = ("1c-first", "1c-second")
IMPORT_DONE = "success\nИмпорт успешно завершен."
#: The start of a progress message once products are being written ("Обработано 1000 из …").
READING = "progress\nОбработано "


@dataclass
class Shop:
    server: Server
    env: dict[str, str]
    media_root: Path

    @property
    def url(self) -> str:
        return f"{self.server.url}/1c_exchange.php"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The shop under ``runserver`` on a database of its own; a 1 s step, 8 KB parts."""
    root = tmp_path_factory.mktemp("per-file-shop")
    with shop_database(root) as env:
        prepare_shop(env, USERS, step_interval=1, file_limit=8192)
        server = Server(env)
        server.start()
        try:
            yield Shop(server, env, root / "media")
        finally:
            server.kill()


class OneC:
    """One 1C exchange session over raw HTTP: Basic auth on checkauth, then cookie and sessid."""

    def __init__(self, url: str, user: str) -> None:
        self.url = url
        self.user = user
        self.cookie = ""
        self.sessid = ""
        self.timestamp = ""
        self.file_limit = 0

    def call(self, query: str, data: bytes | None = None, auth: bool = False) -> str:
        url = f"{self.url}?type=catalog&{query}" + (f"&{self.sessid}" if self.sessid else "")
        request = urllib.request.Request(
            url, data=data, method="POST" if data is not None else "GET"
        )
        if auth:
            token = base64.b64encode(f"{self.user}:{PASSWORD}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        elif self.cookie:
            request.add_header("Cookie", self.cookie)
        if data is not None:
            request.add_header("Content-Type", "application/octet-stream")
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return response.read().decode("cp1251")

    def checkauth(self) -> None:
        """A new session: ``success``, the cookie (name, value), ``sessid=…``, ``timestamp=…``."""
        self.cookie = self.sessid = ""
        reply = self.call("mode=checkauth", auth=True)
        status, name, value, sessid, timestamp = reply.split("\n")[:5]
        assert status == "success", reply
        self.cookie, self.sessid, self.timestamp = f"{name}={value}", sessid, timestamp

    def init(self) -> None:
        reply = self.call("mode=init")
        lines = dict(line.split("=", 1) for line in reply.split("\n") if "=" in line)
        assert lines.get("zip") == "yes", reply
        self.file_limit = int(lines["file_limit"])

    def upload(self, name: str, data: bytes) -> int:
        """POST ``data`` in parts of ``file_limit`` bytes, each answered ``success``; the parts."""
        parts = range(0, len(data), self.file_limit)
        for start in parts:
            reply = self.call(f"mode=file&filename={name}", data[start : start + self.file_limit])
            assert reply == "success\n", f"part at {start} of {name}: {reply!r}"
        return len(parts)

    def steps(self, name: str) -> Iterator[str]:
        """``mode=import`` for ``name``, each reply, while the site answers ``progress``."""
        while True:
            reply = self.call(f"mode=import&filename={name}")
            yield reply
            if not reply.startswith("progress\n"):
                return

    def import_file(self, name: str) -> list[str]:
        replies = list(self.steps(name))
        assert replies[-1] == IMPORT_DONE, f"import of {name}: {replies}"
        return replies

    def complete(self) -> None:
        assert self.call("mode=complete").startswith("success\n")


@pytest.mark.parametrize(
    "archives",
    [
        pytest.param({"import.xml": "import.zip", "offers.xml": "offers.zip"}, id="own-archives"),
        pytest.param({"import.xml": "import.zip", "offers.xml": "import.zip"}, id="same-archive"),
    ],
)
def test_checkauth_and_init_before_each_file(shop, archives):
    catalog = make_catalog(f"per-file-{archives['offers.xml']}", 300, pictures_every=10)
    onec = OneC(shop.url, USERS[0])
    unloads = {
        "import.xml": {"import.xml": import_xml(catalog), **pictures_of(catalog)},
        "offers.xml": {"offers.xml": offers_xml(catalog)},
    }
    for name, files in unloads.items():
        onec.checkauth()
        onec.init()
        assert onec.upload(archives[name], zipped(files)) > 1
        onec.import_file(name)
    onec.complete()
    assert problems(shop.env, catalog, shop.media_root) == []


def import_interrupted_by_init(shop: Shop, catalog: Catalog, other: OneC, moment: str) -> None:
    """Import ``catalog``; at ``moment`` of import.xml's import, ``other`` runs checkauth+init.

    ``moment`` is ``"first-progress"`` (the first ``progress`` reply: the
    archive is being unpacked) or ``"reading"`` (the first reply saying how
    many products are written: some are, the rest and their pictures not).
    """
    onec = OneC(shop.url, USERS[0])
    onec.checkauth()
    onec.init()
    unload = {
        "import.xml": import_xml(catalog),
        "offers.xml": offers_xml(catalog),
        **pictures_of(catalog),
    }
    onec.upload("import.zip", zipped(unload))
    replies = []
    for reply in onec.steps("import.xml"):
        replies.append(reply)
        if moment == "first-progress" or reply.startswith(READING):
            break
    assert replies[-1].startswith("progress\n"), (
        f"import.xml was imported before {moment}, in {len(replies)} requests ({replies}); "
        "the catalog must be bigger for the other init to come in the middle"
    )
    other.checkauth()
    other.init()
    replies.extend(onec.steps("import.xml"))
    offers = list(onec.steps("offers.xml")) if replies[-1] == IMPORT_DONE else []
    onec.complete()
    found = problems(shop.env, catalog, shop.media_root)
    assert (replies[-1], offers[-1:], found) == (IMPORT_DONE, [IMPORT_DONE], []), (
        f"after the other init: import.xml {replies}, offers.xml {offers}, in the database: {found}"
    )


@pytest.mark.parametrize(
    ("who", "moment"),
    [
        pytest.param(USERS[1], "reading", id="other-user-while-reading"),
        pytest.param(USERS[0], "first-progress", id="same-user-at-first-progress"),
    ],
)
def test_an_init_during_an_import_keeps_its_files(shop, who, moment):
    catalog = make_catalog(f"interrupted-{moment}", 3000, pictures_every=2)
    import_interrupted_by_init(shop, catalog, OneC(shop.url, who), moment)
