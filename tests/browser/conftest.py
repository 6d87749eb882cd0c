"""Browser fixtures: Debian's Chromium driven by Playwright, and a real shop server to point it at.

Chromium is Debian's package (``/usr/bin/chromium``), never Playwright's own
download. Without it the browser tests are skipped on a developer's machine
and fail under CI (``CI=1``), where a skipped browser test would pass unseen.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.servers import ROOT, Server, environment, manage

CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "install Debian's chromium package: apt-get install chromium"
#: Where screenshots go; git ignores ``test-artifacts/``.
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
ADMIN, ADMIN_PASSWORD = "admin", "browser-s3cret"


def _unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it under CI, where every browser test must run."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium") or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        _unavailable(f"Chromium not found: {INSTALL_HINT}")
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@dataclass
class Shop:
    """The example shop in its own process, on a database of its own."""

    server: Server
    env: dict[str, str]
    vendor: str  # "sqlite" or "postgresql": the database the suite runs on

    @property
    def url(self) -> str:
        return self.server.url

    def shell(self, code: str) -> str:
        """Run ``code`` in ``manage.py shell`` on the shop's database; the last line it printed."""
        return manage(self.env, "shell", "-c", code).strip().splitlines()[-1]


def _postgres_database(url: str) -> tuple[str, str]:
    """A new, empty database on the server of ``url``: its URL and its name."""
    import psycopg

    name = f"cml_exchange_browser_{uuid.uuid4().hex[:12]}"
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres", query=""))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), name


def _drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres", query=""))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    """A migrated shop with a superuser, served by ``runserver``; PostgreSQL when the suite is.

    The database is the suite's kind (``DATABASE_URL``), but fresh and the
    server's own: a separate process cannot see a test's transaction.
    """
    env = environment(tmp_path / "shop.sqlite3", tmp_path / "exchange", tmp_path / "media")
    env["DEBUG"] = "on"  # runserver then serves the admin's CSS: the screenshots look right
    suite_url = os.environ.get("DATABASE_URL", "")
    own_database: str | None = None
    vendor = "sqlite"
    if suite_url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], own_database = _postgres_database(suite_url)
        vendor = "postgresql"
    try:
        manage(env, "migrate", "--no-input", "-v0")
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth.models import User;"
            f"User.objects.create_superuser({ADMIN!r}, 'admin@example.com', {ADMIN_PASSWORD!r})",
        )
        server = Server(env)
        server.start()
        try:
            yield Shop(server, env, vendor)
        finally:
            server.kill()
    finally:
        if own_database is not None:
            _drop_postgres_database(suite_url, own_database)
