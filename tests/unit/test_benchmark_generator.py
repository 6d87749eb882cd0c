"""The benchmark data generator: deterministic output, and a manifest that tells the truth.

No Django and no timing here: the generator's counts are checked against an
independent, namespace-agnostic lxml count of the files it wrote.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.generator import COUNT_KEYS, generate_catalog
from cml_exchange.client.packing import KINDS_3_1
from tests.unit import generated_files as files


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = generate_catalog(tmp_path / "a", files.PRODUCTS, seed=7, orders=files.ORDERS)
    second = generate_catalog(tmp_path / "b", files.PRODUCTS, seed=7, orders=files.ORDERS)

    assert first == second
    files_a = files.all_bytes(tmp_path / "a")
    assert files_a == files.all_bytes(tmp_path / "b")
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
        tmp_path, files.PRODUCTS, seed=3, schema=schema, orders=files.ORDERS, stock_form=stock_form
    )

    counted: Counter[str] = Counter()
    for name in ("import.xml", "offers.xml", "orders.xml"):
        raw = (tmp_path / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf<?xml"), name  # UTF-8 with a BOM
        counted += files.count(tmp_path / name)

    expected = {key: manifest[key] for key in COUNT_KEYS}
    assert expected == {key: counted[key] for key in COUNT_KEYS}
    assert counted["image_paths_missing"] == 0
    assert manifest["products"] == files.PRODUCTS
    assert manifest["orders"] == files.ORDERS
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
    [
        {"products": 0},
        {"orders": -1},
        {"schema": "3.0"},
        {"stock_form": "x"},
        {"seed": -1},
        {"schema": "3.1", "packet": 0},
        {"schema": "3.1", "properties_packet": 0},
        {"schema": "3.1", "orders": 1},
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {"out_dir": tmp_path, "products": 5, **kwargs}
    with pytest.raises(ValueError):
        generate_catalog(**arguments)  # type: ignore[arg-type]


# -- the 3.1 file set -------------------------------------------------------------------

KINDS_31 = KINDS_3_1
NAME_31 = re.compile(
    r"(?P<kind>[A-Za-z]+)_1_(?P<packet>\d+)_[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\.xml"
)


def _generate_31(directory: Path, **options: object) -> dict[str, object]:
    arguments: dict[str, object] = {"seed": 3, "packet": 70, "properties_packet": 8, **options}
    return generate_catalog(directory, files.PRODUCTS, schema="3.1", **arguments)  # type: ignore[arg-type]


def _exchange(manifest: dict[str, object]) -> list[str]:
    names = manifest["exchange"]
    assert isinstance(names, list)
    return [str(name) for name in names]


def _root(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _shape(element: etree._Element) -> list[str]:
    """Local names of ``element``'s child elements, in order."""
    return [files.local(child) for child in element if isinstance(child.tag, str)]


def test_the_3_1_set_is_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    first = _generate_31(tmp_path / "a")
    second = _generate_31(tmp_path / "b")

    assert first == second
    assert files.all_bytes(tmp_path / "a") == files.all_bytes(tmp_path / "b")


