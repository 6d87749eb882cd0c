"""One full exchange: check the arguments, write every file in turn, then the manifest."""

from __future__ import annotations

from pathlib import Path

from benchmarks.generator import classifier31, offers31
from benchmarks.generator.catalog import write_import
from benchmarks.generator.context import NAMESPACES, Context, Options, build_context
from benchmarks.generator.files31 import FileSet
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
    packet: int = 1000,
    properties_packet: int = 50,
    options: Options | None = None,
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
    ``options`` (:class:`~benchmarks.generator.context.Options`) shape the
    catalog; the options that differ from the defaults are recorded in the
    manifest's ``parameters`` under ``options`` (none: no key, and the files of
    the generator before the options existed).

    Raises ``ValueError`` for ``products < 1``, ``orders < 0``, a negative
    ``seed``, an unknown ``schema`` (see
    :data:`~benchmarks.generator.context.NAMESPACES`) or ``stock_form`` (see
    :data:`~benchmarks.generator.offers.STOCK_FORMS`), or an option out of its
    range (:meth:`~benchmarks.generator.context.Options.check`).
    """
    options = options or Options()
    options.check()
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

    if packet < 1 or properties_packet < 1:
        raise ValueError("packet sizes must be at least 1")
    if orders and schema == "3.1":
        raise ValueError("orders are written for 2.x only (3.1 orders come in Контейнер)")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = build_context(seed, schema, products, options)
    if schema == "3.1":
        names = write_exchange31(ctx, out_dir, products, stock_form, packet, properties_packet)
    else:
        write_import(ctx, out_dir, products)
        write_offers(ctx, out_dir, products, stock_form)
        names = ["import.xml", "offers.xml"]
    exchange = list(names)
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
    if schema == "3.1":
        arguments.update(packet=packet, properties_packet=properties_packet)
    if options.changed():
        arguments["options"] = options.changed()
    return write_manifest(out_dir, ctx.counts, arguments, names, exchange)


def write_exchange31(
    ctx: Context,
    out_dir: Path,
    products: int,
    stock_form: str,
    packet: int,
    properties_packet: int,
) -> list[str]:
    """Write the 3.1 file set of the catalog; return the file names in 1C's sending order."""
    files = FileSet(ctx, out_dir)
    classifier31.write_price_lists(ctx, files)
    classifier31.write_storages(ctx, files)
    classifier31.write_goods_properties(ctx, files, properties_packet)
    classifier31.write_offer_properties(ctx, files)
    classifier31.write_units(ctx, files)
    classifier31.write_groups(ctx, files)
    offers31.write_goods(ctx, files, out_dir, products, packet)
    offers31.write_offers(ctx, files, products)
    offers31.write_prices(ctx, files, products)
    offers31.write_rests(ctx, files, products, packet, stock_form)
    return files.names
