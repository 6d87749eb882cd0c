"""``bench.py``'s command line: the steps it knows and the arguments it takes."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from benchmarks.measure import ROOT
from benchmarks.shapes import SHAPES, parse_shapes

STEPS = (
    "parse",
    "floor",
    "import",
    "oscar",
    "http",
    "worker",
    "import31",
    "http31",
    "query",
    "upload",
)
MIB = 1024 * 1024


def parse_arguments(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    """``bench.py``'s arguments, checked, with the defaults filled in."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--products", type=int, action="append", help="repeatable (default: 1000, 10000)"
    )
    parser.add_argument("--with-100k", action="store_true", help="add 100,000 products (long)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--steps",
        help=f"comma-separated subset of {','.join(STEPS)} (default: all, or none with --shapes)",
    )
    parser.add_argument(
        "--shapes",
        help="issue 17: catalog shapes to floor and import on each database, comma-separated "
        f"({','.join(SHAPES)}) or all",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="with --shapes: best of this many floors and import pairs (fresh databases)",
    )
    parser.add_argument("--orders", type=int, default=10_000, help="orders for the sale query")
    parser.add_argument(
        "--sale-version", default="2.05", help="CommerceML version of the sale query (2.05: cp1251)"
    )
    parser.add_argument("--upload-mib", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=MIB, help="bytes per uploaded part")
    parser.add_argument("--step", type=int, default=30, help="seconds of one import step")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-plain",
        action="store_true",
        help="with http31: compare the zipped exchanges only (the file-by-file ones take minutes)",
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.products = sorted(
        set(args.products or [1000, 10_000]) | ({100_000} if args.with_100k else set())
    )
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if any(name not in ("sqlite", "postgresql") for name in args.databases):
        parser.error("--databases takes sqlite and/or postgresql")
    try:
        args.shapes = parse_shapes(args.shapes) if args.shapes else []
    except ValueError as error:
        parser.error(str(error))
    if args.steps is None:
        args.steps = "" if args.shapes else ",".join(STEPS)
    args.steps = [name.strip() for name in args.steps.split(",") if name.strip()]
    if any(name not in STEPS for name in args.steps):
        parser.error(f"--steps takes a comma-separated subset of {', '.join(STEPS)}")
    # The 3.1 steps are measured against 2.08's of the same run.
    for step31, step in (("import31", "import"), ("http31", "http")):
        if step31 in args.steps and step not in args.steps:
            args.steps.append(step)
    args.data_dir = args.data_dir.resolve()
    return args
