"""The rows of a ``bench.py`` run as a text table or a Markdown table.

``python benchmarks/report.py RESULTS.json`` prints the Markdown table of a
saved run (the one ``docs/performance.md`` shows) and its checked targets.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def _has_shapes(rows: Sequence[dict[str, Any]]) -> bool:
    """Whether the run measured catalog shapes (issue 17): the tables get a shape column."""
    return any("shape" in row for row in rows)


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a fixed-width text table (with a shape column when shapes were measured)."""
    shapes = _has_shapes(rows)
    shape_head = f" {'shape':16}" if shapes else ""
    header = (
        f"{'N':>7}{shape_head} {'database':10} {'step':14} {'seconds':>8} {'×floor':>7} "
        f"{'peak RSS':>9}  notes"
    )
    lines = [header, "-" * (len(header) + 30)]
    for row in rows:
        shape = f" {row.get('shape', '-'):16}" if shapes else ""
        lead = f"{row['products'] or '-':>7}{shape} {row['database']:10} {row['step']:14}"
        if "error" in row:
            lines.append(f"{lead} ERROR: {row['error'][-300:]}")
            continue
        ratio = f"{row['x_floor']:.2f}" if row.get("x_floor") else ""
        peak = row.get("peak_rss_mib", 0)
        lines.append(f"{lead} {row['seconds']:8.2f} {ratio:>7} {peak:9.1f}  {_notes(row)}")
    return "\n".join(lines)


def _notes(row: dict[str, Any]) -> str:
    notes = _step_notes(row)
    if row.get("runs"):  # bench.py --repeat: the best of these
        runs = ", ".join(f"{seconds:.2f}" for seconds in row["runs"])
        notes = f"{notes}; best of {runs} s" if notes else f"best of {runs} s"
    return notes


def _step_notes(row: dict[str, Any]) -> str:
    step = row["step"]
    if step == "parse":
        return f"{row['mib']} MiB of XML"
    if step == "floor":
        notes = f"{row['rows']} rows"
        if "counts_match" in row:
            notes += (
                "; counts as the manifest"
                if row["counts_match"]
                else f"; counts DIFFER from the manifest {row['counts_differ']}"
            )
        return notes
    if step == "cml_import" and ("rows_x_floor" in row or "x_floor_paired" in row):
        parts: list[str] = []
        if "x_floor_paired" in row:
            floors = ", ".join(f"{seconds:.2f}" for seconds in row["paired_floors"] if seconds)
            parts.append(f"{row['x_floor_paired']:.2f}× a floor run beside each ({floors} s)")
        if "rows_x_floor" in row:
            parts.append(
                f"{row['rows']} rows, {row['rows_x_floor']:.2f}× the floor's; "
                f"{row['x_floor_per_row']:.2f}× floor per row"
            )
        return "; ".join(parts)
    if step in ("re-import", "re-import 3.1", "re-unload"):
        return f"{row['x_first']:.0%} of the first import"
    if step.startswith("oscar") and row.get("x_default"):
        return f"{row['x_default']:.2f}× cml_import on the app's own models"
    if step.startswith("http") and "import_requests" in row:
        notes = (
            f"{row['import_requests']} import requests, "
            f"longest {row['max_import_request_seconds']:.1f} s; "
            f"upload {row['uploaded_mib']} MiB in {row['upload_parts']} parts, "
            f"{row['upload_seconds']:.1f} s"
            + (
                f"; the site's requests {row['site_seconds']:.1f} s"
                + (f" ({row['x_floor_site']:.2f}× floor)" if row.get("x_floor_site") else "")
                + f", the client's packing {row['client_seconds']:.1f} s"
                if "site_seconds" in row
                else ""
            )
        )
        return _versus_2x(row, notes)
    if step == "cml_import 3.1":
        return _versus_2x(row, f"{row['files']} files")
    if step == "sale query":
        return f"{row['orders']} orders, {row['bytes'] / MIB:.1f} MiB of XML"
    if step == "upload":
        return (
            f"{row['mib']} MiB: {row['x_disk']:.1f}× disk write "
            f"({row['x_disk_fsync']:.1f}× with fsync"
            + (
                f"; the loopback alone {row['loopback_x_disk']:.1f}×"
                if row.get("loopback_x_disk") is not None
                else ""
            )
            + ")"
            + (
                f", {row['overhead_ms_per_part']:.1f} ms a part beyond a plain server's"
                f" ({row['floor_server_seconds']:.2f} s)"
                if row.get("floor_server_seconds") is not None
                else ""
            )
            + (
                f", {row['write_overhead_ms_per_part']:.1f} ms beyond the write"
                if row.get("write_overhead_ms_per_part") is not None
                else ""
            )
            + (
                f"; without cookies {row['cookieless_ms_per_part']:.1f} ms a part"
                if row.get("cookieless_ms_per_part") is not None
                else ""
            )
            + "; server RSS "
            f"{row['server_rss_after_first_part_mib']:.0f} → {row['server_rss_after_mib']:.0f} MiB"
        )
    return ""


def _versus_2x(row: dict[str, Any], notes: str) -> str:
    """``notes``, then the 3.1 comparison: time against 2.08's, and whether the rows match."""
    if "x_2x" in row:
        notes = f"{row['x_2x']:.2f}× 2.08; {notes}"
    if "counts_match" in row:
        notes += (
            "; rows as 2.08" if row["counts_match"] else f"; rows DIFFER {row['counts_differ']}"
        )
    return notes


def format_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    shapes = _has_shapes(rows)
    lines = [
        "| N |"
        + (" shape |" if shapes else "")
        + " database | step | seconds | ×floor | peak RSS, MiB | notes |",
        "|---:|" + ("---|" if shapes else "") + "---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        shape = f" {row.get('shape', '–')} |" if shapes else ""
        lead = (
            f"| {row['products'] or '–'} |{shape} {row['database'].replace('-', '–')} |"
            f" {row['step']} |"
        )
        if "error" in row:
            lines.append(f"{lead} | | | error: {row['error'][-200:]} |")
            continue
        ratio = f"{row['x_floor']:.2f}" if row.get("x_floor") else ""
        peak = row.get("peak_rss_mib", 0)
        lines.append(f"{lead} {row['seconds']:.2f} | {ratio} | {peak:.0f} | {_notes(row)} |")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    """Print the Markdown table and the targets of a saved run."""
    if len(argv) != 1:
        print("usage: report.py RESULTS.json", file=sys.stderr)
        return 2
    report = json.loads(Path(argv[0]).read_text("utf-8"))
    print(format_markdown(report["rows"]))
    print()
    for target in report.get("targets", []):
        verdict = "holds" if target["holds"] else "**misses**"
        print(f"- {verdict}: {target['target']} ({target['figure']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
