"""The benchmark of issue 8: parse, ``cml_import``, the HTTP exchange and ``sale&mode=query``.

For each product count (1k and 10k by default; 100k with ``--with-100k``)
it reuses or generates ``benchmarks/data/<N>/`` (see ``datasets.py``) and
measures, each in a fresh process so that the peak RSS is that process's
own:

* ``parse``: the reader (``cml_exchange.commerceml``) over ``import.xml``
  and ``offers.xml``, iteration only (``bench_parse.py``'s child);
* ``floor``: the streaming floor (``floor.py``: lxml iterparse extracting
  the fields, sqlite3 ``executemany`` in batches of 1000, one process);

then, on each database (SQLite, PostgreSQL):

* ``cml_import``: ``manage.py cml_import import.xml offers.xml`` into an
  empty, migrated database (process wall time, as the floor's);
* ``re-import``: the same command again, nothing changed (checksums);
* ``oscar``: the same ``cml_import`` into the Oscar sandbox (``oscar_shop``,
  the django-oscar adapter), its search index left alone, then ``oscar +
  index`` with its Whoosh index kept up batch by batch, each against the
  ``cml_import`` of the same run (``x_default``); needs the ``oscar``
  dependency group (``PIP_GROUPS=oscar``, or the test group);
* ``http exchange``: a whole exchange with the built-in 1C client (zip,
  parts of ``--chunk`` bytes, ``--step`` seconds a step) against
  ``runserver --noreload`` in its own process: the total, every ``import``
  request's duration, and the server's peak RSS;
* ``import31``, ``http31`` (issue 15): the same catalog as the CommerceML 3.1
  file set, imported by ``cml_import`` and exchanged zipped and file by file,
  each against the 2.08 figure of the same run, rows counted and compared
  (``bench31.py``; they bring the ``import`` and ``http`` steps with them);

with ``--shapes`` (issue 17), for each catalog shape of ``shapes.py`` (the
generator's options varied, and every real sample set repeated):

* ``floor`` of the shape's own files, its rows checked against the shape's manifest;
* ``cml_import`` and ``re-import`` on each database, as above (rows with a ``shape``),
  and ``re-unload``: the same catalog as 1C unloads it next time, every file dated anew;

and once per database:

* ``sale query``: ``type=sale&mode=query`` over ``--orders`` orders
  (``cml_demo_orders`` on the smallest catalog), through a fresh server;
* ``upload``: ``--upload-mib`` MiB in ``--chunk`` parts to a fresh server,
  against a plain server, the loopback alone and writing the same bytes to disk.

The table goes to stdout with the targets (issues 8, 14, 15, 16, 17) checked and the
machine's pace at the run's start and end (:mod:`benchmarks.pace`), everything to a JSON
file (default ``benchmarks/results/bench-<time>.json``). CLI::

    python benchmarks/bench.py [--with-100k] [--products N ...]
        [--databases sqlite,postgresql] [--pg-url postgres://postgres@127.0.0.1:5432]
        [--steps parse,floor,import,oscar,http,import31,http31,query,upload] [--orders 10000]
        [--sale-version 2.05] [--upload-mib 100] [--chunk 1048576] [--step 30]
        [--shapes all|default,bare,rich,missing-pictures,no-namespace,cp1251,peer,samples]
        [--json PATH]

Not a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(ROOT))

from benchmarks import pace  # noqa: E402
from benchmarks.arguments import parse_arguments  # noqa: E402
from benchmarks.bench_parse import _machine, run_child  # noqa: E402
from benchmarks.bench_served import ServedSteps  # noqa: E402
from benchmarks.datasets import ensure_data, next_unload  # noqa: E402
from benchmarks.measure import (  # noqa: E402
    MANAGE,
    drop_database,
    fresh_database,
    manage,
    run_measured,
    shop_environment,
)
from benchmarks.report import format_table  # noqa: E402
from benchmarks.shapes import COUNT_ROWS, floor_differences, shape_data  # noqa: E402
from benchmarks.targets import check, check_shapes, format_targets  # noqa: E402

MIB = 1024 * 1024


class Run(ServedSteps):
    """One run: its options, its scratch directory, and the rows measured so far."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.rows: list[dict[str, Any]] = []
        self.databases: list[str] = []
        self.reference_counts: dict[tuple[int, str], dict[str, int]] = {}
        #: The rows of the last floor run (``None`` if it failed), for ``rows_versus_floor``.
        self.floor_rows: int | None = None

    def add(self, products: int | None, database: str, step: str, **values: Any) -> dict[str, Any]:
        row = {"products": products or 0, "database": database, "step": step, **values}
        self.rows.append(row)
        shown = {key: value for key, value in values.items() if not isinstance(value, list)}
        print(
            f"  {products or '-'} {database} {step}: {json.dumps(shown, ensure_ascii=False)}",
            flush=True,
        )
        return row

    def database(self, kind: str, name: str) -> tuple[str, dict[str, str]]:
        """A fresh database and the shop's environment for it, files under ``workdir/name``."""
        url = fresh_database(kind, name, self.workdir, self.args.pg_url)
        self.databases.append(url)
        return url, shop_environment(url, self.workdir / f"{kind}-{name}")

    # -- per data set ----------------------------------------------------------------

    def data_set(self, products: int) -> None:
        args = self.args
        directory, _manifest, _generated = ensure_data(
            args.data_dir, products, args.seed, "2.08", products // 100, "both"
        )
        files = [directory / "import.xml", directory / "offers.xml"]
        size = sum(path.stat().st_size for path in files) / MIB
        floor: float | None = None
        if "parse" in args.steps:
            parts = [run_child("reader", path) for path in files]
            failed = [part["error"] for part in parts if "error" in part]
            if failed:
                self.add(products, "-", "parse", error="; ".join(failed))
            else:
                self.add(
                    products,
                    "-",
                    "parse",
                    seconds=round(sum(part["seconds"] for part in parts), 3),
                    peak_rss_mib=max(part["peak_rss_mib"] for part in parts),
                    mib=round(size, 1),
                )
        if "floor" in args.steps:
            floor = self.floor(products, directory)
        files31 = self.files31(products) if self.compares_31 else []
        for kind in args.databases:
            default: float | None = None
            if "import" in args.steps:
                default = self.cml_import(kind, products, files, floor)
            if "oscar" in args.steps:
                self.oscar_import(kind, products, files, default)
            if "import31" in args.steps:
                self.cml_import31(kind, products, files31, floor, default)
            zipped: float | None = None
            if "http" in args.steps:
                zipped = self.http_exchange(kind, products, files, floor, step="http exchange")
            if "worker" in args.steps:
                self.http_exchange(
                    kind, products, files, floor, step="http worker", worker=True, against=zipped
                )
            if "http" in args.steps and "http31" in args.steps:
                modes = [("http 3.1", zipped, True)]
                if not args.no_plain:
                    plain = self.http_exchange(
                        kind, products, files, floor, step="http plain", use_zip=False
                    )
                    modes.append(("http 3.1 plain", plain, False))
                for step, against, use_zip in modes:
                    self.http_exchange(
                        kind,
                        products,
                        files31,
                        floor,
                        step=step,
                        use_zip=use_zip,
                        schema="3.1",
                        against=against,
                    )

    def _plain_env(self) -> dict[str, str]:
        return shop_environment("sqlite:///unused", self.workdir)

    def floor(
        self,
        products: int,
        directory: Path,
        *,
        shape: str | None = None,
        manifest: dict[str, Any] | None = None,
        repeat: int = 1,
    ) -> float | None:
        """``floor.py`` over ``directory``, best of ``repeat`` runs; its seconds (``None``: failed).

        With a ``manifest``, its row counts are checked against the manifest's
        (``counts_match``; ``counts_differ`` gives ``[floor, manifest]`` per table).
        With ``repeat`` > 1 every run's seconds are kept in ``runs``.
        """
        tag = {"shape": shape} if shape else {}
        self.floor_rows = None
        runs = []
        for _ in range(repeat):
            measured = self._run_floor(directory)
            if measured["returncode"]:
                self.add(products, "-", "floor", **tag, error=measured["output"])
                return None
            runs.append(measured)
        best = min(runs, key=lambda measured: measured["seconds"])
        inside = json.loads(best["output"].splitlines()[-1])
        values: dict[str, Any] = {
            "seconds": best["seconds"],
            "peak_rss_mib": max(measured["peak_rss_mib"] for measured in runs),
            "rows": sum(inside["rows"].values()),
        }
        if repeat > 1:
            values["runs"] = [measured["seconds"] for measured in runs]
        if manifest is not None:
            differ = floor_differences(inside["rows"], manifest)
            values["counts_match"] = not differ
            if differ:
                values["counts_differ"] = differ
        self.add(products, "-", "floor", **tag, **values)
        self.floor_rows = values["rows"]
        return float(best["seconds"])

    # -- per catalog shape (issue 17) ---------------------------------------------------

    def shape_set(self, products: int, shape: str) -> None:
        """One shape: the floor of its files, then ``cml_import`` and re-import on each database."""
        args = self.args
        directory, manifest, files = shape_data(shape, args.data_dir, products, args.seed)
        floor = self.floor(products, directory, shape=shape, manifest=manifest, repeat=args.repeat)
        for kind in args.databases:
            self.cml_import(
                kind,
                products,
                files,
                floor,
                shape=shape,
                repeat=args.repeat,
                floor_again=lambda: self._floor_seconds(directory),
            )

    def _run_floor(self, directory: Path) -> dict[str, Any]:
        """One run of ``floor.py`` over ``directory``, measured (:func:`run_measured`)."""
        return run_measured(
            [sys.executable, str(ROOT / "benchmarks/floor.py"), str(directory)],
            self._plain_env(),
        )

    def _floor_seconds(self, directory: Path) -> float | None:
        """One more run of ``floor.py`` over ``directory``: its seconds (``None``: failed)."""
        measured = self._run_floor(directory)
        return None if measured["returncode"] else float(measured["seconds"])

    def cml_import(
        self,
        kind: str,
        products: int,
        files: list[Path],
        floor: float | None,
        *,
        shape: str | None = None,
        repeat: int = 1,
        floor_again: Callable[[], float | None] | None = None,
    ) -> float | None:
        """``cml_import`` then the re-import; the first one's seconds (``None`` if it failed).

        ``shape`` (issue 17) names the catalog shape in the rows and the database,
        and adds a third import, ``re-unload``: 1C's next unload of the unchanged
        catalog, every file dated anew (:func:`~benchmarks.datasets.next_unload`).
        ``repeat`` > 1: the imports run that many times, each time in a fresh database,
        and the run with the quickest first import is reported (every first import's
        seconds in its ``runs``). ``floor_again`` runs the floor once more just before
        each first import: the first import's row then has ``x_floor_paired``, the median
        of each first import over the floor run beside it, and those floors in
        ``paired_floors``; the machine's speed, which changes from one minute to the next
        here, then weighs on both sides of each ratio alike.
        """
        name = f"{products}_{shape.replace('-', '_')}_import" if shape else f"{products}_import"
        command = [sys.executable, MANAGE, "cml_import", *map(str, files)]
        commands = {"cml_import": command, "re-import": command}
        if shape:
            # 1C's next unload of the unchanged catalog: the same files, dated anew.
            folder = files[0].parent
            unloaded = next_unload(files, folder.with_name(f"{folder.name}-next-unload"))
            commands["re-unload"] = [sys.executable, MANAGE, "cml_import", *map(str, unloaded)]
        steps = tuple(commands)
        tag = {"shape": shape} if shape else {}
        pairs: list[list[dict[str, Any]]] = []
        paired: list[float | None] = []
        env: dict[str, str] = {}
        for _ in range(repeat):
            _url, env = self.database(kind, name)
            manage(env, "migrate", "--no-input", "-v0")
            if floor_again is not None:
                paired.append(floor_again())
            pair: list[dict[str, Any]] = []
            for step in steps:
                measured = run_measured(commands[step], env)
                if measured["returncode"]:
                    self.add(products, kind, step, **tag, error=measured["output"])
                    return pair[0]["seconds"] if pair else None
                pair.append(measured)
            pairs.append(pair)
        best = min(pairs, key=lambda pair: pair[0]["seconds"])
        first: dict[str, Any] | None = None
        for step, measured in zip(steps, best, strict=True):
            values: dict[str, Any] = {
                **tag,
                "seconds": measured["seconds"],
                "peak_rss_mib": measured["peak_rss_mib"],
            }
            if floor:
                values["x_floor"] = round(measured["seconds"] / floor, 2)
            if first is not None:
                values["x_first"] = round(measured["seconds"] / first["seconds"], 2)
            else:
                if repeat > 1:
                    values["runs"] = [pair[0]["seconds"] for pair in pairs]
                ratios = [
                    pair[0]["seconds"] / seconds
                    for pair, seconds in zip(pairs, paired, strict=False)
                    if seconds
                ]
                if ratios:
                    values["x_floor_paired"] = round(statistics.median(ratios), 2)
                    values["paired_floors"] = paired
                if shape and floor and self.floor_rows:
                    values.update(self.rows_versus_floor(env, values["x_floor"]))
                if self.compares_31:
                    values.update(self.compare_counts(products, kind, env))
            row = self.add(products, kind, step, **values)
            first = first or row
        return first["seconds"] if first else None

    def rows_versus_floor(self, env: dict[str, str], x_floor: float) -> dict[str, Any]:
        """The catalog rows the import wrote, against the floor's rows and per row.

        ``rows_x_floor``: rows written over the floor's (which writes groups,
        products, offers, prices and stock only); ``x_floor_per_row``: the time
        ratio over that one, what a row costs against a row of the floor.
        """
        rows = int(manage(env, "shell", "-v", "0", "-c", COUNT_ROWS).split()[-1])
        ratio = rows / (self.floor_rows or 1)
        return {
            "rows": rows,
            "rows_x_floor": round(ratio, 2),
            "x_floor_per_row": round(x_floor / ratio, 2),
        }

    def oscar_import(
        self, kind: str, products: int, files: list[Path], default: float | None
    ) -> None:
        """``cml_import`` through the django-oscar adapter: without, then with its search index."""
        for step, update_index in (("oscar", "off"), ("oscar + index", "on")):
            _url, env = self.database(kind, f"{products}_oscar_{update_index}")
            env.update(
                {
                    "DJANGO_SETTINGS_MODULE": "oscar_shop.settings",
                    "CML_EXCHANGE_OSCAR_UPDATE_INDEX": update_index,
                    "WHOOSH_PATH": str(self.workdir / f"whoosh-{kind}-{products}"),
                }
            )
            try:
                manage(env, "migrate", "--no-input", "-v0")
            except Exception as error:  # Oscar missing: reported in the table, the run goes on
                self.add(products, kind, step, error=f"{type(error).__name__}: {error}")
                return
            command = [sys.executable, MANAGE, "cml_import", *map(str, files)]
            measured = run_measured(command, env)
            if measured["returncode"]:
                self.add(products, kind, step, error=measured["output"])
                continue
            values: dict[str, Any] = {
                "seconds": measured["seconds"],
                "peak_rss_mib": measured["peak_rss_mib"],
            }
            if default:
                values["x_default"] = round(measured["seconds"] / default, 2)
            self.add(products, kind, step, **values)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 1 when a step failed."""
    args = parse_arguments(argv, __doc__.split("\n\n")[0])
    started = dt.datetime.now()
    pace_at_start = pace.measure()
    print(f"machine pace at the start: 10⁷ additions in {pace_at_start:.2f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="cml-bench-") as tmp:
        run = Run(args, Path(tmp))
        try:
            for products in args.products:
                if args.steps:
                    run.data_set(products)
                for shape in args.shapes:
                    run.shape_set(products, shape)
            if {"query", "upload"} & set(args.steps):
                for kind in args.databases:
                    run.orders_and_upload(kind)
        finally:
            for url in run.databases:
                drop_database(url, args.pg_url)
    pace_at_end = pace.measure()
    targets = check(run.rows, step_budget=args.step) + check_shapes(run.rows)
    print()
    print(format_table(run.rows))
    print("\ntargets:")
    print(format_targets(targets))
    print(f"\n{pace.describe(pace_at_start, pace_at_end)}")
    json_path = args.json or ROOT / "benchmarks" / "results" / f"bench-{started:%Y%m%d-%H%M%S}.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "created": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": _machine(),
        "pace": {"start": round(pace_at_start, 3), "end": round(pace_at_end, 3)},
        "arguments": {
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(args).items()
        },
        "rows": run.rows,
        "targets": targets,
    }
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"\nresults written to {json_path}")
    return 1 if any("error" in row for row in run.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
