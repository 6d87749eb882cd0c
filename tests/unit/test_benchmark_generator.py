"""The benchmark data generator: deterministic output, and a manifest that tells the truth.

No Django and no timing here: the generator's counts are checked against an
independent, namespace-agnostic lxml count of the files it wrote.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.generator import COUNT_KEYS, generate_catalog

PRODUCTS = 200
ORDERS = 15


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if isinstance(child.tag, str) and _local(child) == name:
            return child
    return None


def _count(path: Path) -> Counter[str]:
    """Count what the manifest promises, by local names only, over a whole file."""
    counts: Counter[str] = Counter()
    for _, element in etree.iterparse(str(path), events=("end",)):
        if not isinstance(element.tag, str):
            continue
        name = _local(element)
        parent = element.getparent()
        parent_name = _local(parent) if parent is not None else ""
        grandparent = parent.getparent() if parent is not None else None
        grandparent_name = _local(grandparent) if grandparent is not None else ""
        if name == "Товар" and parent_name == "Товары":
            if grandparent_name == "Каталог":
                counts["products"] += 1
                if _text(_child(element, "ПометкаУдаления")) == "true":
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
        elif name == "Штрихкод" and parent_name == "Товар" and _text(element):
            counts["barcodes"] += 1
        elif name == "Картинка" and _text(element):
            counts["images"] += 1
            counts["image_paths_missing"] += not (path.parent / _text(element)).is_file()
        elif name == "Предложение" and _child(element, "Ид") is not None:
            counts["offers"] += 1
            counts["offers_with_hash"] += "#" in _text(_child(element, "Ид"))
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


def _all_bytes(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = generate_catalog(tmp_path / "a", PRODUCTS, seed=7, orders=ORDERS)
    second = generate_catalog(tmp_path / "b", PRODUCTS, seed=7, orders=ORDERS)

    assert first == second
    files_a = _all_bytes(tmp_path / "a")
    assert files_a == _all_bytes(tmp_path / "b")
    assert {"import.xml", "offers.xml", "orders.xml", "manifest.json"} <= set(files_a)


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate_catalog(tmp_path / "a", 20, seed=1)
    generate_catalog(tmp_path / "b", 20, seed=2)

    assert (tmp_path / "a/import.xml").read_bytes() != (tmp_path / "b/import.xml").read_bytes()


@pytest.mark.parametrize(
    ("schema", "namespace", "stock_form"),
    [
        ("2.08", "urn:1C.ru:commerceml_210", "both"),
        ("2.07", "urn:1C.ru:commerceml_2", "attr"),
        ("2.08", "urn:1C.ru:commerceml_210", "nested"),
    ],
)
def test_manifest_counts_match_an_lxml_count(
    tmp_path: Path, schema: str, namespace: str, stock_form: str
) -> None:
    manifest = generate_catalog(
        tmp_path, PRODUCTS, seed=3, schema=schema, orders=ORDERS, stock_form=stock_form
    )

    counted: Counter[str] = Counter()
    for name in ("import.xml", "offers.xml", "orders.xml"):
        raw = (tmp_path / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf<?xml"), name  # UTF-8 with a BOM
        counted += _count(tmp_path / name)

    expected = {key: manifest[key] for key in COUNT_KEYS}
    assert expected == {key: counted[key] for key in COUNT_KEYS}
    assert counted["image_paths_missing"] == 0
    assert manifest["products"] == PRODUCTS
    assert manifest["orders"] == ORDERS
    assert json.loads((tmp_path / "manifest.json").read_text("utf-8")) == manifest
    with (tmp_path / "import.xml").open("rb") as stream:
        root_tag = next(iter(etree.iterparse(stream, events=("start",))))[1].tag
    assert root_tag == f"{{{namespace}}}КоммерческаяИнформация"

    # Only the stock form(s) asked for are written.
    offers = (tmp_path / "offers.xml").read_bytes()
    has_attr = "КоличествоНаСкладе=".encode() in offers
    has_nested = "<Остатки>".encode() in offers
    assert (has_attr, has_nested) == {
        "attr": (True, False),
        "nested": (False, True),
        "both": (True, True),
    }[stock_form]


def test_pictures_are_jpeg_files(tmp_path: Path) -> None:
    manifest = generate_catalog(tmp_path, 30, seed=5)

    pictures = sorted((tmp_path / "import_files").rglob("*.jpg"))
    assert len(pictures) == manifest["images"]
    assert pictures, "30 products should have some pictures"
    data = pictures[0].read_bytes()
    assert data.startswith(b"\xff\xd8\xff") and data.endswith(b"\xff\xd9")


@pytest.mark.parametrize(
    "kwargs",
    [{"products": 0}, {"orders": -1}, {"schema": "3.1"}, {"stock_form": "x"}, {"seed": -1}],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {"out_dir": tmp_path, "products": 5, **kwargs}
    with pytest.raises(ValueError):
        generate_catalog(**arguments)  # type: ignore[arg-type]
