"""The targets of issue 8 (and later issues), checked against one run's rows of ``bench.py``.

Each target is checked only when the run measured what it needs (the 100k
ones need both 10k and 100k rows, the query one needs 10,000 orders).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: django-cml 0.4.0 as shipped, 10,000 products on this machine (issue 8).
DJANGO_CML_10K_SECONDS = 208.0


def _row(
    rows: Sequence[dict[str, Any]], products: int | None, db: str, step: str
) -> dict[str, Any] | None:
    for row in rows:
        if (
            row["step"] == step
            and row["database"] == db
            and (products is None or row["products"] == products)
            and "shape" not in row  # the shapes' rows have targets of their own
        ):
            return row if "error" not in row else None
    return None


def check(rows: Sequence[dict[str, Any]], *, step_budget: float) -> list[dict[str, Any]]:
    """One entry per target that could be checked: ``target``, ``figure``, ``holds``."""
    results: list[dict[str, Any]] = []

    def add(target: str, figure: str, holds: bool) -> None:
        results.append({"target": target, "figure": figure, "holds": holds})

    databases = sorted({row["database"] for row in rows if row["database"] != "-"})
    imported = _row(rows, 10_000, "sqlite", "cml_import")
    if imported and imported.get("x_floor"):
        add(
            "10k cml_import on SQLite ≤ 3× floor",
            f"{imported['x_floor']:.2f}×",
            imported["x_floor"] <= 3,
        )
        speedup = DJANGO_CML_10K_SECONDS / imported["seconds"]
        add("10k cml_import ≥ 20× faster than 208 s", f"{speedup:.0f}×", speedup >= 20)
    for db in databases:
        for products in (10_000, 100_000):
            first = _row(rows, products, db, "cml_import")
            again = _row(rows, products, db, "re-import")
            if first and again:
                share = again["seconds"] / first["seconds"]
                add(
                    f"{products // 1000}k re-import unchanged on {db} ≤ 30% of first",
                    f"{share:.0%}",
                    share <= 0.3,
                )
        oscar = _row(rows, 10_000, db, "oscar")
        if oscar and oscar.get("x_default"):
            add(
                f"10k cml_import through the Oscar adapter ≤ 2× the app's own models on {db}"
                " (issue 14)",
                f"{oscar['x_default']:.2f}×",
                oscar["x_default"] <= 2,
            )
        for products in sorted({row["products"] for row in rows if row["products"]}):
            for step31, step in (
                ("cml_import 3.1", "cml_import"),
                ("http 3.1", "http exchange"),
                ("http 3.1 plain", "http plain"),
            ):
                new, old = _row(rows, products, db, step31), _row(rows, products, db, step)
                if new and old:
                    ratio = new["seconds"] / old["seconds"]
                    add(
                        f"{products:,} {step31} within 20% of 2.08's {step} on {db} (issue 15)",
                        f"{ratio:.2f}×",
                        ratio <= 1.2,
                    )
                again = _row(rows, products, db, "re-import 3.1")
                if step31 == "cml_import 3.1" and again and products in (10_000, 100_000):
                    add(
                        f"{products // 1000}k 3.1 split set on {db}: re-import unchanged"
                        f" ≤ {SHAPE_REIMPORT_SHARE:.0%} of first (issue 17)",
                        f"{again['x_first']:.0%}",
                        again["x_first"] <= SHAPE_REIMPORT_SHARE,
                    )
                if new and "counts_match" in new:
                    add(
                        f"{products:,} {step31} gives the rows of 2.08 on {db} (issue 15)",
                        "same counts" if new["counts_match"] else f"differ: {new['counts_differ']}",
                        new["counts_match"],
                    )
        for products in (10_000, 100_000):
            http = _row(rows, products, db, "http exchange")
            if http:
                longest = http["max_import_request_seconds"]
                add(
                    f"{products // 1000}k HTTP: each import request ≤ step + 10% on {db}",
                    f"max {longest:.1f} s of {step_budget * 1.1:.0f} s",
                    longest <= step_budget * 1.1,
                )
                add(
                    f"{products // 1000}k HTTP: server peak RSS ≤ 200 MiB on {db}",
                    f"{http['peak_rss_mib']:.0f} MiB",
                    http["peak_rss_mib"] <= 200,
                )
            worker = _row(rows, products, db, "http worker")
            if worker:
                longest = worker["max_import_request_seconds"]
                add(
                    f"{products // 1000}k on a task worker: each import request < 1 s on {db}"
                    " (issue 16)",
                    f"max {longest:.2f} s",
                    longest < 1,
                )
        small, large = (
            _row(rows, 10_000, db, "http exchange"),
            _row(rows, 100_000, db, "http exchange"),
        )
        if small and large:
            ratio = large["seconds"] / small["seconds"]
            add(f"HTTP 100k/10k time ≤ 12 on {db}", f"{ratio:.1f}", ratio <= 12)
            ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
            add(f"HTTP 100k/10k server peak RSS ≤ 1.3 on {db}", f"{ratio:.2f}", ratio <= 1.3)
        query = _row(rows, None, db, "sale query")
        if query and query.get("orders", 0) >= 10_000:
            add(
                f"sale query over {query['orders']} orders ≤ 5 s on {db}",
                f"{query['seconds']:.1f} s",
                query["seconds"] <= 5,
            )
            add(
                f"sale query over {query['orders']} orders ≤ {SALE_QUERY_SECONDS:g} s on {db}"
                " (issue 17)",
                f"{query['seconds']:.2f} s",
                query["seconds"] <= SALE_QUERY_SECONDS,
            )
        sent = _row(rows, None, db, "upload")
        if sent:
            add(
                f"upload {sent['mib']} MiB ≤ 2× plain disk write on {db}",
                f"{sent['x_disk']:.1f}× (with fsync {sent['x_disk_fsync']:.1f}×)",
                sent["x_disk"] <= 2,
            )
            growth = sent["server_rss_after_mib"] - sent["server_rss_after_first_part_mib"]
            add(
                f"upload {sent['mib']} MiB: server memory flat on {db}",
                f"{growth:+.1f} MiB after the first part",
                abs(growth) <= 5,
            )
            results.extend(_upload_issue17(sent, db))
    return results


def _upload_issue17(sent: dict[str, Any], db: str) -> list[dict[str, Any]]:
    """Issue 17's upload targets for one ``upload`` row: cost per part, and against the disk."""
    results = []
    overhead = sent.get("overhead_ms_per_part")
    if overhead is not None:
        results.append(
            {
                "target": f"upload: each part's overhead ≤ 2 ms on {db} (issue 17)",
                "figure": f"{overhead:.1f} ms a part over a plain server ({sent['parts']} parts)",
                "holds": overhead <= 2,
            }
        )
    if sent.get("x_disk") is not None:
        results.append(
            {
                "target": f"upload {sent['mib']} MiB ≤ 3× plain disk write on {db} (issue 17)",
                "figure": f"{sent['x_disk']:.1f}× ({sent['seconds']:.2f} s)"
                + (
                    f"; the bytes over the loopback alone, no HTTP: {loopback:.1f}×"
                    if (loopback := sent.get("loopback_x_disk")) is not None
                    else ""
                ),
                "holds": sent["x_disk"] <= 3,
            }
        )
    return results


