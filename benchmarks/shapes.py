"""The catalog shapes of issue 17: named data sets that ``bench.py --shapes`` imports.

Each shape but ``samples`` is the generator's catalog (``benchmarks/generator``, seed
and product count of the run) with some of its options changed
(:class:`~benchmarks.generator.context.Options`); ``samples`` is every real sample set
repeated up to about N products (:mod:`benchmarks.samples`). The data sets are kept
under ``<data dir>/<N>-<shape>/`` (``<N>/`` for ``default``) and reused while they
match (:mod:`benchmarks.datasets`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.datasets import ensure_data, ensure_samples
from benchmarks.generator.context import Options

#: The shapes, in the order a run measures them. ``None``: the sample sets.
SHAPES: dict[str, Options | None] = {
    # The generator as it always was: 2–5 property values, 20% with characteristics,
    # 0–2 pictures each, namespace, UTF-8 with a BOM, 3 warehouses.
    "default": Options(),
    # Nothing but the bones: no property values, no characteristics, no pictures.
    "bare": Options(property_values=0, characteristics=0.0, pictures="none"),
    # Every property valued on every product, 60% of products with characteristics.
    "rich": Options(property_values=30, characteristics=0.6),
    # The pictures referenced, their files not sent.
    "missing-pictures": Options(pictures="missing"),
    # No namespace on the root (УТ 10.3, МойСклад, many hand-made exports).
    "no-namespace": Options(namespace=False),
    # windows-1251, no BOM (УТ 10.3, older exchanges).
    "cp1251": Options(encoding="cp1251"),
    # Shaped like the independent 10k catalog of issue 17: 2.08 with the namespace,
    # property values, characteristics, 3 price types, 2 warehouses, pictures
    # referenced but not uploaded.
    "peer": Options(property_values=10, characteristics=0.3, pictures="missing", warehouses=2),
    # Every sample set of ../shared/cml-samples, repeated up to about N products.
    "samples": None,
}

#: The floor's tables and the manifest counts they must equal.
FLOOR_COUNTS = {
    "groups": "groups",
    "products": "products",
    "offers": "offers",
    "prices": "prices",
    "stock": "stock_rows",
}


def parse_shapes(text: str) -> list[str]:
    """``default,rich`` or ``all`` as a list of shape names; ``ValueError`` for an unknown one."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return list(SHAPES)
    unknown = [name for name in names if name not in SHAPES]
    if unknown or not names:
        raise ValueError(f"shapes are {', '.join(SHAPES)} or all (not {', '.join(unknown)})")
    return names


def shape_data(
    name: str, data_dir: Path, products: int, seed: int
) -> tuple[Path, dict[str, Any], list[Path]]:
    """The data set of shape ``name``: its directory, manifest and catalog files in import order."""
    options = SHAPES[name]
    if options is None:
        directory, manifest, _generated = ensure_samples(data_dir, products)
    else:
        # Orders as bench.py's other steps write them, so that ``default`` is their data set.
        directory, manifest, _generated = ensure_data(
            data_dir, products, seed, "2.08", products // 100, "both", options=options, label=name
        )
    return directory, manifest, [directory / str(file) for file in manifest["exchange"]]


def floor_differences(rows: dict[str, int], manifest: dict[str, Any]) -> dict[str, list[int]]:
    """The floor's row counts that differ from the manifest's: ``{table: [floor, manifest]}``."""
    return {
        table: [rows.get(table, 0), int(manifest[key])]
        for table, key in FLOOR_COUNTS.items()
        if rows.get(table, 0) != int(manifest[key])
    }


#: The shop's tables an import of a catalog writes (the app's models, by name): the
#: ``rows`` of a shape's first import (``bench.Run.rows_versus_floor``), beside the
#: floor's five tables.
CATALOG_MODELS = (
    "Classifier", "Catalog", "Group", "Property", "PropertyOption", "Unit", "Category",
    "Product", "ProductGroup", "ProductPropertyValue", "ProductRequisite", "ProductTax",
    "ProductImage", "PendingReference", "PriceType", "Warehouse", "Offer",
    "OfferCharacteristic", "OfferPropertyValue", "Price", "Stock",
)  # fmt: skip

#: ``manage.py shell -c``: prints the rows of :data:`CATALOG_MODELS`, one number.
COUNT_ROWS = (
    "from django.apps import apps; "
    "print(sum(apps.get_model('cml_exchange', name).objects.count() "
    f"for name in {CATALOG_MODELS!r}))"
)
