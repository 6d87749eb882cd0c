"""The generator's catalog options (issue 17): each changes what it says, and no more.

The defaults keep the bytes of before; every shape is deterministic and its
manifest true; out-of-range options are refused, on the command line too.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.generator import COUNT_KEYS, generate_catalog
from benchmarks.generator.cli import main
from benchmarks.generator.context import Options
from tests.unit import generated_files as files

#: sha256 of import.xml, offers.xml and orders.xml for 60 products, seed 1, 5 orders, as the
#: generator wrote them before it had options: the defaults must keep these bytes.
DEFAULT_DIGEST = "3c45578ade69cfacf896e88c55902d4b8cbcb490ee3f1249e3838cd50b080d58"


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
        (files.local(element), element.text or "", tuple(sorted(element.attrib.items())))
        for element in etree.parse(str(path)).getroot().iter()
        if isinstance(element.tag, str)
    ]


def test_the_default_options_give_the_files_of_before(tmp_path: Path) -> None:
    plain = generate_catalog(tmp_path / "a", 60, seed=1, orders=5)
    shaped = generate_catalog(tmp_path / "b", 60, seed=1, orders=5, options=Options())

    assert "options" not in plain["parameters"]  # type: ignore[operator]
    assert plain == shaped
    assert files.all_bytes(tmp_path / "a") == files.all_bytes(tmp_path / "b")
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
    manifest = generate_catalog(
        tmp_path / "a", files.PRODUCTS, seed=3, orders=files.ORDERS, options=options
    )
    again = generate_catalog(
        tmp_path / "b", files.PRODUCTS, seed=3, orders=files.ORDERS, options=options
    )

    assert manifest == again
    assert files.all_bytes(tmp_path / "a") == files.all_bytes(tmp_path / "b")
    assert manifest["parameters"]["options"] == options.changed()  # type: ignore[index]
    counted: Counter[str] = Counter()
    for name in ("import.xml", "offers.xml", "orders.xml"):
        counted += files.count(tmp_path / "a" / name)
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
    counted = files.count(tmp_path / "missing/import.xml")
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
