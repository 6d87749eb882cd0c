"""Benchmark data sets: generated once into ``<data dir>/<products>/`` and reused while they match.

A data set is reused when its ``manifest.json`` records exactly the requested
generator arguments (and generator version) and every file it lists still has
its recorded size; otherwise the directory is deleted and generated afresh
with :func:`benchmarks.generator.generate_catalog`.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any


def _requested_parameters(
    products: int, seed: int, schema: str, orders: int, stock_form: str
) -> dict[str, Any]:
    from benchmarks.generator import GENERATOR_VERSION  # not at the top: see ensure_data

    parameters = {
        "generator_version": GENERATOR_VERSION,
        "products": products,
        "seed": seed,
        "schema": schema,
        "orders": orders,
        "stock_form": stock_form,
    }
    if schema == "3.1":  # the generator's default packets
        parameters.update(packet=1000, properties_packet=50)
    return parameters


def _matching_manifest(directory: Path, parameters: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest in ``directory`` if it was made with ``parameters`` and its files are intact."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("parameters") != parameters:
        return None
    files = manifest.get("files")
    if not isinstance(files, dict):
        return None
    for name, size in files.items():
        path = directory / name
        if not path.is_file() or path.stat().st_size != size:
            return None
    return manifest


def ensure_data(
    data_dir: Path, products: int, seed: int, schema: str, orders: int, stock_form: str
) -> tuple[Path, dict[str, Any], bool]:
    """Return ``(directory, manifest, generated_now)`` for the requested data set.

    Reuses ``data_dir/<products>/`` (``<products>-3.1/`` for the 3.1 file
    set, with the generator's default packets) when its manifest matches;
    otherwise deletes that directory and generates it afresh.
    """
    # Imported here, not at the top: the measured child process imports this module
    # (through bench_parse.py) and its baseline RSS must not include the generator.
    from benchmarks.generator import generate_catalog

    directory = data_dir / (f"{products}-3.1" if schema == "3.1" else str(products))
    parameters = _requested_parameters(products, seed, schema, orders, stock_form)
    manifest = _matching_manifest(directory, parameters)
    if manifest is not None:
        print(f"reusing {directory}", flush=True)
        return directory, manifest, False
    if directory.exists():
        shutil.rmtree(directory)
    print(f"generating {products} products into {directory} …", flush=True)
    started = time.perf_counter()
    manifest = generate_catalog(
        directory, products, seed=seed, schema=schema, orders=orders, stock_form=stock_form
    )
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return directory, manifest, True
