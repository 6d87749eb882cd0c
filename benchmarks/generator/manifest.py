"""``manifest.json``: the exact counts of what one run wrote, its arguments and file sizes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

#: Bump when the output for the same arguments changes (benchmarks compare it
#: to decide whether cached data can be reused).
GENERATOR_VERSION = 2


#: The counts in ``manifest.json``. Definitions (element names are local names):
#: products: ``Каталог/Товары/Товар``; products_deleted: those with
#: ``ПометкаУдаления`` = true; groups: all ``Группа`` (nested included);
#: groups_top: ``Группа`` directly under ``Классификатор/Группы``; properties:
#: ``Свойство``; property_values: children of ``ВариантыЗначений``; units:
#: ``ЕдиницаИзмерения``; barcodes: non-empty ``Товар/Штрихкод``; images:
#: non-empty ``Товар/Картинка`` (one file each under ``import_files/``);
#: offers: ``Предложение`` (in 3.1, of the offers file: the prices and rests
#: files name the same offers again); offers_with_hash: offers whose ``Ид`` has a ``#``;
#: prices: ``Предложение/Цены/Цена``; stock_rows: ``Предложение/Склад`` plus
#: ``Остатки/Остаток/Склад``; price_types: ``ТипЦены``; warehouses_declared:
#: ``Склады/Склад``; orders: ``Документ``; order_lines: ``Документ/Товары/Товар``.
COUNT_KEYS = (
    "products",
    "products_deleted",
    "groups",
    "groups_top",
    "properties",
    "property_values",
    "units",
    "barcodes",
    "images",
    "offers",
    "offers_with_hash",
    "prices",
    "stock_rows",
    "price_types",
    "warehouses_declared",
    "orders",
    "order_lines",
)


def write_manifest(
    out_dir: Path,
    counts: dict[str, int],
    arguments: dict[str, object],
    file_names: Sequence[str],
    exchange: Sequence[str],
) -> dict[str, object]:
    """Write ``out_dir/manifest.json`` and return the manifest it holds.

    The manifest is ``counts`` (keyed by :data:`COUNT_KEYS`), plus
    ``parameters``: :data:`GENERATOR_VERSION` as ``generator_version`` followed
    by ``arguments`` (the run's arguments), ``files``: the size in bytes of
    each of ``file_names``, which must already be written in ``out_dir``, and
    ``exchange``: the catalog's files in the order 1C sends and imports them
    (``import.xml``, ``offers.xml``; or the 3.1 set from ``priceLists`` to the
    last ``rests`` packet). The JSON is UTF-8, indented, with sorted keys, so
    equal manifests give equal bytes.
    """
    manifest: dict[str, object] = dict(counts)
    manifest["parameters"] = {"generator_version": GENERATOR_VERSION, **arguments}
    manifest["files"] = {name: (out_dir / name).stat().st_size for name in file_names}
    manifest["exchange"] = list(exchange)
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return manifest
