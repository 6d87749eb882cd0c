"""What ``bench.py`` measures through the HTTP endpoint, with the built-in 1C client.

The client is :class:`cml_exchange.client.ExchangeClient`, the class behind
``manage.py cml_exchange_client``, run in the benchmark's own process with
its transport timed request by request; the site is a :class:`Server`
process whose peak RSS is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.measure import MANAGE, ROOT, Server, manage, settle

if TYPE_CHECKING:
    from cml_exchange.client import Request, Response, Transport

USER, PASSWORD = "bench-1c", "bench-secret"
MIB = 1024 * 1024


class TaskWorker:
    """``manage.py db_worker`` for a shop with ``IMPORT_WORKER=database``, started at once."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, MANAGE, "db_worker", "--no-reload", "--no-startup-delay"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def peak_rss_mib(self) -> float:
        """The worker's peak resident memory so far (``VmHWM``), in MiB."""
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def prepare_shop(
    env: dict[str, str],
    *,
    step: int,
    file_limit: int,
    use_zip: bool = True,
    schema_version: str = "2",
) -> None:
    """Migrate, add the 1C user, and set the step interval, part size, zip and schema version."""
    manage(env, "migrate", "--no-input", "-v0")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        f"User.objects.create_superuser({USER!r}, 'bench@example.com', {PASSWORD!r});"
        "from cml_exchange.models import ExchangeSettings;"
        "ExchangeSettings.load();"
        f"ExchangeSettings.objects.update(step_interval={step}, file_limit={file_limit},"
        f" use_zip={use_zip}, schema_version={schema_version!r})",
    )


#: What :func:`catalog_counts` counts: the rows a shop shows, by model name.
COUNTED = (
    "Group",
    "Property",
    "PropertyOption",
    "Unit",
    "Product",
    "ProductGroup",
    "ProductPropertyValue",
    "ProductRequisite",
    "ProductTax",
    "ProductImage",
    "PriceType",
    "Warehouse",
    "Offer",
    "OfferCharacteristic",
    "Price",
    "Stock",
)


def catalog_counts(env: dict[str, str]) -> dict[str, int]:
    """The rows of each model in :data:`COUNTED` in the shop's database, plus active products."""
    output = manage(
        env,
        "shell",
        "-c",
        "import json;"
        "from django.apps import apps;"
        "from cml_exchange.models import Product;"
        "counts = {name: apps.get_model('cml_exchange', name).objects.count()"
        f" for name in {COUNTED!r}}};"
        "counts['Product active'] = Product.objects.filter(active=True).count();"
        "print(json.dumps(counts))",
    )
    counts: dict[str, int] = json.loads(output.strip().splitlines()[-1])
    return counts


