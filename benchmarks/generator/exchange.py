"""One full exchange: check the arguments, write every file in turn, then the manifest."""

from __future__ import annotations

from pathlib import Path

from benchmarks.generator.catalog import write_import
from benchmarks.generator.context import NAMESPACES, build_context
from benchmarks.generator.manifest import write_manifest
from benchmarks.generator.offers import STOCK_FORMS, write_offers
from benchmarks.generator.orders import write_orders


def generate_catalog(
    out_dir: Path,
    products: int,
    seed: int = 1,
    schema: str = "2.08",
    orders: int = 0,
    stock_form: str = "both",
) -> dict[str, object]:
    """Write the exchange files for ``products`` products into ``out_dir``; return the manifest.

    ``out_dir`` is created if needed; files of an earlier run with other
    arguments are overwritten, but stale picture files are not removed, so use
    a fresh directory per argument set. The manifest (also written to
    ``out_dir/manifest.json``) holds the counts named in
    :data:`~benchmarks.generator.manifest.COUNT_KEYS`, ``parameters`` (the
    arguments and :data:`~benchmarks.generator.manifest.GENERATOR_VERSION`)
    and ``files`` (the size in bytes of each XML file written). Same
    arguments, same bytes. ``orders.xml`` is written only when ``orders > 0``.

    Raises ``ValueError`` for ``products < 1``, ``orders < 0``, a negative
    ``seed``, an unknown ``schema`` (see
    :data:`~benchmarks.generator.context.NAMESPACES`) or ``stock_form`` (see
    :data:`~benchmarks.generator.offers.STOCK_FORMS`).
    """
    if products < 1:
        raise ValueError("products must be at least 1")
    if orders < 0:
        raise ValueError("orders must not be negative")
    if seed < 0:
        raise ValueError("seed must not be negative")
    if schema not in NAMESPACES:
        raise ValueError(f"schema must be one of {', '.join(NAMESPACES)}")
    if stock_form not in STOCK_FORMS:
        raise ValueError(f"stock_form must be one of {', '.join(STOCK_FORMS)}")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = build_context(seed, schema, products)
    write_import(ctx, out_dir, products)
    write_offers(ctx, out_dir, products, stock_form)
    names = ["import.xml", "offers.xml"]
    if orders:
        write_orders(ctx, out_dir, products, orders)
        names.append("orders.xml")

    arguments: dict[str, object] = {
        "products": products,
        "seed": seed,
        "schema": schema,
        "orders": orders,
        "stock_form": stock_form,
    }
    return write_manifest(out_dir, ctx.counts, arguments, names)
