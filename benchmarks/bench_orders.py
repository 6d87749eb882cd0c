"""Orders benchmark: time and peak memory of ``mode=query`` over N demo orders, and of the way back.

It builds a fresh database (SQLite in a temporary directory, or the one
``--database-url`` names, which is then flushed), imports a small real
catalog (``tests/data/cml/carono…``), makes ``--count`` orders with
``cml_demo_orders --seed 1``, and then, each in a fresh subprocess so that
the peak RSS is its own:

* ``query``: ``write_query`` of every due order, as ``mode=query`` does
  (schema ``--version``, windows-1251), into a file;
* ``success``: ``confirm_last_query`` of that batch;
* ``import``: the written file applied back as if 1C had sent it
  (``import_step`` without a budget): every order is found by its ``Ид`` and
  its facts are applied.

CLI::

    python benchmarks/bench_orders.py [--count 10000] [--version 2.05]
        [--database-url URL] [--json PATH]

Not a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.measure import as_deployed  # noqa: E402
from benchmarks.parse_child import peak_rss_mib  # noqa: E402

CATALOG = [
    ROOT / "tests/data/cml/carono__php-commerceml__tests__xml__import.xml",
    ROOT / "tests/data/cml/carono__php-commerceml__tests__xml__offers.xml",
]


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def child(step: str, workdir: Path, version: str) -> dict[str, Any]:
    """One measured step, in this (fresh) process."""
    import django

    django.setup()
    from django.contrib.auth.models import User

    from cml_exchange.models import ExchangeSession, ExchangeSettings, Order
    from cml_exchange.orders.exchange import confirm_last_query, import_step, write_query

    settings = ExchangeSettings.load()
    user, _created = User.objects.get_or_create(username="bench")
    session, _created = ExchangeSession.objects.get_or_create(
        token="bench",  # noqa: S106 (a session token, not a password)
        defaults={"kind": "sale", "sessid": "bench", "user": user},
    )
    baseline = peak_rss_mib()
    started = time.perf_counter()
    result: dict[str, Any] = {"step": step}
    if step == "query":
        written = write_query(session, workdir, settings, version=version)
        result.update(orders=written.orders, bytes=written.path.stat().st_size)
        (workdir / "query.path").write_text(str(written.path))
    elif step == "success":
        result["confirmed"] = confirm_last_query(session)
        result["still_due"] = sum(
            1 for order in Order.objects.only("version", "exported_version") if order.due_for_1c
        )
    else:
        path = Path((workdir / "query.path").read_text())
        applied = import_step(path, settings)
        result.update(documents=applied.applied, messages=len(applied.messages))
    result.update(
        seconds=round(time.perf_counter() - started, 3),
        baseline_mib=round(baseline, 1),
        peak_mib=round(peak_rss_mib(), 1),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--version", default="2.05", choices=["2.05", "2.08", "2.10"])
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", choices=["query", "success", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.workdir, args.version)))
        return 0

    with tempfile.TemporaryDirectory(prefix="cml-bench-orders-") as tmp:
        workdir = Path(tmp)
        env = as_deployed(dict(os.environ))
        env.setdefault("DJANGO_SETTINGS_MODULE", "example_shop.settings")
        env["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        env["MEDIA_ROOT"] = str(workdir / "media")
        env["PYTHONPATH"] = str(ROOT)
        env["DEBUG"] = "off"  # DEBUG keeps every SQL query in memory
        env.setdefault("SECRET_KEY", "benchmarks-only-not-secret")
        if args.database_url:
            _manage(env, "flush", "--no-input")
        _manage(env, "migrate", "--no-input")
        _manage(env, "cml_import", *map(str, CATALOG))
        started = time.perf_counter()
        _manage(env, "cml_demo_orders", "--count", str(args.count), "--seed", "1")
        made = time.perf_counter() - started
        results = []
        for step in ("query", "success", "import"):
            output = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    step,
                    "--workdir",
                    str(workdir),
                    "--version",
                    args.version,
                ],
                check=True,
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
            ).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
    report = {
        "count": args.count,
        "version": args.version,
        "database": "postgresql" if args.database_url else "sqlite",
        "demo_orders_seconds": round(made, 1),
        "python": platform.python_version(),
        "steps": results,
    }
    for row in results:
        print(json.dumps(row, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
