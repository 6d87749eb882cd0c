"""Real server processes of the example shop, and databases of their own.

:class:`Server` is ``runserver`` (one process, threads), for tests that stop
and start it; :class:`GunicornServer` is gunicorn with several worker
processes, for tests of concurrent exchanges. A server's database is its own,
never the test's: a separate process cannot see a test's transaction.
:func:`shop_database` gives one of the suite's kind (SQLite, or PostgreSQL when
``DATABASE_URL`` is), and :func:`rows` reads it from the test.
"""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database: Path, upload_root: Path, media_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "example_shop.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "CML_EXCHANGE_UPLOAD_ROOT": str(upload_root),
            "MEDIA_ROOT": str(media_root),
            "SECRET_KEY": "e2e-tests",
            "DEBUG": "off",
            "SECURE_SSL_REDIRECT": "off",  # plain HTTP on the loopback, as 1C in a LAN
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    return env


#: The line in docs/deployment.md above the recipe's ``/etc/shop/env``.
RECIPE_MARKER = "<!-- tests/integration/test_production.py runs check --deploy on this block -->"
#: What the example shop's settings read from the environment, besides these prefixes.
_SHOP_PREFIXES = ("SECURE_", "SESSION_", "CSRF_", "CML_EXCHANGE_", "SHOP_")
_SHOP_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "SILENCED_SYSTEM_CHECKS",
    "LOG_LEVEL",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "SQLITE_INIT_COMMAND",
}


def documented_environment() -> dict[str, str]:
    """The variables docs/deployment.md's production recipe writes into ``/etc/shop/env``."""
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    block = text.split(RECIPE_MARKER, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    pairs = (line.split("=", 1) for line in block.splitlines() if "=" in line)
    return {name: value for name, value in pairs if not name.startswith("#")}


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The recipe's environment, made local: a new key, SQLite, directories under ``tmp_path``.

    The rest is the documented block as it is, on top of none of the shop's variables
    from this process's environment: DEBUG is off, and the HTTPS settings not in the
    block keep the defaults the settings give them with DEBUG off.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _SHOP_VARIABLES and not name.startswith(_SHOP_PREFIXES)
    }
    env.update(documented_environment())
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "example_shop.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
            "STATIC_ROOT": str(tmp_path / "static"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "CML_EXCHANGE_UPLOAD_ROOT": str(tmp_path / "exchange"),
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py *args`` with ``env``; its output. A failure shows what it printed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise subprocess.CalledProcessError(
            result.returncode, f"manage.py {args[0]}: {tail}", result.stdout, result.stderr
        )
    return result.stdout


class Server:
    """``manage.py runserver --noreload`` in its own process, killed without mercy on ``kill``."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            "--noreload",
            f"127.0.0.1:{self.port}",
        ]

    def spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command(),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self.process = self.spawn()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url + "/1c_exchange.php", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class GunicornServer(Server):
    """``gunicorn example_shop.wsgi`` with ``workers`` sync worker processes.

    The server runs in a process group of its own; ``kill`` ends the master
    and then the group, so no worker outlives the test. What the server
    logs (requests and errors) goes to ``log``.
    """

    def __init__(self, env: dict[str, str], *, workers: int = 3, log: Path) -> None:
        super().__init__(env)
        self.workers = workers
        self.log = log

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "example_shop.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--graceful-timeout",
            "2",
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            *_no_control_socket(),
        ]

    def spawn(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen(
                self.command(),
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the master leads its own group
        self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # a worker left behind
        self.process = None


def _no_control_socket() -> list[str]:
    """Newer gunicorns open a control socket in ``~/.gunicorn``, one for all servers: not here."""
    settings = importlib.import_module("gunicorn.config").KNOWN_SETTINGS
    return [
        flag
        for setting in settings
        if setting.name == "control_socket_disable"
        for flag in setting.cli
    ]


# -- databases of a server's own -------------------------------------------------------------


def suite_postgres_url() -> str | None:
    """The suite's ``DATABASE_URL`` when it is PostgreSQL, else ``None``."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _maintenance_url(url: str) -> str:
    return _libpq_url(urlunsplit(urlsplit(url)._replace(path="/postgres")))


def _libpq_url(url: str) -> str:
    """``url`` for psycopg: without the options only Django reads (``?conn_max_age=0``)."""
    return urlunsplit(urlsplit(url)._replace(query=""))


def create_postgres_database(url: str) -> str:
    """A new, empty database next to ``url``'s, named after it; the new database's URL."""
    import psycopg

    base = urlsplit(url).path.lstrip("/") or "cml_exchange"
    name = f"{base}_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_maintenance_url(url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_maintenance_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def shop_database(tmp_path: Path, extra: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """A migrated database of the suite's kind and the server environment that uses it.

    PostgreSQL (a new database, dropped afterwards) when the suite's
    ``DATABASE_URL`` is PostgreSQL, else an SQLite file under ``tmp_path``.
    Uploads and media are under ``tmp_path`` too. ``extra`` is added to the
    environment before the migration (settings that add apps).
    """
    env = environment(tmp_path / "shop.sqlite3", tmp_path / "exchange", tmp_path / "media")
    env.update(extra or {})
    suite_url = suite_postgres_url()
    if suite_url is not None:
        env["DATABASE_URL"] = create_postgres_database(suite_url)
    try:
        manage(env, "migrate", "--no-input", "-v0")
        yield env
    finally:
        if suite_url is not None:
            drop_postgres_database(env["DATABASE_URL"])


def rows(env: dict[str, str], sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` (``%s`` placeholders) on the database of a server's ``env``; all rows."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute(sql.replace("%s", "?"), tuple(params)).fetchall()
    import psycopg

    with psycopg.connect(_libpq_url(url)) as connection:
        return connection.execute(sql, tuple(params)).fetchall()
