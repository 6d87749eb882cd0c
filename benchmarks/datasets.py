"""Benchmark data sets: generated once into ``<data dir>/<products>/`` and reused while they match.

A data set is reused when its ``manifest.json`` records exactly the requested
generator arguments (and generator version, and the catalog options that differ
from the defaults) and every file it lists still has its recorded size;
otherwise the directory is deleted and generated afresh with
:func:`benchmarks.generator.generate_catalog`. The ``samples`` data set
(:mod:`benchmarks.samples`) is kept the same way, keyed on its sources' sizes.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.generator.context import Options


def _requested_parameters(
    products: int,
    seed: int,
    schema: str,
    orders: int,
    stock_form: str,
    options: dict[str, object] | None = None,
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
    if options:
        parameters["options"] = options
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
    data_dir: Path,
    products: int,
    seed: int,
    schema: str,
    orders: int,
    stock_form: str,
    options: Options | None = None,
    label: str | None = None,
) -> tuple[Path, dict[str, Any], bool]:
    """Return ``(directory, manifest, generated_now)`` for the requested data set.

    Reuses ``data_dir/<products>/`` (``<products>-3.1/`` for the 3.1 file
    set, with the generator's default packets; ``-<label>`` appended when
    ``options`` differ from the defaults, ``label`` defaulting to the changed
    options) when its manifest matches; otherwise deletes that directory and
    generates it afresh.
    """
    # Imported here, not at the top: the measured child process imports this module
    # (through bench_parse.py) and its baseline RSS must not include the generator.
    from benchmarks.generator import generate_catalog

    changed = options.changed() if options is not None else {}
    name = f"{products}-3.1" if schema == "3.1" else str(products)
    if changed:
        name += "-" + (label or "-".join(f"{key}-{value}" for key, value in changed.items()))
    directory = data_dir / name
    parameters = _requested_parameters(products, seed, schema, orders, stock_form, changed)
    manifest = _matching_manifest(directory, parameters)
    if manifest is not None:
        print(f"reusing {directory}", flush=True)
        return directory, manifest, False
    if directory.exists():
        shutil.rmtree(directory)
    print(f"generating {products} products into {directory} …", flush=True)
    started = time.perf_counter()
    manifest = generate_catalog(
        directory,
        products,
        seed=seed,
        schema=schema,
        orders=orders,
        stock_form=stock_form,
        options=options,
    )
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return directory, manifest, True


def ensure_samples(
    data_dir: Path, products: int, samples_dir: Path | None = None
) -> tuple[Path, dict[str, Any], bool]:
    """The ``samples`` data set of about ``products`` products: ``data_dir/<products>-samples/``.

    Reused while its manifest records the same sources (names and sizes), else
    written afresh by :func:`benchmarks.samples.build_samples`.
    """
    from benchmarks.samples import build_samples, samples_parameters

    directory = data_dir / f"{products}-samples"
    manifest = _matching_manifest(directory, samples_parameters(products, samples_dir))
    if manifest is not None:
        print(f"reusing {directory}", flush=True)
        return directory, manifest, False
    print(f"writing the sample sets, about {products} products, into {directory} …", flush=True)
    started = time.perf_counter()
    manifest = build_samples(directory, products, samples_dir)
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return directory, manifest, True


#: The moment :func:`next_unload` writes in each file's ``ДатаФормирования``.
NEXT_UNLOAD_AT = b"2099-01-01T00:00:00"


def next_unload(files: list[Path], directory: Path) -> list[Path]:
    """``files`` as 1C's next unload of the unchanged catalog: each root dated anew.

    Written into ``directory`` (emptied first) under the same names, with the
    value of every root's ``ДатаФормирования`` replaced by :data:`NEXT_UNLOAD_AT`
    (a file without one, as some hand-made exports, is copied as it is); the
    folders beside the files (pictures) are linked, not copied.
    """
    from cml_exchange.commerceml.reading._prolog import unload_date_span

    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for source in files[0].parent.iterdir():
        if source.is_dir():
            (directory / source.name).symlink_to(source.resolve())
    copies = []
    for source in files:
        copy = directory / source.name
        with source.open("rb") as original, copy.open("wb") as out:
            head = original.read(64 * 1024)
            span = unload_date_span(head)
            if span is not None:
                head = head[: span[0]] + NEXT_UNLOAD_AT + head[span[1] :]
            out.write(head)
            shutil.copyfileobj(original, out, 1024 * 1024)
        copies.append(copy)
    return copies
