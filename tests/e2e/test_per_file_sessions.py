"""1C's session per file, and an ``init`` that comes while another exchange imports.

Over HTTP against a real server process (``runserver``, on the suite's kind
of database), by the built-in client, so that every request is what 1C sends:

* some 1C configurations run ``checkauth`` + ``init`` before every file:
  import.xml is zipped, uploaded and imported to ``success`` in one session,
  offers.xml in the next; both must be imported, prices included;
* an ``init`` (Bitrix: "wipe the upload directory") from another exchange,
  of another user or of the same one, that arrives while an import is
  running must not delete the files that import still needs: the import
  goes on to ``success`` and every picture is attached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cml_exchange.client import ExchangeClient
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


def new_1c(shop: Shop, user: str) -> ExchangeClient:
    """The built-in 1C client of ``user``, over HTTP."""
    return ExchangeClient(shop.url, user, PASSWORD, timeout=60)


def begin(onec: ExchangeClient) -> None:
    """A new session: checkauth, then an init that asks for a zip."""
    onec.checkauth()
    assert onec.init().zip


def steps(onec: ExchangeClient, name: str) -> Iterator[str]:
    """``mode=import`` for ``name``, each reply, while the site answers ``progress``."""
    while True:
        reply = onec.request("import", params={"filename": name}).body.decode("cp1251")
        yield reply
        if not reply.startswith("progress\n"):
            return


def import_file(onec: ExchangeClient, name: str) -> list[str]:
    replies = list(steps(onec, name))
    assert replies[-1] == IMPORT_DONE, f"import of {name}: {replies}"
    return replies


@pytest.mark.parametrize(
    "archives",
    [
        pytest.param({"import.xml": "import.zip", "offers.xml": "offers.zip"}, id="own-archives"),
        pytest.param({"import.xml": "import.zip", "offers.xml": "import.zip"}, id="same-archive"),
    ],
)
def test_checkauth_and_init_before_each_file(shop, archives):
    catalog = make_catalog(f"per-file-{archives['offers.xml']}", 300, pictures_every=10)
    onec = new_1c(shop, USERS[0])
    unloads = {
        "import.xml": {"import.xml": import_xml(catalog), **pictures_of(catalog)},
        "offers.xml": {"offers.xml": offers_xml(catalog)},
    }
    for name, files in unloads.items():
        begin(onec)
        assert onec.upload(archives[name], zipped(files)).parts > 1  # in parts of file_limit
        import_file(onec, name)
    onec.complete()
    assert problems(shop.env, catalog, shop.media_root) == []


def import_interrupted_by_init(
    shop: Shop, catalog: Catalog, other: ExchangeClient, moment: str
) -> None:
    """Import ``catalog``; at ``moment`` of import.xml's import, ``other`` runs checkauth+init.

    ``moment`` is ``"first-progress"`` (the first ``progress`` reply: the
    archive is being unpacked) or ``"reading"`` (the first reply saying how
    many products are written: some are, the rest and their pictures not).
    """
    onec = new_1c(shop, USERS[0])
    begin(onec)
    unload = {
        "import.xml": import_xml(catalog),
        "offers.xml": offers_xml(catalog),
        **pictures_of(catalog),
    }
    onec.upload("import.zip", zipped(unload))
    replies = []
    for reply in steps(onec, "import.xml"):
        replies.append(reply)
        if moment == "first-progress" or reply.startswith(READING):
            break
    assert replies[-1].startswith("progress\n"), (
        f"import.xml was imported before {moment}, in {len(replies)} requests ({replies}); "
        "the catalog must be bigger for the other init to come in the middle"
    )
    begin(other)
    replies.extend(steps(onec, "import.xml"))
    offers = list(steps(onec, "offers.xml")) if replies[-1] == IMPORT_DONE else []
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
    # Big enough that the import takes more than one 1 s step on a fast run (3000 did not,
    # once the steps after each file got faster).
    catalog = make_catalog(f"interrupted-{moment}", 6000, pictures_every=2)
    import_interrupted_by_init(shop, catalog, new_1c(shop, who), moment)