#: Issue 17: the most the sale query of 10,000 orders may take.
SALE_QUERY_SECONDS = 2.0
#: Issue 17: the most ``cml_import`` may take per catalog shape, in floors of its own files.
SHAPE_FLOOR_LIMITS = {"sqlite": 2.5, "postgresql": 3.5}
#: Issue 17: the most an unchanged re-import may take, as a share of the first import.
SHAPE_REIMPORT_SHARE = 0.25


def check_shapes(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets of issue 17 for every shape a run measured (``bench.py --shapes``).

    At 10k and 100k products, per shape and database: ``cml_import`` within
    :data:`SHAPE_FLOOR_LIMITS` floors of the same files, and the unchanged
    re-import within :data:`SHAPE_REIMPORT_SHARE` of the first import. A shape
    whose floor counted other rows than its manifest says is reported too.
    """
    results: list[dict[str, Any]] = []

    def add(target: str, figure: str, holds: bool) -> None:
        results.append({"target": target, "figure": figure, "holds": holds})

    measured = [row for row in rows if row.get("shape") and "error" not in row]
    for row in measured:
        if row["step"] == "floor" and not row.get("counts_match", True):
            add(
                f"{row['products']:,} floor rows equal the manifest's, shape {row['shape']}",
                f"differ: {row['counts_differ']}",
                False,
            )
    for row in measured:
        if row["products"] not in (10_000, 100_000):
            continue
        name = f"{row['products'] // 1000}k {row['shape']} on {row['database']}"
        limit = SHAPE_FLOOR_LIMITS.get(row["database"])
        if row["step"] == "cml_import" and limit and row.get("x_floor"):
            # The floor run beside each import where there is one (bench.py's shapes): the
            # best floor and the best import of runs minutes apart may meet different minutes.
            ratio = row.get("x_floor_paired") or row["x_floor"]
            add(f"{name}: cml_import ≤ {limit}× floor (issue 17)", f"{ratio:.2f}×", ratio <= limit)
        if row["step"] in ("re-import", "re-unload") and "x_first" in row:
            what = "re-import unchanged" if row["step"] == "re-import" else "1C's next unload"
            add(
                f"{name}: {what} ≤ {SHAPE_REIMPORT_SHARE:.0%} of first (issue 17)",
                f"{row['x_first']:.0%}",
                row["x_first"] <= SHAPE_REIMPORT_SHARE,
            )
    return results


def format_targets(results: Sequence[dict[str, Any]]) -> str:
    """The checked targets, one line each."""
    return "\n".join(
        f"  [{'ok' if result['holds'] else 'MISS'}] {result['target']}: {result['figure']}"
        for result in results
    )
