"""An exchange survives the server's death between two import steps: a new process goes on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.generator import generate_catalog
from cml_exchange.client import ExchangeClient
from tests.e2e.servers import Server, environment, manage

pytestmark = pytest.mark.slow


def import_step(onec: ExchangeClient) -> str:
    """One ``mode=import`` request for import.xml; the reply."""
    return onec.request("import", params={"filename": "import.xml"}).body.decode("cp1251")


def products(tmp_path: Path) -> int:
    """How many products the shop's database holds now."""
    with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
        return int(db.execute("select count(*) from cml_exchange_product").fetchone()[0])


def test_an_import_goes_on_in_a_new_server_process(tmp_path):
    env = environment(tmp_path / "shop.sqlite3", tmp_path / "exchange", tmp_path / "media")
    manage(env, "migrate", "--no-input", "-v0")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        "User.objects.create_superuser('admin', 'a@example.com', 'secret');"
        "from cml_exchange.models import ExchangeSettings;"
        "ExchangeSettings.load(); ExchangeSettings.objects.update(step_interval=1)",
    )
    generate_catalog(tmp_path / "generated", 8000, seed=5)
    data = (tmp_path / "generated" / "import.xml").read_bytes()

    server = Server(env)
    server.start()
    try:
        onec = ExchangeClient(f"{server.url}/1c_exchange.php", "admin", "secret", timeout=60)
        onec.checkauth()
        onec.init()
        onec.upload("import.xml", data, 204_800)
        # Steps until products are being written: on a busy machine the first second
        # may go to checking the file whole (the scan) before anything is written.
        step = import_step(onec)
        while step.startswith("progress\n") and not products(tmp_path):
            step = import_step(onec)
        assert step.startswith("progress\n")

        server.kill()  # between two steps, the process dies
        half = products(tmp_path)
        assert 0 < half < 8000
        server.start()  # a new process, the same database and the same cookie

        replies = [import_step(onec)]
        while replies[-1].startswith("progress\n"):
            replies.append(import_step(onec))
        assert replies[-1] == "success\nИмпорт успешно завершен."
    finally:
        server.kill()
    with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
        assert db.execute("select count(*) from cml_exchange_product").fetchone()[0] == 8000
        assert (
            db.execute("select count(distinct slug) from cml_exchange_product").fetchone()[0]
            == 8000
        )
