"""End-to-end fixtures: a real HTTP server, a 1C user, and the built-in client pointed at it."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from cml_exchange.client import ExchangeClient
from tests.e2e.servers import (
    GunicornServer,
    create_postgres_database,
    drop_postgres_database,
    environment,
    manage,
    rows,
    suite_postgres_url,
)

USER, PASSWORD = "1c-exchange", "s3cret-пароль"


@pytest.fixture
def exchange_dirs(settings: Any, tmp_path: Path) -> Path:
    """Uploads and media under ``tmp_path``; the catalog's exchange directory."""
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "upload"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "upload" / "catalog"


def session_folder(kind_directory: Path) -> Path:
    """The folder of the latest exchange under ``kind_directory`` (each exchange has its own)."""
    folders = [path for path in kind_directory.glob("exchange-*") if path.is_dir()]
    assert folders, f"no exchange folder under {kind_directory}"
    return max(folders, key=lambda path: int(path.name.rpartition("-")[2]))


@pytest.fixture
def exchange_user(transactional_db: None) -> Any:
    from django.contrib.auth.models import User

    return User.objects.create_superuser(USER, "1c@example.com", PASSWORD)


@pytest.fixture
def exchange_url(live_server: Any) -> str:
    return f"{live_server.url}/1c_exchange.php"


class Recorder(list[str]):
    """The client's log, kept for assertions."""

    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.fixture
def make_client(
    exchange_url: str, exchange_user: Any, exchange_dirs: Path
) -> Callable[..., ExchangeClient]:
    """``make_client(**options)``: a client of the live server, logging into ``client.log``."""

    def make(url: str = exchange_url, password: str = PASSWORD, **options: Any) -> ExchangeClient:
        return ExchangeClient(url, USER, password, log=Recorder(), timeout=30, **options)

    return make


# -- a multi-worker server on PostgreSQL (tests of concurrent exchanges) ---------------------

#: The users of the concurrent exchanges: superusers, so they may exchange.
CONCURRENT_USERS = ("1c-alpha", "1c-beta")


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it under CI (``CI=1``), where a skipped test would pass unseen."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@dataclass
class GunicornShop:
    """The example shop under gunicorn, several worker processes, its own PostgreSQL database."""

    server: GunicornServer
    env: dict[str, str]
    media_root: Path
    log: Path

    @property
    def url(self) -> str:
        return f"{self.server.url}/1c_exchange.php"

    def log_tail(self, lines: int = 30) -> str:
        """The server's last errors: its own lines and requests not answered 200."""
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join([line for line in text if '" 200 ' not in line][-lines:])

    def last_import(self) -> int:
        """The id of the newest import job (0 for none)."""
        return int(rows(self.env, "SELECT COALESCE(MAX(id), 0) FROM cml_exchange_importjob")[0][0])

    def failed_imports(self, after: int = 0) -> list[str]:
        """The errors of the import jobs after job ``after`` that failed, as the monitor shows."""
        return [
            f"job {pk} ({filename}): {(error or message)[-400:]}"
            for pk, filename, message, error in rows(
                self.env,
                "SELECT id, filename, message, error FROM cml_exchange_importjob "
                "WHERE status = 'failed' AND id > %s ORDER BY id",
                [after],
            )
        ]


def prepare_shop(env: dict[str, str], users: Sequence[str], **settings: object) -> None:
    """Create superusers ``users`` (password :data:`PASSWORD`) and set ``ExchangeSettings``.

    ``settings`` are fields of the admin's singleton, set in the shop's
    database by one ``manage.py shell``.
    """
    assignments = ", ".join(f"{name}={value!r}" for name, value in settings.items())
    code = "from django.contrib.auth.models import User;" + "".join(
        f"User.objects.create_superuser({name!r}, '{name}@example.com', {PASSWORD!r});"
        for name in users
    )
    code += "from cml_exchange.models import ExchangeSettings; ExchangeSettings.load();"
    if assignments:
        code += f"ExchangeSettings.objects.update({assignments})"
    manage(env, "shell", "-c", code)


@pytest.fixture(scope="module")
def gunicorn_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornShop]:
    """``gunicorn --workers 3`` serving the shop on a new PostgreSQL database, for one module.

    Skipped unless the suite's ``DATABASE_URL`` is PostgreSQL: several worker
    processes writing at once is what is tested, and SQLite serialises them.
    Users :data:`CONCURRENT_USERS`; a 1 s step and 8 KB parts, so that
    every exchange takes many requests. The server is killed and the
    database dropped afterwards.
    """
    suite_url = suite_postgres_url()
    if suite_url is None:
        pytest.skip(
            "needs PostgreSQL: concurrent exchanges run against gunicorn worker processes "
            "sharing one database; set DATABASE_URL=postgres://… (the SQLite run skips this)"
        )
    if importlib.util.find_spec("gunicorn") is None:
        unavailable("gunicorn is not installed (it is in the test dependency group)")
    root = tmp_path_factory.mktemp("gunicorn-shop")
    env = environment(root / "unused.sqlite3", root / "exchange", root / "media")
    env["DATABASE_URL"] = create_postgres_database(suite_url)
    server = GunicornServer(env, workers=3, log=root / "gunicorn.log")
    try:
        manage(env, "migrate", "--no-input", "-v0")
        prepare_shop(env, CONCURRENT_USERS, step_interval=1, file_limit=8192)
        server.start()
        yield GunicornShop(server, env, root / "media", root / "gunicorn.log")
    finally:
        server.kill()
        drop_postgres_database(env["DATABASE_URL"])
