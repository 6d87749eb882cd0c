"""Where a shape's ×floor comes from: each catalog file against its own floor (issue 17).

``python benchmarks/per_file.py --shape samples [--products 10000] [--seed 1]
[--data-dir benchmarks/data] [--database-url URL] [--json PATH]``

For each catalog file of the shape's data set, in import order (its manifest's
``exchange``), two figures taken in this one process:

* the floor's seconds for that file alone (:mod:`benchmarks.floor`: its
  ``iterparse`` and ``executemany``, the files one after another into one fresh
  SQLite file, as the floor imports them);
* ``cml_import`` of that file alone (Django's ``call_command``), the files one
  command after another into one database, so that each finds what the files
  before it stored.

Each file's floor runs just before its import, so that the two meet the same
minute of a machine whose speed drifts. The table gives both, their ratio and
the kind of item the file holds (what the floor counted in it: ``products``,
``offers``, ``both`` or ``neither``), then the totals of each kind.

The import's total exceeds one ``cml_import`` of every file (``bench.py``'s
figure): each command here opens a job of its own, and none reads the next
file ahead or has it scanned beside; Django's start-up is not counted. The
split by kind is the point: a shape's ×floor is the floor-weighted mix of its
files' ratios. The database is a temporary SQLite file unless
``--database-url`` names another (an empty PostgreSQL database, say). Not a
test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import floor, pace  # noqa: E402
from benchmarks.shapes import SHAPES, shape_data  # noqa: E402


@dataclass
class FileFigures:
    """One file's figures: its size, the floor's and the import's seconds, what it holds."""

    name: str
    mib: float
    kind: str
    floor_seconds: float
    import_seconds: float = 0.0

    @property
    def ratio(self) -> float:
        return self.import_seconds / self.floor_seconds if self.floor_seconds else 0.0


class FloorRun:
    """The floor over one fresh SQLite file, timed file by file (:meth:`file`), in order."""

    def __init__(self, database: Path) -> None:
        database.unlink(missing_ok=True)
        self.db = sqlite3.connect(database)
        self.db.executescript(floor._SCHEMA)
        self.out = floor._Writer(self.db)

    def file(self, path: Path) -> FileFigures:
        """The floor of ``path``, after the files before it: its seconds and what it holds."""
        before = dict(self.out.counts)
        started = time.perf_counter()
        floor._catalog_file(path, self.out)
        self.out.close()
        seconds = time.perf_counter() - started
        added = {table for table, count in self.out.counts.items() if count > before.get(table, 0)}
        return FileFigures(
            name=path.name,
            mib=path.stat().st_size / 2**20,
            kind=_kind(added),
            floor_seconds=seconds,
        )

    def close(self) -> None:
        self.db.close()


def _kind(tables: set[str]) -> str:
    if "products" in tables and "offers" in tables:
        return "both"
    if "products" in tables:
        return "products"
    if "offers" in tables:
        return "offers"
    return "neither"


def measure(files: list[Path], floor_database: Path, database_url: str) -> list[FileFigures]:
    """Each file's floor, then at once its ``cml_import`` (the machine's speed drifts).

    The floor's files go into ``floor_database``, the imports into ``database_url``
    (migrated first), each file after the ones before it.
    """
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_shop.settings")
    os.environ.setdefault("SECRET_KEY", "per-file-benchmark")
    os.environ.setdefault("DEBUG", "off")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    run = FloorRun(floor_database)
    figures = []
    try:
        for path in files:
            figure = run.file(path)
            started = time.perf_counter()
            call_command("cml_import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
            figure.import_seconds = time.perf_counter() - started
            figures.append(figure)
    finally:
        run.close()
    return figures


def totals(figures: list[FileFigures]) -> dict[str, dict[str, float]]:
    """Files, seconds and ratio of each kind of file, and of all (``all``)."""
    groups: dict[str, list[FileFigures]] = {}
    for figure in figures:
        groups.setdefault(figure.kind, []).append(figure)
    groups["all"] = figures
    result = {}
    for kind, members in groups.items():
        floor_seconds = sum(f.floor_seconds for f in members)
        import_seconds = sum(f.import_seconds for f in members)
        result[kind] = {
            "files": len(members),
            "floor_seconds": round(floor_seconds, 3),
            "import_seconds": round(import_seconds, 3),
            "x_floor": round(import_seconds / floor_seconds, 2) if floor_seconds else 0.0,
        }
    return result


def table(figures: list[FileFigures], sums: dict[str, dict[str, float]]) -> str:
    lines = [f"{'file':60} {'MiB':>6} {'floor s':>8} {'import s':>9} {'×floor':>7}  kind"]
    for f in figures:
        lines.append(
            f"{f.name[:60]:60} {f.mib:6.1f} {f.floor_seconds:8.3f} {f.import_seconds:9.3f}"
            f" {f.ratio:7.2f}  {f.kind}"
        )
    lines.append("")
    for kind, sum_ in sums.items():
        lines.append(
            f"{kind:10} {int(sum_['files']):3} files: floor {sum_['floor_seconds']:.2f} s,"
            f" import {sum_['import_seconds']:.2f} s, {sum_['x_floor']:.2f}× the floor"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="samples", choices=list(SHAPES))
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    _directory, _manifest, files = shape_data(args.shape, args.data_dir, args.products, args.seed)
    pace_at_start = pace.measure()
    with tempfile.TemporaryDirectory(prefix="cml-per-file-") as tmp:
        figures = measure(
            files, Path(tmp) / "floor.sqlite3", args.database_url or f"sqlite:///{tmp}/shop.sqlite3"
        )
    pace_at_end = pace.measure()
    sums = totals(figures)
    print(table(figures, sums))
    print(f"\n{pace.describe(pace_at_start, pace_at_end)}")
    if args.json:
        result: dict[str, Any] = {
            "shape": args.shape,
            "products": args.products,
            "files": [asdict(f) for f in figures],
            "totals": sums,
            "pace": {"start": round(pace_at_start, 3), "end": round(pace_at_end, 3)},
        }
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