class _Timed:
    """A transport around another: ``(mode, seconds)`` of every request, in order."""

    def __init__(self, transport: Transport) -> None:
        self.requests: list[tuple[str, float]] = []
        self._transport = transport

    def send(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            return self._transport.send(request)
        finally:
            self.requests.append((request.mode, time.perf_counter() - started))

    def of(self, mode: str) -> list[float]:
        return [seconds for name, seconds in self.requests if name == mode]


def _client(server: Server) -> tuple[Any, _Timed]:
    from cml_exchange.client import ExchangeClient, HttpTransport

    timed = _Timed(HttpTransport(server.url, timeout=600.0))
    return ExchangeClient(timed, USER, PASSWORD), timed


def catalog_exchange(
    server: Server, files: list[Path], *, chunk: int, version: str | None = None
) -> dict[str, Any]:
    """The whole catalog exchange of ``files``, in that order, in parts of ``chunk``.

    Zipped or not as the site's ``init`` says; ``version`` is sent with ``init``.
    """
    client, timed = _client(server)
    settle()
    started = time.perf_counter()
    result = client.exchange_catalog(files, chunk=chunk, version=version)
    seconds = time.perf_counter() - started
    imports = timed.of("import")
    uploads = timed.of("file")
    answering = sum(taken for _mode, taken in timed.requests)
    return {
        "seconds": round(seconds, 3),
        # the requests (the site's work and the loopback), and 1C's own between them
        # (collecting the files, zipping them: the client packs 100k in about 11 s)
        "site_seconds": round(answering, 3),
        "client_seconds": round(seconds - answering, 3),
        "zipped": result.zipped,
        "upload_seconds": round(sum(uploads), 3),
        "upload_parts": len(uploads),
        "files": len(result.imported),
        "uploaded_mib": round(sum(sent.size for sent in result.sent) / MIB, 1),
        "import_requests": len(imports),
        "import_seconds": round(sum(imports), 3),
        "max_import_request_seconds": round(max(imports, default=0.0), 3),
        "import_request_seconds": [round(value, 2) for value in imports],
    }


def sale_query(server: Server, *, version: str) -> dict[str, Any]:
    """``type=sale``: checkauth, init with ``version``, then the timed ``query`` and ``success``."""
    client, timed = _client(server)
    client.checkauth("sale")
    client.init("sale", version)
    document = client.query()
    client.success()
    return {
        "seconds": round(timed.of("query")[0], 3),
        "success_seconds": round(timed.of("success")[0], 3),
        "bytes": len(document),
        "documents": sum(document.count("<Документ>".encode(code)) for code in ("utf-8", "cp1251")),
    }


def upload(server: Server, size: int, *, chunk: int, scratch: Path) -> dict[str, Any]:
    """``mode=file`` of ``size`` bytes in parts of ``chunk``, against its floors and the disk.

    The same parts go, in :data:`UPLOAD_ROUNDS` alternating rounds, to the
    endpoint, to :mod:`benchmarks.upload_floor` (the development server's
    classes and an app that only appends the body to a file, on the same
    file system), over the loopback with no HTTP
    (:class:`~benchmarks.upload_floor.Loopback`), and to a file in
    ``scratch`` with plain writes (no fsync: the page cache), each side
    paying the same page cache, whose speed here changes by three times or
    more from one minute to the next. ``overhead_ms_per_part`` is what a
    part costs beyond the floor server's (Django, the login, the session,
    the bookkeeping); ``x_disk`` is the upload over the plain writes and
    ``loopback_x_disk`` the loopback's over the same writes: what no HTTP
    server on this machine can go below. The same bytes written once more
    with an fsync at the end, before the rounds, give ``x_disk_fsync``.
    Server RSS is read before and after.
    """
    piece = os.urandom(chunk)
    parts = size // chunk
    scratch.mkdir(parents=True, exist_ok=True)
    synced = _synced_write(scratch / "disk-write.bin", piece, parts)

    client, timed = _client(server)
    client.checkauth("catalog")
    client.init("catalog")
    floor = Server(
        server.env,
        command=lambda port: [
            sys.executable,
            "-m",
            "benchmarks.upload_floor",
            str(port),
            str(scratch / "floor"),
        ],
    )
    from benchmarks.upload_floor import Loopback

    loopback_file, disk_file = scratch / "loopback.bin", scratch / "disk-write.bin"
    loopback = Loopback(loopback_file)
    try:
        floor.start()
        from cml_exchange.client import HttpTransport, Request

        to_floor = HttpTransport(floor.url, timeout=600.0)
        before = after_first = server.rss_mib()
        seconds = floor_seconds = loopback_seconds = disk = 0.0
        sent = 0
        for round_ in range(UPLOAD_ROUNDS):
            count = parts // UPLOAD_ROUNDS + (round_ < parts % UPLOAD_ROUNDS)
            started = time.perf_counter()
            for _ in range(count):
                client.call("file", params={"filename": "upload-test.dat"}, body=piece)
                if sent == 0:
                    after_first = server.rss_mib()
                sent += 1
            seconds += time.perf_counter() - started
            started = time.perf_counter()
            for _ in range(count):
                query = "type=catalog&mode=file&filename=upload-test.dat"
                to_floor.send(Request("file", "POST", query, {}, piece))
            floor_seconds += time.perf_counter() - started
            started = time.perf_counter()
            for _ in range(count):
                loopback.send(piece)
            loopback_seconds += time.perf_counter() - started
            started = time.perf_counter()
            with disk_file.open("ab" if round_ else "wb") as out:
                for _ in range(count):
                    out.write(piece)
            disk += time.perf_counter() - started
    finally:
        loopback.close()
        floor.stop()
        loopback_file.unlink(missing_ok=True)
        disk_file.unlink(missing_ok=True)
    sent = len(timed.of("file"))
    cookieless = _cookieless_parts(server, piece, COOKIELESS_PARTS)
    return {
        "seconds": round(seconds, 3),
        "mib": size // MIB,
        "parts": sent,
        "floor_server_seconds": round(floor_seconds, 3),
        "overhead_ms_per_part": _per_part(seconds - floor_seconds, sent),
        "write_overhead_ms_per_part": _per_part(seconds - disk, sent),
        "disk_seconds": round(disk, 3),
        "x_disk": round(seconds / disk, 2) if disk else None,
        "loopback_seconds": round(loopback_seconds, 3),
        "loopback_x_disk": round(loopback_seconds / disk, 2) if disk else None,
        "disk_fsync_seconds": round(synced, 3),
        "x_disk_fsync": round(seconds / synced, 2) if synced else None,
        "server_rss_before_mib": before,
        "server_rss_after_first_part_mib": after_first,
        "server_rss_after_mib": server.rss_mib(),
        "cookieless_parts": COOKIELESS_PARTS,
        "cookieless_ms_per_part": round(cookieless / COOKIELESS_PARTS * 1000, 2),
    }


#: Rounds the upload alternates between the endpoint and its floor server.
UPLOAD_ROUNDS = 10


def _per_part(seconds: float, parts: int) -> float | None:
    return round(seconds / parts * 1000, 2) if parts else None


def _synced_write(target: Path, piece: bytes, parts: int) -> float:
    """Seconds to write ``parts`` pieces to ``target`` and fsync it at the end."""
    started = time.perf_counter()
    with target.open("wb") as out:
        for _ in range(parts):
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    synced = time.perf_counter() - started
    target.unlink()
    return synced


#: Parts of the upload without a cookie (Basic auth on each): a script that keeps no cookies.
COOKIELESS_PARTS = 20


def _cookieless_parts(server: Server, piece: bytes, parts: int) -> float:
    """Seconds for ``parts`` parts of ``piece``, each with Basic auth and no cookie (after init)."""
    from cml_exchange.client import HttpTransport, Request
    from cml_exchange.client.transport import basic_authorization

    transport = HttpTransport(server.url, timeout=600.0)
    headers = {"Authorization": basic_authorization(USER, PASSWORD)}
    transport.send(Request("init", "GET", "type=catalog&mode=init", headers))
    started = time.perf_counter()
    for _ in range(parts):
        query = "type=catalog&mode=file&filename=cookieless.dat"
        reply = transport.send(Request("file", "POST", query, headers, piece))
        if not reply.body.startswith(b"success"):
            raise RuntimeError(f"cookieless part refused: {reply.body[:200]!r}")
    return time.perf_counter() - started
