"""The child side of ``bench_parse.py``: one parse of one file, measured from inside.

Not a script of its own: ``bench_parse.py --child {floor,reader} PATH`` calls
:func:`child_main` in a fresh interpreter, so that the peak RSS is the
parser's own. The child prints exactly one JSON line on stdout: the result
(``seconds`` of the iteration only, ``entities``, ``by_type``; for ``reader``
also ``totals`` and, when ``CmlReader`` exists, ``warning_counts``; and the RSS
figures: baseline after imports, final, peak, and ``rss_samples`` as
``(entities, MiB, seconds)`` every 1024 entities), or ``{"error": ...}`` with
exit status 1.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import time
from collections import Counter
from pathlib import Path
from typing import Any

#: The element the floor parser stops at, per file.
FLOOR_TAGS = {"import.xml": "Товар", "offers.xml": "Предложение", "orders.xml": "Документ"}

_SAMPLE_EVERY = 1024  # entities between two RSS samples in a child
_MIB = 1024 * 1024


def _rss_mib() -> float:
    """Current resident set size of this process, in MiB."""
    with open("/proc/self/statm", "rb") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / _MIB


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tally_reader(entity: object, by_type: Counter[str], totals: Counter[str]) -> None:
    """Count one entity under its type name and add to the manifest-style totals."""
    kind = type(entity).__name__
    by_type[kind] += 1
    if kind == "Product":
        totals["products"] += 1
        totals["products_deleted"] += bool(getattr(entity, "deleted", False))
        totals["barcodes"] += bool(getattr(entity, "barcode", None))
        totals["images"] += len(getattr(entity, "images", ()))
    elif kind == "Offer":
        totals["offers"] += 1
        totals["offers_with_hash"] += "#" in getattr(entity, "id", "")
        totals["prices"] += len(getattr(entity, "prices", None) or ())
        totals["stock_rows"] += len(getattr(entity, "stock", None) or ())
    elif kind == "Group":
        totals["groups"] += 1
        totals["groups_top"] += getattr(entity, "depth", None) == 0
    elif kind == "Property":
        totals["properties"] += 1
        totals["property_values"] += len(getattr(entity, "options", ()))
    elif kind == "Unit":
        totals["units"] += 1
    elif kind == "PriceType":
        totals["price_types"] += 1
    elif kind == "Warehouse":
        totals["warehouses_declared"] += 1
    elif kind == "Document":
        totals["orders"] += 1
        totals["order_lines"] += len(getattr(entity, "lines", None) or ())


def _child_reader(path: str) -> dict[str, Any]:
    import cml_exchange.commerceml as cml

    reader_class = getattr(cml, "CmlReader", None)
    gc.collect()
    baseline = _rss_mib()
    by_type: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    samples: list[tuple[int, float, float]] = []
    count = 0
    reader = reader_class(path) if reader_class is not None else None
    entities = reader if reader is not None else cml.read(path)
    started = time.perf_counter()
    for entity in entities:
        count += 1
        _tally_reader(entity, by_type, totals)
        if count % _SAMPLE_EVERY == 0:
            samples.append((count, round(_rss_mib(), 1), round(time.perf_counter() - started, 3)))
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "seconds": seconds,
        "entities": count,
        "by_type": dict(by_type),
        "totals": dict(totals),
    }
    if reader is not None:
        result["warning_counts"] = dict(getattr(reader, "warning_counts", {}))
    return _finish(result, baseline, samples)


def _child_floor(path: str, tag: str) -> dict[str, Any]:
    from lxml import etree

    gc.collect()
    baseline = _rss_mib()
    samples: list[tuple[int, float, float]] = []
    count = 0
    started = time.perf_counter()
    for _event, element in etree.iterparse(
        path,
        events=("end",),
        tag=f"{{*}}{tag}",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    ):
        count += 1
        element.clear(keep_tail=False)
        # Drop the cleared siblings too, or the parent keeps a stub per element.
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
        if count % _SAMPLE_EVERY == 0:
            samples.append((count, round(_rss_mib(), 1), round(time.perf_counter() - started, 3)))
    seconds = time.perf_counter() - started
    return _finish(
        {"seconds": seconds, "entities": count, "by_type": {tag: count}}, baseline, samples
    )


def _finish(
    result: dict[str, Any], baseline: float, samples: list[tuple[int, float, float]]
) -> dict[str, Any]:
    result["baseline_rss_mib"] = round(baseline, 1)
    result["final_rss_mib"] = round(_rss_mib(), 1)
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    result["rss_samples"] = samples
    return result


def child_main(parser: str, path: str) -> int:
    """Parse ``path`` with ``parser`` (``floor`` or ``reader``); print the JSON line; 0 or 1."""
    try:
        if parser == "reader":
            result = _child_reader(path)
        else:
            result = _child_floor(path, FLOOR_TAGS[Path(path).name])
    except Exception as error:  # reported to the parent, which carries on
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}, ensure_ascii=False))
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0
