"""The benchmark data generator: deterministic output, and a manifest that tells the truth.

No Django and no timing here: the generator's counts are checked against an
independent, namespace-agnostic lxml count of the files it wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.generator import COUNT_KEYS, generate_catalog
from benchmarks.generator.cli import main
from benchmarks.generator.context import Options
from cml_exchange.client.packing import KINDS_3_1

PRODUCTS = 200
ORDERS = 15
#: sha256 of import.xml, offers.xml and orders.xml for 60 products, seed 1, 5 orders, as the
#: generator wrote them before it had options: the defaults must keep these bytes.
DEFAULT_DIGEST = "3c45578ade69cfacf896e88c55902d4b8cbcb490ee3f1249e3838cd50b080d58"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if isinstance(child.tag, str) and _local(child) == name:
            return child
    return None


def _count(path: Path, *, offers: bool = True) -> Counter[str]:
    """Count what the manifest promises, by local names only, over a whole file.

    Without ``offers``, a ``Предложение`` is not counted (3.1 prices and
    rests files name again the offers of the offers file).
    """
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
        elif name == "Предложение" and offers and _child(element, "Ид") is not None:
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
    return generate_catalog(directory, PRODUCTS, schema="3.1", **arguments)  # type: ignore[arg-type]


def _exchange(manifest: dict[str, object]) -> list[str]:
    names = manifest["exchange"]
    assert isinstance(names, list)
    return [str(name) for name in names]


def _root(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _shape(element: etree._Element) -> list[str]:
    """Local names of ``element``'s child elements, in order."""
    return [_local(child) for child in element if isinstance(child.tag, str)]


