"""A batch's late writes as SQLite itself sees them (``importer/late_writes.py``).

Another connection may write once the batch's rows are in, though the step
has not settled, also when the batch was the last of a transaction held for
a scan beside the reader; a process killed while the thread writes leaves
the batch whole or none of it; and the rows are bound as Django binds them.
Each runs on a database file of its own, whatever the suite's database.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import django.db.backends.sqlite3.base  # noqa: F401  (registers Django's SQLite adapters)
import pytest

from cml_exchange.importer import late_writes
from cml_exchange.models import Product
from cml_exchange.models import ProductRequisite as Requisite

#: The project, where the child process finds its settings.
ROOT = Path(__file__).resolve().parents[3]


#: A batch of a product and :data:`ROWS` requisites written late, in a database of its own,
#: alone or (``argv[2]`` ``held``) as the last batch of a transaction of its own batches, as
#: held for a scan beside the reader; then, by the mode in ``argv[1]``: ``kill`` at once,
#: ``settle`` and kill, or ``lock``: write from another connection before settling, as the
#: site would meanwhile, then settle and tell how Django's connection was left.
_LATE_BATCH = """
import contextlib, os, signal, sqlite3, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from cml_exchange.importer import late_commit, sql
from cml_exchange.models import Catalog, Product, ProductRequisite
held = late_commit.batch(connection) if sys.argv[2] == "held" else contextlib.nullcontext()
with held:
    with late_commit.batch(connection):
        catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    with late_commit.batch(connection):
        product = Product.objects.create(catalog=catalog, external_id="p1", name="Т", slug="p1")
        rows = [{"product_id": product.pk, "name": "Н", "value": str(n)} for n in range(%d)]
        sql.insert(ProductRequisite, rows, late=True)
mode = sys.argv[1]
if mode == "lock":
    site = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    site.execute("BEGIN IMMEDIATE")  # "database is locked" after 30 s if the batch holds it
    seen = site.execute("SELECT count(*) FROM " + ProductRequisite._meta.db_table).fetchone()
    site.rollback()
    print(late_commit.running(connection), seen[0])
    late_commit.settle(connection)
    print(connection.in_atomic_block, connection.get_autocommit(), connection.savepoint_ids)
    print(Product.objects.count(), ProductRequisite.objects.count())
    sys.exit(0)
if mode == "settle":
    late_commit.settle(connection)
print("written", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

ROWS = 200_000


def _late_batch(
    tmp_path: Path, mode: str, held: str = "alone"
) -> tuple[subprocess.CompletedProcess[str], Path]:
    database = tmp_path / "late.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    process = subprocess.run(
        [sys.executable, "-c", _LATE_BATCH % ROWS, mode, held],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return process, database


@pytest.mark.parametrize("held", ["alone", "held"])
@pytest.mark.parametrize("mode", ["kill", "settle"])
def test_a_process_killed_while_the_writes_run_leaves_the_batch_whole_or_none_of_it(
    tmp_path: Path, mode: str, held: str
) -> None:
    process, database = _late_batch(tmp_path, mode, held)

    assert process.returncode == -signal.SIGKILL, process.stderr
    assert process.stdout.strip() == "written"
    with sqlite3.connect(database) as stored:
        counts = tuple(
            stored.execute(f"SELECT count(*) FROM {model._meta.db_table}").fetchone()[0]  # noqa: S608
            for model in (Product, Requisite)
        )
    expected = [(1, ROWS)] if mode == "settle" else [(0, 0), (1, ROWS)]
    assert counts in expected


@pytest.mark.parametrize("held", ["alone", "held"])
def test_the_site_can_write_while_the_step_reads_on(tmp_path: Path, held: str) -> None:
    """Once the late rows are in, the batch is committed: SQLite's one write lock is free.

    So too when the batch is the last of a transaction held for a scan beside the reader,
    whose block ended while the rows were written: the thread commits it, savepoint and all,
    and the step then closes Django's blocks without a statement.
    """
    process, _database = _late_batch(tmp_path, "lock", held)

    assert process.returncode == 0, process.stderr
    # The step had not settled, yet another connection could write and saw the batch whole.
    assert process.stdout.splitlines() == [f"True {ROWS}", "False True []", f"1 {ROWS}"]


VALUES = [
    (Decimal("1.50"), dt.datetime(2026, 12, 5, 14, 30, 1, 5, tzinfo=dt.UTC), 'кавычки " и \\', 1),
    (Decimal("-0.000001"), dt.date(2026, 1, 2), "", True),
    (None, None, "☕\n\t", 2**40),
    (b"\x00\x01", 1.5, None, False),  # JSON carries no bytes: the rows go as executemany
]


@pytest.mark.parametrize("rows", [VALUES[:3], VALUES], ids=["json", "bytes"])
def test_late_rows_are_bound_as_django_binds_them(
    tmp_path: Path, rows: list[tuple[Any, ...]]
) -> None:
    """Decimals, dates and times as Django's adapters bind them, into columns of Django's types."""
    raw = sqlite3.connect(tmp_path / "plain.sqlite3")
    stored = []
    for table in ("now", "late"):
        raw.execute(f"CREATE TABLE {table} (a decimal, b datetime, c text, d integer)")
        write = late_writes.Write(table, f"INSERT INTO {table} (a, b, c, d)", 4, list(rows))
        if table == "now":
            write.now(raw)
        else:
            write.late(raw)
        stored.append(
            raw.execute(
                f"SELECT a, typeof(a), b, typeof(b), c, d, typeof(d) FROM {table} ORDER BY rowid"  # noqa: S608
            ).fetchall()
        )

    assert stored[1] == stored[0]
    assert len(stored[1]) == len(rows)
