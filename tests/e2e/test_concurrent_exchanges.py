"""Two 1C clients exchange two different catalogs at once with a multi-worker server.

Issue 11: two real client processes (``manage.py cml_exchange_client``),
started together, each send a different catalog (their own ``Каталог`` and
``Классификатор`` ``Ид``, their own products; the price type and warehouse
of one 1C base, shared) zipped in many small parts, against gunicorn with
three worker processes on PostgreSQL, with a 1 s import step so that both
imports take many interleaved steps. Both must end with ``success`` and
both catalogs must be exactly right. Each test runs the pair several
times, with fresh ids each round, to catch races.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.catalogs import Catalog, make_catalog, problems, write_catalog
from tests.e2e.conftest import CONCURRENT_USERS, PASSWORD, GunicornShop
from tests.e2e.servers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

ROUNDS = 3
PRODUCTS = 1100
#: Every n-th product has a picture; every n-th has a name (and slug) both catalogs use.
PICTURES_EVERY = 10
#: Every 5th product has the same name in both catalogs: both imports want its slug at once.
COMMON_NAMES_EVERY = 5
CLIENT_TIMEOUT = 60


@dataclass
class Run:
    """One client process and what it sent."""

    user: str
    catalog: Catalog
    process: subprocess.Popen[str]
    output: str = ""

    def wait(self) -> None:
        try:
            self.output, _ = self.process.communicate(timeout=CLIENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output = self.process.communicate()[0] + "\n[killed: no end in time]"

    @property
    def succeeded(self) -> bool:
        return self.process.returncode == 0 and self.output.rstrip().endswith("Обмен завершен.")

    def import_requests(self, name: str) -> int:
        """How many ``mode=import`` requests ``name`` took: the client's line for it says."""
        said = re.search(rf"^Импорт {re.escape(name)}: .*\((\d+) запрос", self.output, re.MULTILINE)
        return int(said.group(1)) if said else 0

    def summary(self) -> str:
        tail = "\n    ".join(self.output.strip().splitlines()[-4:])
        return (
            f"{self.user} ({self.catalog.name}): exit {self.process.returncode}, "
            f"import.xml {self.import_requests('import.xml')} requests, "
            f"offers.xml {self.import_requests('offers.xml')} requests\n    {tail}"
        )


def start_client(shop: GunicornShop, user: str, files: list[Path]) -> subprocess.Popen[str]:
    """``manage.py cml_exchange_client`` as a process of its own, output to a pipe."""
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "cml_exchange_client",
            shop.url,
            "--user",
            user,
            "--password",
            PASSWORD,
            "--timeout",
            "30",
            *map(str, files),
        ],
        env=shop.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def exchange_pair(
    shop: GunicornShop, tmp_path: Path, users: tuple[str, str], round_label: str
) -> list[str]:
    """One round: both clients at once; what went wrong (empty: both catalogs exactly right)."""
    catalogs = [
        make_catalog(
            f"{round_label}-{side}",
            PRODUCTS,
            shared=round_label,
            pictures_every=PICTURES_EVERY,
            common_names_every=COMMON_NAMES_EVERY,
        )
        for side in ("first", "second")
    ]
    files = [
        write_catalog(catalog, tmp_path / round_label / str(number))
        for number, catalog in enumerate(catalogs)
    ]
    runs = [
        Run(user, catalog, start_client(shop, user, paths))
        for user, catalog, paths in zip(users, catalogs, files, strict=True)
    ]
    for run in runs:
        run.wait()
    print(
        f"{round_label}: "
        + "; ".join(
            f"{run.user} exit {run.process.returncode}, import.xml "
            f"{run.import_requests('import.xml')} + offers.xml "
            f"{run.import_requests('offers.xml')} import requests"
            for run in runs
        )
    )
    found = [f"the client of {run.summary()}" for run in runs if not run.succeeded]
    for run in runs:
        found.extend(
            f"{run.catalog.name}: {problem}"
            for problem in problems(shop.env, run.catalog, shop.media_root)
        )
    return found


def run_rounds(shop: GunicornShop, tmp_path: Path, users: tuple[str, str], name: str) -> None:
    failures: dict[int, list[str]] = {}
    started = time.monotonic()
    first_job = shop.last_import()
    for number in range(1, ROUNDS + 1):
        found = exchange_pair(shop, tmp_path, users, f"{name}{number}")
        print(f"{name} round {number}: {'correct' if not found else f'{len(found)} problems'}")
        if found:
            failures[number] = found
    correct = ROUNDS - len(failures)
    print(f"{name}: {correct}/{ROUNDS} correct in {time.monotonic() - started:.1f} s")
    if failures:
        report = "\n".join(
            f"round {number}:\n  " + "\n  ".join(found) for number, found in failures.items()
        )
        jobs = "\n".join(shop.failed_imports(after=first_job)) or "none"
        pytest.fail(
            f"{correct}/{ROUNDS} rounds correct\n{report}\n"
            f"failed import jobs on the site:\n{jobs}\n"
            f"gunicorn's log, last lines:\n{shop.log_tail()}",
            pytrace=False,
        )


def test_two_users_exchange_two_catalogs_at_once(gunicorn_shop, tmp_path):
    run_rounds(gunicorn_shop, tmp_path, CONCURRENT_USERS, "two-users")


def test_one_user_exchanges_two_catalogs_at_once(gunicorn_shop, tmp_path):
    user = CONCURRENT_USERS[0]
    run_rounds(gunicorn_shop, tmp_path, (user, user), "one-user")