def test_the_3_1_set_is_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    first = _generate_31(tmp_path / "a")
    second = _generate_31(tmp_path / "b")

    assert first == second
    assert _all_bytes(tmp_path / "a") == _all_bytes(tmp_path / "b")


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
            if isinstance(element.tag, str) and _local(element) in (
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
            local = _local(element)
            parent = element.getparent()
            if local == "Товар" and parent is not None and _local(parent) == "Товары":
                rows["products"].add((_text(_child(element, "Ид")),))
            elif local == "Предложение":
                offer = _text(_child(element, "Ид"))
                if _child(element, "Наименование") is not None:
                    rows["offers"].add((offer, _text(_child(element, "Наименование"))))
                for price in element.iterfind("{*}Цены/{*}Цена"):
                    rows["prices"].add(
                        (
                            offer,
                            _text(_child(price, "ИдТипаЦены")),
                            _text(_child(price, "ЦенаЗаЕдиницу")),
                        )
                    )
                for stock in element.iterfind("{*}Склад"):
                    rows["stock"].add(
                        (offer, stock.get("ИдСклада", ""), stock.get("КоличествоНаСкладе", ""))
                    )
                for stock in element.iterfind("{*}Остатки/{*}Остаток/{*}Склад"):
                    rows["stock"].add(
                        (offer, _text(_child(stock, "Ид")), _text(_child(stock, "Количество")))
                    )
    return rows


@pytest.mark.parametrize("stock_form", ["both", "attr", "nested"])
def test_the_3_1_set_holds_the_2_08_catalog_of_the_same_seed(
    tmp_path: Path, stock_form: str
) -> None:
    old = generate_catalog(tmp_path / "2.08", PRODUCTS, seed=3, stock_form=stock_form)
    new = _generate_31(tmp_path / "3.1", stock_form=stock_form)

    assert {key: new[key] for key in COUNT_KEYS} == {key: old[key] for key in COUNT_KEYS}
    counted: Counter[str] = Counter()
    for name in _exchange(new):
        counted += _count(tmp_path / "3.1" / name, offers=name.startswith("offers_"))
    assert {key: counted[key] for key in COUNT_KEYS} == {key: new[key] for key in COUNT_KEYS}
    assert counted["image_paths_missing"] == 0
    assert _offer_rows(tmp_path / "3.1", _exchange(new)) == _offer_rows(
        tmp_path / "2.08", _exchange(old)
    )
    assert _all_bytes(tmp_path / "3.1" / "import_files") == _all_bytes(
        tmp_path / "2.08" / "import_files"
    )


# -- the catalog options (issue 17) ---------------------------------------------------------


def _values_per_product(path: Path) -> list[int]:
    """How many ``ЗначенияСвойства`` each ``Товар`` of an import file has."""
    root = etree.parse(str(path)).getroot()
    return [
        len(product.findall("{*}ЗначенияСвойств/{*}ЗначенияСвойства"))
        for product in root.iterfind(".//{*}Товары/{*}Товар")
    ]


def _content(path: Path) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """Every element as (local name, text, attributes): what a file says, whatever its bytes."""
    return [
        (_local(element), element.text or "", tuple(sorted(element.attrib.items())))
        for element in etree.parse(str(path)).getroot().iter()
        if isinstance(element.tag, str)
    ]


def test_the_default_options_give_the_files_of_before(tmp_path: Path) -> None:
    plain = generate_catalog(tmp_path / "a", 60, seed=1, orders=5)
    shaped = generate_catalog(tmp_path / "b", 60, seed=1, orders=5, options=Options())

    assert "options" not in plain["parameters"]  # type: ignore[operator]
    assert plain == shaped
    assert _all_bytes(tmp_path / "a") == _all_bytes(tmp_path / "b")
    # The bytes the generator wrote before it had options (Python 3.11).
    digest = hashlib.sha256()
    for name in ("import.xml", "offers.xml", "orders.xml"):
        digest.update((tmp_path / "a" / name).read_bytes())
    assert digest.hexdigest() == DEFAULT_DIGEST


@pytest.mark.parametrize(
    "options",
    [
        Options(property_values=0, characteristics=0.0, pictures="none"),
        Options(property_values=30, characteristics=0.6),
        Options(pictures="missing"),
        Options(namespace=False),
        Options(encoding="cp1251"),
        Options(property_values=10, characteristics=0.3, pictures="missing", warehouses=2),
        Options(warehouses=1, encoding="cp1251", namespace=False),
    ],
    ids=["bare", "rich", "missing", "no-ns", "cp1251", "peer", "old"],
)
def test_every_shape_is_deterministic_and_its_manifest_true(
    tmp_path: Path, options: Options
) -> None:
    manifest = generate_catalog(tmp_path / "a", PRODUCTS, seed=3, orders=ORDERS, options=options)
    again = generate_catalog(tmp_path / "b", PRODUCTS, seed=3, orders=ORDERS, options=options)

    assert manifest == again
    assert _all_bytes(tmp_path / "a") == _all_bytes(tmp_path / "b")
    assert manifest["parameters"]["options"] == options.changed()  # type: ignore[index]
    counted: Counter[str] = Counter()
    for name in ("import.xml", "offers.xml", "orders.xml"):
        counted += _count(tmp_path / "a" / name)
    assert {key: counted[key] for key in COUNT_KEYS} == {key: manifest[key] for key in COUNT_KEYS}
    assert manifest["warehouses_declared"] == options.warehouses


def test_property_values_per_product(tmp_path: Path) -> None:
    generate_catalog(tmp_path / "none", 50, options=Options(property_values=0))
    generate_catalog(tmp_path / "all", 50, options=Options(property_values=30))
    generate_catalog(tmp_path / "drawn", 50)

    assert _values_per_product(tmp_path / "none/import.xml") == [0] * 50
    assert (
        b"<\xd0\x97\xd0\xbd\xd0\xb0\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f\xd0\xa1"
        not in (tmp_path / "none/import.xml").read_bytes()
    )  # no empty ЗначенияСвойств either
    assert _values_per_product(tmp_path / "all/import.xml") == [30] * 50
    assert set(_values_per_product(tmp_path / "drawn/import.xml")) <= {2, 3, 4, 5}


@pytest.mark.parametrize("share", [0.0, 0.2, 0.45, 0.6])
def test_the_share_of_products_with_characteristics(tmp_path: Path, share: float) -> None:
    generate_catalog(tmp_path, 1000, seed=2, options=Options(characteristics=share))

    root = etree.parse(str(tmp_path / "offers.xml")).getroot()
    with_variants = {
        offer_id.split("#")[0]
        for offer_id in root.xpath("//*[local-name()='Предложение']/*[local-name()='Ид']/text()")
        if "#" in offer_id
    }
    assert abs(len(with_variants) / 1000 - share) < 0.04


def test_pictures_missing_or_none(tmp_path: Path) -> None:
    present = generate_catalog(tmp_path / "present", 80, seed=4)
    missing = generate_catalog(
        tmp_path / "missing", 80, seed=4, options=Options(pictures="missing")
    )
    none = generate_catalog(tmp_path / "none", 80, seed=4, options=Options(pictures="none"))

    assert missing["images"] == present["images"]
    assert present["images"] != 0
    assert not (tmp_path / "missing/import_files").exists()
    counted = _count(tmp_path / "missing/import.xml")
    assert counted["image_paths_missing"] == counted["images"] == missing["images"]
    assert (tmp_path / "missing/import.xml").read_bytes() == (
        tmp_path / "present/import.xml"
    ).read_bytes()
    assert none["images"] == 0
    assert not (tmp_path / "none/import_files").exists()
    assert "ОписаниеФайла" not in (tmp_path / "none/import.xml").read_text("utf-8-sig")


def test_no_namespace_and_cp1251_say_the_same_as_the_default(tmp_path: Path) -> None:
    generate_catalog(tmp_path / "default", 60, seed=5, orders=4)
    generate_catalog(tmp_path / "old", 60, seed=5, orders=4, options=Options(namespace=False))
    generate_catalog(tmp_path / "cp", 60, seed=5, orders=4, options=Options(encoding="cp1251"))

    for name in ("import.xml", "offers.xml", "orders.xml"):
        old = (tmp_path / "old" / name).read_bytes()
        assert old.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>')
        root = etree.parse(str(tmp_path / "old" / name)).getroot()
        assert root.tag == "КоммерческаяИнформация" and not root.nsmap
        raw = (tmp_path / "cp" / name).read_bytes()
        assert raw.startswith(b'<?xml version="1.0" encoding="windows-1251"?>\r\n')  # no BOM
        raw.decode("cp1251")
        assert "Товар".encode("cp1251") in raw or name != "import.xml"
        assert _content(tmp_path / "cp" / name) == _content(tmp_path / "default" / name)
        assert _content(tmp_path / "old" / name) == _content(tmp_path / "default" / name)


def test_fewer_warehouses(tmp_path: Path) -> None:
    generate_catalog(tmp_path, 60, options=Options(warehouses=2))

    root = etree.parse(str(tmp_path / "offers.xml")).getroot()
    declared = set(
        root.xpath("//*[local-name()='Склады']/*[local-name()='Склад']/*[local-name()='Ид']/text()")
    )
    used = set(root.xpath("//*[local-name()='Склад']/@ИдСклада")) | set(
        root.xpath(
            "//*[local-name()='Остаток']/*[local-name()='Склад']/*[local-name()='Ид']/text()"
        )
    )
    assert len(declared) == 2 and used <= declared


@pytest.mark.parametrize(
    "options",
    [
        Options(property_values=31),
        Options(property_values=-1),
        Options(characteristics=0.7),
        Options(pictures="some"),
        Options(encoding="koi8-r"),
        Options(warehouses=0),
        Options(warehouses=4),
    ],
)
def test_options_out_of_range_are_refused(tmp_path: Path, options: Options) -> None:
    with pytest.raises(ValueError):
        generate_catalog(tmp_path, 5, options=options)


def test_the_command_line_takes_the_options(tmp_path: Path) -> None:
    main(
        [
            "--products", "30", "--out", str(tmp_path), "--property-values", "7",
            "--characteristics", "0.5", "--pictures", "missing", "--no-namespace",
            "--encoding", "cp1251", "--warehouses", "2",
        ]
    )  # fmt: skip

    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert manifest["parameters"]["options"] == {
        "property_values": 7,
        "characteristics": 0.5,
        "pictures": "missing",
        "namespace": False,
        "encoding": "cp1251",
        "warehouses": 2,
    }
