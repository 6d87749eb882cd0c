"""Measuring other processes for ``bench.py``: wall time and peak RSS, databases, a live server.

* :func:`run_measured` runs a command to its end and takes its peak RSS from
  the child's own ``VmHWM`` in ``/proc``, read until it exits (not
  ``wait4``'s ``ru_maxrss``: Linux keeps in it the high-water mark of the
  memory the child had between ``fork`` and ``exec``, a copy of this
  process's, so a child of a bench that holds a 64 MiB archive reported
  at least that much);
* :class:`Server` is ``manage.py runserver --noreload`` in a process of its
  own, whose ``VmHWM`` (peak RSS) and ``VmRSS`` samples are read from
  ``/proc`` while it serves;
* :func:`fresh_database` makes an empty SQLite file or PostgreSQL database
  (named ``cml_bench_*``) and :func:`shop_environment` the environment the
  example shop runs with against it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
_KIB = 1024


def settle() -> None:
    """Write out what earlier steps left to the disk before a measured step starts.

    A step that writes many files (the 100k exchange's pictures, a previous
    run's folders being deleted) leaves the file system writing back for tens
    of seconds; a step started meanwhile waits on it in every ``fsync`` and
    file creation, for work that is not its own.
    """
    os.sync()


def run_measured(
    args: list[str], env: dict[str, str], *, timeout: float = 4 * 3600
) -> dict[str, Any]:
    """Run ``args`` to its end; ``seconds`` (wall), ``peak_rss_mib``, ``returncode``, ``output``.

    ``output`` is the last lines of stdout and stderr together. The command
    is killed after ``timeout`` seconds (``returncode`` is then negative).
    """
    settle()
    started = time.perf_counter()
    with subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as process:
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        peak = _PeakWatcher(process.pid)
        output = process.stdout.read().decode("utf-8", "replace") if process.stdout else ""
        peak.stop()
        _pid, status, _usage = os.wait4(process.pid, 0)
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mib": round(peak.kib / _KIB, 1),
        "returncode": process.returncode,
        "output": "\n".join(output.strip().splitlines()[-12:]),
    }


class _PeakWatcher:
    """Reads a process's ``VmHWM`` every few milliseconds until stopped; ``kib`` is the last.

    ``VmHWM`` only grows, so the last reading is the peak up to it; the child
    is not yet reaped when :meth:`stop` is called, so its ``/proc`` entry
    (a zombie's has no memory lines) was readable to its last moments.
    """

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid, self.every, self.kib = pid, every, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while True:
            try:
                self.kib = max(self.kib, _status_kib(self.pid, "VmHWM:"))
            except OSError:
                return
            if self._done.wait(self.every):
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def manage(env: dict[str, str], *args: str) -> str:
    """``manage.py ARGS`` in the shop's environment; its stdout, or CalledProcessError."""
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def fresh_database(kind: str, name: str, workdir: Path, pg_url: str) -> str:
    """The URL of an empty database: a new SQLite file in ``workdir`` or ``cml_bench_<name>``."""
    if kind == "sqlite":
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    database = f"cml_bench_{name}"
    _pg_admin(pg_url, f'drop database if exists "{database}" with (force)')
    _pg_admin(pg_url, f'create database "{database}"')
    parts = urlsplit(pg_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def drop_database(url: str, pg_url: str) -> None:
    """Drop a database :func:`fresh_database` made (SQLite files go with their directory)."""
    if url.startswith("postgres"):
        name = urlsplit(url).path.lstrip("/")
        _pg_admin(pg_url, f'drop database if exists "{name}" with (force)')


def _pg_admin(pg_url: str, statement: str) -> None:
    import psycopg

    parts = urlsplit(pg_url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(statement)


def shop_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """The example shop's environment for ``database_url``, its files under ``workdir``."""
    env = as_deployed(dict(os.environ))
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "example_shop.settings",
            "DATABASE_URL": database_url,
            "CML_EXCHANGE_UPLOAD_ROOT": str(workdir / "exchange"),
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": "benchmarks-only-not-secret",
            "DEBUG": "off",  # DEBUG keeps every SQL query in memory
            "SECURE_SSL_REDIRECT": "off",  # plain HTTP on the loopback
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def as_deployed(env: dict[str, str]) -> dict[str, str]:
    """``env`` without ``PYTHONDONTWRITEBYTECODE``: the shop's code runs from cached bytecode.

    A deployed site runs from ``.pyc`` files (pip writes them for packages, the
    first run for the site's own code); a session or CI environment that sets
    ``PYTHONDONTWRITEBYTECODE`` makes every command compile the project's 150-odd
    modules again (0.35 s of a 0.9 s start-up here), which is not the shop's
    cost. The ``__pycache__`` folders it writes are git-ignored.
    """
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


class Server:
    """``manage.py runserver --noreload`` in its own process, its RSS sampled while it runs.

    ``command``, given the port, makes another server's command line (the
    upload's floor, :mod:`benchmarks.upload_floor`).
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        sample_every: float = 0.5,
        command: Callable[[int], list[str]] | None = None,
    ) -> None:
        self.env = env
        self.command = command
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/1c_exchange.php"
        self.sample_every = sample_every
        self.samples: list[tuple[float, float]] = []
        self.process: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        self._started = 0.0

    def start(self) -> None:
        """Start the server and wait until it answers."""
        command = (
            self.command(self.port)
            if self.command is not None
            else [sys.executable, MANAGE, "runserver", "--noreload", f"127.0.0.1:{self.port}"]
        )
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2).read()  # noqa: S310 (http, ours)
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        self._started = time.monotonic()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.sample_every):
            try:
                rss = _status_kib(self.pid, "VmRSS:") / _KIB
            except (OSError, RuntimeError):
                return
            self.samples.append((round(time.monotonic() - self._started, 1), round(rss, 1)))

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the server is not running")
        return self.process.pid

    def rss_mib(self) -> float:
        """The server's resident set size now."""
        return round(_status_kib(self.pid, "VmRSS:") / _KIB, 1)

    def peak_rss_mib(self) -> float:
        """The server's peak resident set size so far (``VmHWM``)."""
        return round(_status_kib(self.pid, "VmHWM:") / _KIB, 1)

    def stop(self) -> None:
        """Stop sampling and kill the server."""
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join()
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
