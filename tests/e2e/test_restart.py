"""An exchange survives the server's death between two import steps: a new process goes on."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from benchmarks.generator import generate_catalog
from cml_exchange.client import ExchangeClient
from cml_exchange.client.replies import ExchangeFailure
from cml_exchange.commerceml.reading.scan_process import can_start
from tests.e2e.servers import Server, environment, manage
from tests.integration.protocol.exchange import pictures_not_uploaded

pytestmark = pytest.mark.slow


def import_step(onec: ExchangeClient) -> str:
    """One ``mode=import`` request for import.xml; the reply."""
    return onec.request("import", params={"filename": "import.xml"}).body.decode("cp1251")


def products(tmp_path: Path) -> int:
    """How many products the shop's database holds now."""
    with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
        return int(db.execute("select count(*) from cml_exchange_product").fetchone()[0])


def shop_and_catalog(tmp_path: Path, *, step_interval: int) -> tuple[dict[str, str], bytes]:
    """A migrated shop with user admin/secret and this step interval; an import.xml of 8000."""
    env = environment(tmp_path / "shop.sqlite3", tmp_path / "exchange", tmp_path / "media")
    manage(env, "migrate", "--no-input", "-v0")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        "User.objects.create_superuser('admin', 'a@example.com', 'secret');"
        "from cml_exchange.models import ExchangeSettings;"
        "ExchangeSettings.load();"
        f"ExchangeSettings.objects.update(step_interval={step_interval})",
    )
    generate_catalog(tmp_path / "generated", 8000, seed=5)
    return env, (tmp_path / "generated" / "import.xml").read_bytes()


def test_an_import_goes_on_in_a_new_server_process(tmp_path):
    env, data = shop_and_catalog(tmp_path, step_interval=1)

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
        assert replies[-1] == f"success\n{pictures_not_uploaded(data)}"  # none was uploaded
    finally:
        server.kill()
    with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
        assert db.execute("select count(*) from cml_exchange_product").fetchone()[0] == 8000
        assert (
            db.execute("select count(distinct slug) from cml_exchange_product").fetchone()[0]
            == 8000
        )


def scan_children(parent: int) -> list[int]:
    """The scan processes ``parent`` started (``scan_process`` children), by pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"scan_process" in command:
            found.append(int(entry.name))
    return found


def cut_off_step(onec: ExchangeClient) -> None:
    """An import request whose server is killed under it."""
    with contextlib.suppress(OSError, ExchangeFailure):
        import_step(onec)


def job_stage(tmp_path: Path) -> str:
    with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
        return str(db.execute("select stage from cml_exchange_importjob").fetchone()[0])


@pytest.mark.skipif(not can_start(), reason="a scan beside the reader needs a second core")
def test_a_server_killed_before_the_scans_verdict_leaves_the_file_to_be_scanned(tmp_path):
    """What was written while the scan ran in its own process was never committed."""
    env, data = shop_and_catalog(tmp_path, step_interval=30)
    env["CML_EXCHANGE_SCAN_BESIDE_FROM"] = "1"

    server = Server(env)
    server.start()
    try:
        onec = ExchangeClient(f"{server.url}/1c_exchange.php", "admin", "secret", timeout=60)
        onec.checkauth()
        onec.init()
        onec.upload("import.xml", data, 1 << 20)
        assert server.process is not None
        parent = server.process.pid
        step = threading.Thread(target=lambda: cut_off_step(onec))
        step.start()
        deadline = time.monotonic() + 30
        while not (children := scan_children(parent)):
            assert time.monotonic() < deadline, "no scan process was started"
            time.sleep(0.01)
        time.sleep(0.3)  # batches are being written while the scan goes on
        assert scan_children(parent) == children, "the scan ended before the server was killed"
        server.kill()
        step.join()

        assert products(tmp_path) == 0
        assert job_stage(tmp_path) == "scan"
        deadline = time.monotonic() + 5  # the scan, orphaned, ends within a second
        while any(Path(f"/proc/{pid}").exists() for pid in children):
            assert time.monotonic() < deadline, "the scan process outlived its server"
            time.sleep(0.1)

        # The dead server's leases on the job and the session run out (after 150 s at
        # this step interval); here they are made to have run out already.
        with sqlite3.connect(tmp_path / "shop.sqlite3") as db:
            for table in ("cml_exchange_importjob", "cml_exchange_exchangesession"):
                db.execute(f"update {table} set lease_until = '2000-01-01 00:00:00'")  # noqa: S608
        server.start()
        replies = [import_step(onec)]
        while replies[-1].startswith("progress\n"):
            replies.append(import_step(onec))
        assert replies[-1] == f"success\n{pictures_not_uploaded(data)}"  # none was uploaded
    finally:
        server.kill()
    assert products(tmp_path) == 8000
