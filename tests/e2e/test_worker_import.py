"""Imports on a task worker (``CML_EXCHANGE_IMPORT_TASKS``), end to end.

A real server process and a real worker process (``manage.py db_worker`` of
django-tasks-db) on a database of the suite's kind; 1C is the built-in client
over HTTP. What a shop that turns the worker on must be able to count on:

* every ``import`` request answers at once (well under a second) while the
  worker imports, and the shop ends with exactly the catalog 1C sent;
* a worker killed in the middle of an import (``kill -9``) loses nothing:
  the next worker goes on from the last saved batch, and the shop holds the
  same catalog as after an uninterrupted import;
* deployed as in production (gunicorn with several processes, two import
  workers, PostgreSQL), a 10,000-product catalog goes through the built-in
  client with every ``import`` request answered in under a second;
* with no worker running, 1C is not left waiting: after
  ``CML_EXCHANGE_TASK_WAIT`` the requests import themselves, and the job's
  warnings say why.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cml_exchange.client import ExchangeClient
from tests.e2e.catalogs import Catalog, import_xml, make_catalog, offers_xml, problems, zipped
from tests.e2e.conftest import PASSWORD, prepare_shop, unavailable
from tests.e2e.servers import (
    ROOT,
    GunicornServer,
    Server,
    rows,
    shop_database,
    suite_postgres_url,
)

pytestmark = pytest.mark.slow

USER = "1c-worker"
IMPORT_DONE = "Импорт успешно завершен."


def quick(env: dict[str, str]) -> float:
    """How long an ``import`` request may take while the worker imports (seconds).

    Under a second on PostgreSQL. SQLite has one writer at a time: a request
    that writes (its session's lease) waits for the worker's batch in hand.
    """
    return 1.0 if env["DATABASE_URL"].startswith("postgres") else 3.0


#: The worker's lease: a killed worker's import is taken up this long after its last batch.
#: Short, so that the test does not wait long; long enough for a batch on a slow machine.
LEASE = 8


#: The worker command of each ``IMPORT_WORKER`` of the example shop.
WORKER_COMMANDS = {
    "database": ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
    "rq": ["rqworker", "--job-class", "django_tasks_rq.Job"],
}


class Worker:
    """The shop's task worker (``db_worker``, or RQ's ``rqworker``) in a process of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = WORKER_COMMANDS[self.env["IMPORT_WORKER"]]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), *command],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """``kill -9``: no clean-up of any kind, as when the machine or the OOM killer stops it."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None


@dataclass
class Shop:
    server: Server
    env: dict[str, str]
    root: Path

    @property
    def url(self) -> str:
        return f"{self.server.url}/1c_exchange.php"

    def worker(self) -> Worker:
        return Worker(self.env, self.root / "worker.log")


#: The Redis database the RQ tests use, emptied before each (the machine's Redis, 127.0.0.1);
#: CI gives each of its two suites, which run side by side, a database of its own.
REDIS_URL = os.environ.get("CML_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def empty_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"Redis is not reachable at {REDIS_URL}: {error}")


@pytest.fixture(params=["database"])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    """The shop on a database of its own, imports on workers of the kind ``request.param``
    (the example shop's ``IMPORT_WORKER``), a 1 s step for the fallback."""
    extra = {"IMPORT_WORKER": request.param}
    if request.param == "rq":
        empty_redis()
        extra["REDIS_URL"] = REDIS_URL
    with shop_database(tmp_path, extra=extra) as env:
        # Answers every tenth of a second, so that the live position is seen between batches.
        env.update(
            {
                "CML_EXCHANGE_TASK_LEASE": str(LEASE),
                "CML_EXCHANGE_TASK_WAIT": "30",
                "CML_EXCHANGE_TASK_POLL": "0.1",
            }
        )
        prepare_shop(env, [USER], step_interval=1)
        shop = Shop(Server(env), env, tmp_path)
        shop.server.start()
        try:
            yield shop
        finally:
            shop.server.kill()  # the test's own server, if it started another


def upload(shop: Shop, catalog: Catalog) -> ExchangeClient:
    onec = ExchangeClient(shop.url, USER, PASSWORD, timeout=60)
    onec.checkauth()
    onec.init()
    onec.upload("import.zip", zipped({"import.xml": import_xml(catalog)}))
    onec.upload("offers.xml", offers_xml(catalog))
    return onec


def import_timed(onec: ExchangeClient, name: str) -> tuple[str, list[float], list[str]]:
    """``mode=import`` for ``name`` until it ends: the last reply, each request's seconds,
    and the ``progress`` messages."""
    seconds: list[float] = []
    said: list[str] = []
    while True:
        started = time.monotonic()
        reply = onec.request("import", params={"filename": name}).body.decode("cp1251")
        seconds.append(time.monotonic() - started)
        if not reply.startswith("progress\n"):
            return reply, seconds, said
        said.append(reply.removeprefix("progress\n"))
        assert len(said) < 2000, f"the import of {name} does not end: {said[-3:]}"


@pytest.mark.parametrize("shop", ["database", "rq"], indirect=True)
def test_the_worker_imports_and_every_request_answers_at_once(shop: Shop) -> None:
    # Enough batches that 1C's polls, a tenth of a second apart, see the reading go on:
    # 3,000 products were read between two polls on a fast machine under load. Batches
    # committed one by one: a file scanned beside the reader commits its batches with the
    # verdict, which under CI's load came after all 10,000 products once the import got faster.
    shop.env["CML_EXCHANGE_SCAN_BESIDE_FROM"] = "0"
    catalog = make_catalog("worker", 10_000)
    worker = shop.worker()
    worker.start()
    progress: list[str] = []
    try:
        onec = upload(shop, catalog)
        for name in ("import.xml", "offers.xml"):
            reply, seconds, said = import_timed(onec, name)
            progress += said
            assert reply == f"success\n{IMPORT_DONE}", (name, said[-3:])
            assert max(seconds) < quick(shop.env), (
                f"{name}: the slowest import request took {max(seconds):.2f} s"
            )
        onec.complete()
        if shop.env["IMPORT_WORKER"] == "database":
            # 1C hears success when the import job is done; the worker marks its task a
            # moment later, after the task's function returns: wait for that, then stop it.
            assert task_statuses(shop.env) == {"SUCCESSFUL"}
    finally:
        worker.kill()
    assert problems(shop.env, catalog, shop.root / "media") == []
    assert any(text.startswith("Обработано ") for text in progress), progress  # live position


def task_statuses(env: dict[str, str], *, within: float = 10.0) -> set[str]:
    """The database backend's task statuses once none is running (or after ``within`` s)."""
    deadline = time.monotonic() + within
    while True:
        statuses = {status for (status,) in rows(env, SELECT_TASK_STATUSES)}
        if not statuses & {"READY", "RUNNING"} or time.monotonic() > deadline:
            return statuses
        time.sleep(0.05)


SELECT_TASK_STATUSES = "SELECT status FROM django_tasks_database_dbtaskresult"


def written(shop: Shop) -> int:
    return int(rows(shop.env, "SELECT count(*) FROM cml_exchange_product")[0][0])


def test_a_killed_worker_s_import_is_finished_by_the_next_one(shop: Shop) -> None:
    catalog = make_catalog("killed", 4000)
    # Batches committed one by one, so that the kill lands between two of them: a file
    # scanned beside the reader commits its first batches with the verdict, which on a fast
    # machine came after all 4,000 products (a kill before the verdict: tests/e2e/test_restart).
    shop.env["CML_EXCHANGE_SCAN_BESIDE_FROM"] = "0"
    first = shop.worker()
    first.start()
    onec = upload(shop, catalog)
    reply = onec.request("import", params={"filename": "import.xml"}).body.decode("cp1251")
    assert reply.startswith("progress\n"), reply  # enqueued
    deadline = time.monotonic() + 60
    while not written(shop) and time.monotonic() < deadline:  # the first batch is in
        time.sleep(0.02)
    first.kill()
    assert 0 < written(shop) < len(catalog.items), written(shop)

    second = shop.worker()
    second.start()
    try:
        reply, seconds, _ = import_timed(onec, "import.xml")
        assert reply == f"success\n{IMPORT_DONE}"
        reply, _, _ = import_timed(onec, "offers.xml")
        assert reply == f"success\n{IMPORT_DONE}"
        onec.complete()
    finally:
        second.kill()
    assert max(seconds) < quick(shop.env)
    assert problems(shop.env, catalog, shop.root / "media") == []
    enqueued = rows(shop.env, "SELECT count(*) FROM django_tasks_database_dbtaskresult")[0][0]
    assert enqueued >= 3  # import.xml twice (before and after the kill), offers.xml once


def test_without_a_worker_1c_is_not_left_waiting(shop: Shop) -> None:
    catalog = make_catalog("no-worker", 200)
    shop.server.kill()
    shop.env["CML_EXCHANGE_TASK_WAIT"] = "1"
    shop.server = Server(shop.env)
    shop.server.start()
    onec = upload(shop, catalog)
    for name in ("import.xml", "offers.xml"):
        reply, _, said = import_timed(onec, name)
        assert reply == f"success\n{IMPORT_DONE}", said[-3:]
        assert "Импорт ожидает обработчика фоновых задач." in said
    onec.complete()
    assert problems(shop.env, catalog, shop.root / "media") == []
    told = rows(shop.env, "SELECT job_id FROM cml_exchange_importwarning WHERE code = 'no_worker'")
    assert len(told) == len({job for (job,) in told}) == 2  # each file's job, once


def test_deployed_with_gunicorn_and_workers_on_postgresql_10k_products(tmp_path: Path) -> None:
    """The deployment of docs/workers.md: every ``import`` request under a second."""
    if suite_postgres_url() is None:
        pytest.skip("needs PostgreSQL: the deployment proof runs on the production database")
    catalog = make_catalog("deployed", 10_000)
    with shop_database(tmp_path, extra={"IMPORT_WORKER": "database"}) as env:
        prepare_shop(env, [USER])  # the default 30 s step: a request would take that long
        server = GunicornServer(env, workers=3, log=tmp_path / "gunicorn.log")
        server.start()
        workers = [Worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
        for worker in workers:
            worker.start()
        try:
            shop = Shop(server, env, tmp_path)
            onec = upload(shop, catalog)
            slowest = {}
            for name in ("import.xml", "offers.xml"):
                reply, seconds, said = import_timed(onec, name)
                assert reply == f"success\n{IMPORT_DONE}", (name, said[-3:])
                slowest[name] = max(seconds)
            onec.complete()
        finally:
            for worker in workers:
                worker.kill()
            server.kill()
        assert max(slowest.values()) < 1.0, slowest
        assert problems(env, catalog, tmp_path / "media") == []
