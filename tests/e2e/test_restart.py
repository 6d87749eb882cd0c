"""An exchange survives the server's death between two import steps: a new process goes on."""

from __future__ import annotations

import base64
import sqlite3
import urllib.request

import pytest

from benchmarks.generator import generate_catalog
from tests.e2e.servers import Server, environment, manage

pytestmark = pytest.mark.slow


class Raw1C:
    """Just enough of 1C over real HTTP: a cookie, a sessid, raw bodies."""

    def __init__(self, url: str) -> None:
        self.url = url + "/1c_exchange.php"
        self.cookie = ""
        self.sessid = ""

    def call(self, query: str, data: bytes | None = None, auth: str | None = None) -> str:
        url = f"{self.url}?{query}" + (f"&{self.sessid}" if self.sessid else "")
        request = urllib.request.Request(
            url, data=data, method="POST" if data is not None else "GET"
        )
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        if auth:
            request.add_header("Authorization", auth)
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return response.read().decode("cp1251")


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
        onec = Raw1C(server.url)
        reply = onec.call(
            "type=catalog&mode=checkauth",
            auth="Basic " + base64.b64encode(b"admin:secret").decode(),
        )
        _, name, value, sessid, _ = reply.split("\n", 4)
        onec.cookie, onec.sessid = f"{name}={value}", sessid
        assert onec.call("type=catalog&mode=init").startswith("zip=")
        for start in range(0, len(data), 204_800):
            assert (
                onec.call(
                    "type=catalog&mode=file&filename=import.xml", data[start : start + 204_800]
                )
                == "success\n"
            )
        first = onec.call("type=catalog&mode=import&filename=import.xml")
        assert first.startswith("progress\n")

        server.kill()  # between two steps, the process dies
        with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
            half = db.execute("select count(*) from cml_exchange_product").fetchone()[0]
        assert 0 < half < 8000
        server.start()  # a new process, the same database and the same cookie

        replies = [onec.call("type=catalog&mode=import&filename=import.xml")]
        while replies[-1].startswith("progress\n"):
            replies.append(onec.call("type=catalog&mode=import&filename=import.xml"))
        assert replies[-1] == "success\nИмпорт успешно завершен."
    finally:
        server.kill()
    with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
        assert db.execute("select count(*) from cml_exchange_product").fetchone()[0] == 8000
        assert (
            db.execute("select count(distinct slug) from cml_exchange_product").fetchone()[0]
            == 8000
        )