def test_the_3_1_set_is_named_and_ordered_as_1c_sends_it(tmp_path: Path) -> None:
    manifest = _generate_31(tmp_path)
    names = _exchange(manifest)

    matches = [NAME_31.fullmatch(name) for name in names]
    assert all(matches), names
    kinds = [match["kind"] for match in matches if match]
    packets = [int(match["packet"]) for match in matches if match]
    assert kinds == sorted(kinds, key=KINDS_31.index)  # 1C's order of kinds
    assert set(kinds) == set(KINDS_31)
    # 200 products in packets of 70: 3 goods and 3 rests packets; 30 properties in 8s: 4.
    assert {kind: kinds.count(kind) for kind in ("propertiesGoods", "goods", "rests")} == {
        "propertiesGoods": 4,
        "goods": 3,
        "rests": 3,
    }
    for kind in KINDS_31:
        assert [p for k, p in zip(kinds, packets, strict=True) if k == kind] == list(
            range(1, kinds.count(kind) + 1)
        )
    files = manifest["files"]
    assert isinstance(files, dict)
    assert sorted(names) == sorted(files)
    assert sorted(p.name for p in tmp_path.glob("*.xml")) == sorted(names)

    stamps = [str(_root(tmp_path / name).get("ДатаФормирования")) for name in names]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_every_3_1_file_has_the_header_1c_writes_for_its_kind(tmp_path: Path) -> None:
    names = _exchange(_generate_31(tmp_path))

    for name in names:
        raw = (tmp_path / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf<?xml"), name  # UTF-8 with a BOM
        assert b"\r\n" not in raw, name  # LF line ends
        root = _root(tmp_path / name)
        assert root.tag == "{urn:1C.ru:commerceml_3}КоммерческаяИнформация"
        assert (root.get("ВерсияСхемы"), root.get("Ид")) == ("3.1", "Обмен с сайтом")
        kind = name.split("_", 1)[0]
        top = _shape(root)
        first = root[0]
        if kind in ("priceLists", "storages", "propertiesGoods", "units", "groups"):
            # A catalog header with no products, then a classifier with one section.
            assert top == ["Каталог", "Классификатор"], name
            assert _shape(first) == ["Ид", "ИдКлассификатора", "Наименование"], name
            section = {
                "priceLists": "ТипыЦен",
                "storages": "Склады",
                "propertiesGoods": "Свойства",
                "units": "ЕдиницыИзмерения",
                "groups": "Группы",
            }[kind]
            assert _shape(root[1]) == ["Ид", "Наименование", section], name
        elif kind == "propertiesOffers":
            assert top == ["ПакетПредложений", "Классификатор"], name
            assert "Предложения" not in _shape(first)
            assert _shape(root[1]) == ["Ид", "Наименование", "Свойства"]
        elif kind == "goods":
            assert top == ["Каталог"], name
            assert _shape(first)[-1] == "Товары"
        else:
            assert top == ["ПакетПредложений"], name
            assert _shape(first) == [
                "Ид",
                "Наименование",
                "ИдКаталога",
                "ИдКлассификатора",
                "Предложения",
            ]
            # Each file carries one aspect of the offers.
            aspects = {
                child_name
                for offer in first[-1]
                for child_name in _shape(offer)
                if child_name in ("ХарактеристикиТовара", "Цены", "Остатки", "Количество")
            }
            assert (
                aspects
                == {
                    "offers": {"ХарактеристикиТовара"},
                    "prices": {"Цены"},
                    "rests": {"Остатки"},
                }[kind]
            ), name
        for element in root.iter():
            if isinstance(element.tag, str) and files.local(element) in (
                "Каталог",
                "Классификатор",
                "ПакетПредложений",
            ):
                assert element.get("СодержитТолькоИзменения") == "true"


def _offer_rows(directory: Path, names: list[str]) -> dict[str, set[tuple[str, ...]]]:
    """Products, offers, prices and stock rows, as tuples of ids and values, over ``names``."""
    rows: dict[str, set[tuple[str, ...]]] = {
        "products": set(),
        "offers": set(),
        "prices": set(),
        "stock": set(),
    }
    for name in names:
        for _, element in etree.iterparse(str(directory / name), events=("end",)):
            if not isinstance(element.tag, str):
                continue
            local = files.local(element)
            parent = element.getparent()
            if local == "Товар" and parent is not None and files.local(parent) == "Товары":
                rows["products"].add((files.text(files.child(element, "Ид")),))
            elif local == "Предложение":
                offer = files.text(files.child(element, "Ид"))
                if files.child(element, "Наименование") is not None:
                    rows["offers"].add((offer, files.text(files.child(element, "Наименование"))))
                for price in element.iterfind("{*}Цены/{*}Цена"):
                    rows["prices"].add(
                        (
                            offer,
                            files.text(files.child(price, "ИдТипаЦены")),
                            files.text(files.child(price, "ЦенаЗаЕдиницу")),
                        )
                    )
                for stock in element.iterfind("{*}Склад"):
                    rows["stock"].add(
                        (offer, stock.get("ИдСклада", ""), stock.get("КоличествоНаСкладе", ""))
                    )
                for stock in element.iterfind("{*}Остатки/{*}Остаток/{*}Склад"):
                    rows["stock"].add(
                        (
                            offer,
                            files.text(files.child(stock, "Ид")),
                            files.text(files.child(stock, "Количество")),
                        )
                    )
    return rows


@pytest.mark.parametrize("stock_form", ["both", "attr", "nested"])
def test_the_3_1_set_holds_the_2_08_catalog_of_the_same_seed(
    tmp_path: Path, stock_form: str
) -> None:
    old = generate_catalog(tmp_path / "2.08", files.PRODUCTS, seed=3, stock_form=stock_form)
    new = _generate_31(tmp_path / "3.1", stock_form=stock_form)

    assert {key: new[key] for key in COUNT_KEYS} == {key: old[key] for key in COUNT_KEYS}
    counted: Counter[str] = Counter()
    for name in _exchange(new):
        counted += files.count(tmp_path / "3.1" / name, offers=name.startswith("offers_"))
    assert {key: counted[key] for key in COUNT_KEYS} == {key: new[key] for key in COUNT_KEYS}
    assert counted["image_paths_missing"] == 0
    assert _offer_rows(tmp_path / "3.1", _exchange(new)) == _offer_rows(
        tmp_path / "2.08", _exchange(old)
    )
    assert files.all_bytes(tmp_path / "3.1" / "import_files") == files.all_bytes(
        tmp_path / "2.08" / "import_files"
    )


# -- the catalog options (issue 17) ---------------------------------------------------------
