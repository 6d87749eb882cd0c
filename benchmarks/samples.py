"""The ``samples`` shape: every real sample catalog set, repeated up to about N products.

The sample sets are the catalog files of ``../shared/cml-samples`` (origins in its
``SOURCES.md``; the same bytes as ``tests/data/cml``), grouped as
``tests/integration/importer/test_samples.py`` groups them: an ``import.xml`` with its
offers, a 2.09 split package, or an offers file alone. Orders and the 3.1 file are left
out. Each set keeps its own structure: version, namespace (or none), encoding, BOM,
line ends (or one line), classifier. Only its products and offers are repeated: the
``Товар`` children of ``Каталог/Товары`` and the ``Предложение`` children of
``ПакетПредложений/Предложения`` are copied after the originals, each copy's ``Ид``
rewritten (``<id>~r<repetition>``, the part after a ``#`` kept) so that a repetition is
a set of distinct products whose offers still point at them. The XML declaration (and
BOM) of the source is kept byte for byte; the rest is serialised by lxml in the source's
encoding.

How many times: the N products are shared equally between the sets that have products;
a set bigger than its share is written once and its products taken from the rest, then
each other set is repeated ``round(share / products)`` times (at least once), and a set
of offers alone ``round(share / offers)`` times. The files go to ``<data dir>/<N>-samples/`` as
``NN-<source name>`` in the sets' order, with a ``manifest.json`` like the generator's:
the counts the floor checks (groups, products, offers, prices, stock_rows), ``exchange``
(every file, in import order), ``files`` (sizes), ``sets`` (repetitions per set) and
``parameters`` (the sources' sizes, so a changed sample makes a new data set).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
#: Bump when the files written for the same sources change.
SAMPLES_VERSION = 1


def default_samples_dir() -> Path:
    """``../shared/cml-samples`` next to the checkout, else the test suite's copies."""
    shared = ROOT.parent / "shared" / "cml-samples"
    return shared if shared.is_dir() else ROOT / "tests" / "data" / "cml"


def _pair(prefix: str, first: str = "import", second: str = "offers") -> tuple[str, ...]:
    return (f"{prefix}{first}.xml", f"{prefix}{second}.xml")


#: The catalog sample sets, each in import order (as the importer's sample tests group them).
SETS: dict[str, tuple[str, ...]] = {
    "carono": _pair("carono__php-commerceml__tests__xml__"),
    "bigperson": _pair("bigperson__exchange1c__tests__xml__"),
    "sukhikh18": _pair("sukhikh18__woocommerce-ml__tests__fixtures__", "import0_1", "offers0_1"),
    "ready-script": _pair("irpsv__commerceml__tests__assets__ready-script__"),
    "off-doc-1c": _pair("irpsv__commerceml__tests__assets__off-doc-1c__"),
    "umi-cms": _pair("irpsv__commerceml__tests__assets__umi-cms__"),
    "iMega": _pair("iMega__commerceml2teleport__parser__fixture__", "import", "offer"),
    "Denis-777": _pair("Denis-777__test__", "import5"),
    "avdivo": _pair("avdivo__commercml__"),
    "Katy248": _pair("Katy248__electrotech__example__"),
    "dobromyslov": _pair("dobromyslov__commerceml-parser__data__", "import0_1", "offers0_1"),
    "alfredotg": _pair("alfredotg__parser1c__tests__data__", "import", "offer"),
    "Dialdev": _pair("Dialdev__Santechtula__upload__1c_catalog__"),
    "gillbeits": (
        "gillbeits__commerceml__example__import___b815e2db-7a65-4265-9241-5f0c4f0565a7.xml",
        "gillbeits__commerceml__example__offers___7f304edc-2527-4d3d-b058-6e4ee53de2e0.xml",
        "gillbeits__commerceml__example__prices___d66a6b51-ce9c-4e7a-8c7c-25079721107f.xml",
        "gillbeits__commerceml__example__rests___1af6e7b8-a026-4690-9752-1c9d64cb914d.xml",
    ),
    "kickgoods": ("ASDAFF__kickgoods__upload__1c_catalog__offers.xml",),
    "Kremenchuk": ("Kremenchuk__parseXML__data__original_file__from_ERP__offers.xml",),
    "revalle88": ("revalle88__evrolist__import.xml",),
}

_DECLARATION = re.compile(rb"(\xef\xbb\xbf)?\s*<\?xml[^>]*\?>[ \t\r\n]*")
_COUNTED = ("groups", "products", "offers", "prices", "stock_rows")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(path.read_bytes(), parser)


def _containers(root: etree._Element) -> list[etree._Element]:
    """``Каталог/Товары`` and ``ПакетПредложений/Предложения``: what a repetition copies."""
    found = []
    for element in root.iter("{*}Товары", "{*}Предложения", "Товары", "Предложения"):
        parent = element.getparent()
        if parent is not None and (_local(element), _local(parent)) in (
            ("Товары", "Каталог"),
            ("Предложения", "ПакетПредложений"),
        ):
            found.append(element)
    return found


def _items(container: etree._Element) -> list[etree._Element]:
    return [child for child in container if isinstance(child.tag, str)]


