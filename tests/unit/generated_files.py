"""Reading the generator's files independently of it, for the generator's tests.

Namespace-agnostic lxml counts of what a manifest promises, and a directory's
bytes for determinism checks (``test_benchmark_generator*.py``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lxml import etree

#: Products and orders of the generated sets the tests check.
PRODUCTS = 200
ORDERS = 15


def local(element: etree._Element) -> str:
    """An element's name without its namespace."""
    return etree.QName(element).localname


def text(element: etree._Element | None) -> str:
    """An element's stripped text, or \"\" for none."""
    return (element.text or "").strip() if element is not None else ""


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child of that local name."""
    for child in element:
        if isinstance(child.tag, str) and local(child) == name:
            return child
    return None


def count(path: Path, *, offers: bool = True) -> Counter[str]:
    """Count what the manifest promises, by local names only, over a whole file.

    Without ``offers``, a ``Предложение`` is not counted (3.1 prices and
    rests files name again the offers of the offers file).
    """
    counts: Counter[str] = Counter()
    for _, element in etree.iterparse(str(path), events=("end",)):
        if not isinstance(element.tag, str):
            continue
        name = local(element)
        parent = element.getparent()
        parent_name = local(parent) if parent is not None else ""
        grandparent = parent.getparent() if parent is not None else None
        grandparent_name = local(grandparent) if grandparent is not None else ""
        if name == "Товар" and parent_name == "Товары":
            if grandparent_name == "Каталог":
                counts["products"] += 1
                if text(child(element, "ПометкаУдаления")) == "true":
                    counts["products_deleted"] += 1
            elif grandparent_name == "Документ":
                counts["order_lines"] += 1
        elif name == "Группа":
            counts["groups"] += 1
            if parent_name == "Группы" and grandparent_name == "Классификатор":
                counts["groups_top"] += 1
        elif name == "Свойство":
            counts["properties"] += 1
        elif parent_name == "ВариантыЗначений":
            counts["property_values"] += 1
        elif name == "ЕдиницаИзмерения":
            counts["units"] += 1
        elif name == "Штрихкод" and parent_name == "Товар" and text(element):
            counts["barcodes"] += 1
        elif name == "Картинка" and text(element):
            counts["images"] += 1
            counts["image_paths_missing"] += not (path.parent / text(element)).is_file()
        elif name == "Предложение" and offers and child(element, "Ид") is not None:
            counts["offers"] += 1
            counts["offers_with_hash"] += "#" in text(child(element, "Ид"))
        elif name == "Цена" and parent_name == "Цены":
            counts["prices"] += 1
        elif name == "Склад" and parent_name in ("Предложение", "Остаток"):
            counts["stock_rows"] += 1
        elif name == "Склад" and parent_name == "Склады":
            counts["warehouses_declared"] += 1
        elif name == "ТипЦены":
            counts["price_types"] += 1
        elif name == "Документ":
            counts["orders"] += 1
    return counts


def all_bytes(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory``, by relative path."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }
