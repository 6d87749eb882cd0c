"""The generator's command line: ``benchmarks/generate.py`` and ``python -m benchmarks.generator``.

Prints the manifest's counts and the file sizes; exits with status 2 and
argparse's usage message when the arguments are refused.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from benchmarks.generator.context import ENCODINGS, NAMESPACES, PICTURES, Options
from benchmarks.generator.exchange import generate_catalog
from benchmarks.generator.manifest import COUNT_KEYS
from benchmarks.generator.offers import STOCK_FORMS

_DESCRIPTION = "A deterministic generator of realistic CommerceML 2.x and 3.1 exchange files."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: ``sys.argv[1:]``); return the exit status (0)."""
    parser = argparse.ArgumentParser(description=_DESCRIPTION)
    parser.add_argument("--products", type=int, required=True, help="number of products")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schema", choices=sorted(NAMESPACES), default="2.08")
    parser.add_argument("--orders", type=int, default=0, help="order documents in orders.xml")
    parser.add_argument("--stock-form", choices=STOCK_FORMS, default="both")
    parser.add_argument(
        "--packet", type=int, default=1000, help="3.1: products per goods and rests packet"
    )
    parser.add_argument(
        "--properties-packet",
        type=int,
        default=50,
        help="3.1: properties per propertiesGoods packet",
    )
    parser.add_argument(
        "--property-values",
        type=int,
        help="property values per product, 0 to 30 (default: 2 to 5, drawn per product)",
    )
    parser.add_argument(
        "--characteristics",
        type=float,
        default=0.2,
        help="share of products with characteristic offers, 0 to 0.6",
    )
    parser.add_argument(
        "--pictures",
        choices=PICTURES,
        default="present",
        help="pictures written, referenced but not written, or not referenced",
    )
    parser.add_argument(
        "--no-namespace", action="store_true", help="the root declares no namespace"
    )
    parser.add_argument("--encoding", choices=sorted(ENCODINGS), default="utf-8")
    parser.add_argument("--warehouses", type=int, default=3, help="1 to 3")
    args = parser.parse_args(argv)
    options = Options(
        property_values=args.property_values,
        characteristics=args.characteristics,
        pictures=args.pictures,
        namespace=not args.no_namespace,
        encoding=args.encoding,
        warehouses=args.warehouses,
    )
    try:
        manifest = generate_catalog(
            args.out,
            args.products,
            seed=args.seed,
            schema=args.schema,
            orders=args.orders,
            stock_form=args.stock_form,
            packet=args.packet,
            properties_packet=args.properties_packet,
            options=options,
        )
    except ValueError as error:
        parser.error(str(error))
    for key in COUNT_KEYS:
        print(f"{key:20} {manifest[key]}")
    files = manifest["files"]
    assert isinstance(files, dict)  # noqa: S101 (narrowing for type checkers)
    for name, size in files.items():
        print(f"{name:20} {size / 2**20:.1f} MiB")
    return 0