def _counts(root: etree._Element) -> dict[str, int]:
    """What the floor stores from one file: the elements it makes rows of."""
    counts = dict.fromkeys(_COUNTED, 0)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = _local(element)
        if name == "Группа":
            counts["groups"] += 1
        elif name == "Товар":
            parent = element.getparent()
            counts["products"] += parent is not None and _local(parent) == "Товары"
        elif name == "Предложение" and element.find("{*}Ид") is not None:
            counts["offers"] += 1
            counts["prices"] += len(element.findall("{*}Цены/{*}Цена"))
            counts["stock_rows"] += len(element.findall("{*}Склад"))
            counts["stock_rows"] += len(element.findall("{*}Остатки/{*}Остаток/{*}Склад"))
    return counts


def repeated_id(external_id: str, repetition: int) -> str:
    """The ``Ид`` of an item's ``repetition``-th copy: ``a#b`` becomes ``a~r3#b``; 0 keeps it."""
    if not repetition:
        return external_id
    base, hash_mark, rest = external_id.partition("#")
    return f"{base}~r{repetition}{hash_mark}{rest}"


def repeat_file(source: Path, target: Path, repetitions: int) -> dict[str, int]:
    """Write ``source`` to ``target`` with its products and offers ``repetitions`` times.

    Returns the counts of what ``target`` holds (groups, products, offers,
    prices, stock_rows, as the floor counts them).
    """
    raw = source.read_bytes()
    root = _parse(source)
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    for container in _containers(root):
        originals = _items(container)
        if not originals or repetitions < 2:
            continue
        closing_tail = originals[-1].tail
        inner_tail = originals[0].tail if len(originals) > 1 else container.text
        copies = []
        for repetition in range(1, repetitions):
            for item in originals:
                twin = copy.deepcopy(item)
                ident = twin.find("{*}Ид")
                if ident is None:
                    ident = twin.find("Ид")
                if ident is not None and ident.text:
                    ident.text = repeated_id(ident.text, repetition)
                twin.tail = inner_tail
                copies.append(twin)
        originals[-1].tail = inner_tail
        copies[-1].tail = closing_tail
        container.extend(copies)
    declaration = _DECLARATION.match(raw)
    prolog = raw[: declaration.end()] if declaration else b""
    body = etree.tostring(root, encoding=encoding, xml_declaration=False)
    ending = raw[len(raw.rstrip()) :]
    target.write_bytes(prolog + body + ending)
    return _counts(root)


def _size(directory: Path, names: Sequence[str]) -> tuple[int, int]:
    """A set's products and the offers of its biggest offers file."""
    counts = [_counts(_parse(directory / name)) for name in names]
    products = sum(count["products"] for count in counts)
    return products, max(count["offers"] for count in counts)


def repetitions(sizes: dict[str, tuple[int, int]], products: int) -> dict[str, int]:
    """How many times to write each set (``sizes``: products, offers) for about ``products``.

    The products are shared equally between the sets that have any; a set bigger than
    its share is written once and its products taken from the rest. A set of offers
    alone is repeated to the final share in offers.
    """
    remaining = {name: size[0] for name, size in sizes.items() if size[0]}
    result: dict[str, int] = {}
    target = products
    share = target / max(1, len(remaining))
    while remaining:
        share = max(target, 0) / len(remaining)
        big = [name for name, size in remaining.items() if size >= share]
        if not big:
            break
        for name in big:
            result[name] = 1
            target -= remaining.pop(name)
    for name, size in remaining.items():
        result[name] = max(1, round(share / size))
    for name, (own, offers) in sizes.items():
        if not own:
            result[name] = max(1, round(share / max(1, offers)))
    return {name: result[name] for name in sizes}


def _parameters(products: int, samples_dir: Path) -> dict[str, Any]:
    sources = {
        name: (samples_dir / name).stat().st_size for names in SETS.values() for name in names
    }
    return {"samples_version": SAMPLES_VERSION, "products": products, "sources": sources}


def build_samples(out_dir: Path, products: int, samples_dir: Path | None = None) -> dict[str, Any]:
    """Write the ``samples`` data set for about ``products`` products; return its manifest."""
    samples_dir = samples_dir or default_samples_dir()
    parameters = _parameters(products, samples_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    sizes = {name: _size(samples_dir, names) for name, names in SETS.items()}
    times = repetitions(sizes, products)
    totals = dict.fromkeys(_COUNTED, 0)
    exchange = []
    number = 0
    for set_name, names in SETS.items():
        for name in names:
            number += 1
            target = f"{number:02d}-{name}"
            counts = repeat_file(samples_dir / name, out_dir / target, times[set_name])
            for key in _COUNTED:
                totals[key] += counts[key]
            exchange.append(target)
    manifest: dict[str, Any] = dict(totals)
    manifest["parameters"] = parameters
    manifest["sets"] = times
    manifest["exchange"] = exchange
    manifest["files"] = {name: (out_dir / name).stat().st_size for name in exchange}
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8"
    )
    return manifest


def samples_parameters(products: int, samples_dir: Path | None = None) -> dict[str, Any]:
    """The ``parameters`` a samples data set of ``products`` records (the data sets' cache key)."""
    return _parameters(products, samples_dir or default_samples_dir())
