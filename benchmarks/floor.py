"""The streaming floor: the least an import of the same files could cost in Python.

One process, no Django: lxml ``iterparse`` with a ``tag=`` filter over
each catalog file (``import.xml`` then ``offers.xml``, or the files the data
set's ``manifest.json`` lists under ``exchange``: a sample set's, a 3.1
set's), in whatever namespace (or none) and encoding the file declares,
extracting the fields of groups, products, offers, prices and stock
(clearing each element as it goes), and
plain :mod:`sqlite3` ``executemany`` of the rows in batches of 1000, each
batch committed, into five flat tables of a fresh SQLite file. There is no
lookup of existing rows, no checksum, no picture, no property value: it is
the cost of reading the fields and writing the rows, and the yardstick the
importer is measured against in the same run (``bench.py`` reports
``×floor`` ratios, which hold on a noisy machine where seconds do not).

Run as ``python benchmarks/floor.py DIR [DB]``: it prints one JSON line
(``seconds``, ``rows`` per table, ``baseline_rss_mib`` after imports and
``peak_rss_mib``).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

BATCH = 1000

_SCHEMA = """
create table groups (id text primary key, parent text, name text);
create table products (id text primary key, name text, article text, barcode text,
    code text, description text, group_id text, deleted integer);
create table offers (id text primary key, product_id text, name text, article text,
    quantity real);
create table prices (offer_id text, price_type text, value real, currency text,
    primary key (offer_id, price_type));
create table stock (offer_id text, warehouse text, quantity real,
    primary key (offer_id, warehouse));
"""


def _elements(path: Path, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """The ``end`` of each element named in ``tags`` (any namespace), cleared after use."""
    for _event, element in etree.iterparse(
        str(path),
        events=("end",),
        tag=[f"{{*}}{tag}" for tag in tags],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
    ):
        yield element
        element.clear(keep_tail=False)
        parent = element.getparent()
        if parent is not None and etree.QName(element).localname != "Группа":
            while element.getprevious() is not None:
                del parent[0]


class _Writer:
    """Rows per table, written ``BATCH`` at a time with ``executemany``, one commit each."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.pending: dict[str, list[tuple[Any, ...]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(table)

    def flush(self, table: str) -> None:
        rows = self.pending.pop(table, [])
        if rows:
            marks = ",".join("?" * len(rows[0]))
            self.db.executemany(f"insert or replace into {table} values ({marks})", rows)  # noqa: S608
            self.db.commit()
            self.counts[table] = self.counts.get(table, 0) + len(rows)

    def close(self) -> None:
        for table in list(self.pending):
            self.flush(table)


def _namespace(element: etree._Element) -> str:
    """``{uri}`` of the element's namespace, or ``""``."""
    uri = etree.QName(element).namespace
    return f"{{{uri}}}" if uri else ""


def _number(text: str | None) -> float | None:
    try:
        return float((text or "").replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


def _group(element: etree._Element, ns: str, out: _Writer) -> None:
    parent = element.getparent()
    owner = parent.getparent() if parent is not None else None
    parent_id = (
        owner.findtext(f"{ns}Ид") if owner is not None and owner.tag == f"{ns}Группа" else None
    )
    out.add(
        "groups", (element.findtext(f"{ns}Ид"), parent_id, element.findtext(f"{ns}Наименование"))
    )


def _product(element: etree._Element, ns: str, out: _Writer) -> None:
    out.add(
        "products",
        (
            element.findtext(f"{ns}Ид"),
            element.findtext(f"{ns}Наименование"),
            element.findtext(f"{ns}Артикул"),
            element.findtext(f"{ns}Штрихкод"),
            element.findtext(f"{ns}Код"),
            element.findtext(f"{ns}Описание"),
            element.findtext(f"{ns}Группы/{ns}Ид"),
            element.findtext(f"{ns}ПометкаУдаления") == "true",
        ),
    )


def _offer(element: etree._Element, ns: str, out: _Writer) -> None:
    offer_id = element.findtext(f"{ns}Ид")
    if offer_id is None:  # an empty <Предложение/>: nothing to store
        return
    out.add(
        "offers",
        (
            offer_id,
            offer_id.split("#", 1)[0],
            element.findtext(f"{ns}Наименование"),
            element.findtext(f"{ns}Артикул"),
            _number(element.findtext(f"{ns}Количество")),
        ),
    )
    for price in element.iterfind(f"{ns}Цены/{ns}Цена"):
        out.add(
            "prices",
            (
                offer_id,
                price.findtext(f"{ns}ИдТипаЦены"),
                _number(price.findtext(f"{ns}ЦенаЗаЕдиницу")),
                price.findtext(f"{ns}Валюта"),
            ),
        )
    for store in element.iterfind(f"{ns}Склад"):
        out.add(
            "stock",
            (offer_id, store.get("ИдСклада"), _number(store.get("КоличествоНаСкладе"))),
        )
    for store in element.iterfind(f"{ns}Остатки/{ns}Остаток/{ns}Склад"):
        out.add(
            "stock",
            (offer_id, store.findtext(f"{ns}Ид"), _number(store.findtext(f"{ns}Количество"))),
        )


def _catalog_file(path: Path, out: _Writer) -> None:
    """Groups, products and offers (prices, stock) of one file, whatever it holds.

    The namespace (or none) is the first element's; the encoding is the
    file's declaration's (lxml reads windows-1251 as well as UTF-8).
    """
    ns = ""
    for element in _elements(path, ("Группа", "Товар", "Предложение")):
        if not ns:
            ns = _namespace(element)
        tag = element.tag
        if tag == f"{ns}Товар":
            _product(element, ns, out)
        elif tag == f"{ns}Предложение":
            _offer(element, ns, out)
        else:
            _group(element, ns, out)


def exchange_files(directory: Path) -> list[Path]:
    """The catalog files of ``directory`` in import order: its manifest's ``exchange``.

    Without a manifest (or an ``exchange`` list), ``import.xml`` then ``offers.xml``.
    """
    try:
        manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
        names = [str(name) for name in manifest["exchange"]]
    except (OSError, ValueError, KeyError, TypeError):
        names = ["import.xml", "offers.xml"]
    return [directory / name for name in names]


def run_floor(directory: Path, database: Path) -> dict[str, Any]:
    """Import ``directory``'s catalog files the floor's way, into ``database``.

    Returns ``seconds``, ``rows`` per table and the RSS figures.
    """
    from benchmarks.parse_child import peak_rss_mib

    baseline = peak_rss_mib()
    started = time.perf_counter()
    db = sqlite3.connect(database)
    db.executescript(_SCHEMA)
    out = _Writer(db)
    for path in exchange_files(directory):
        _catalog_file(path, out)
        out.close()
    db.close()
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "rows": out.counts,
        "baseline_rss_mib": round(baseline, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def main(argv: list[str]) -> int:
    """``floor.py DIR [DB]``: run the floor, print its JSON line."""
    if not argv or len(argv) > 2:
        print("usage: floor.py DIR [DB]", file=sys.stderr)
        return 2
    directory = Path(argv[0])
    if len(argv) == 2:
        database = Path(argv[1])
        database.unlink(missing_ok=True)
        print(json.dumps(run_floor(directory, database)))
        return 0
    with tempfile.TemporaryDirectory(prefix="cml-floor-") as tmp:
        print(json.dumps(run_floor(directory, Path(tmp) / "floor.sqlite3")))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
