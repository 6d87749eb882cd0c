"""A catalog sent as CommerceML 3.1 gives the shop what the same catalog sent as 2.08 gives.

The catalog is generated (``benchmarks.generator``) once as 2.08 (``import.xml``
+ ``offers.xml``) and once as the 3.1 file set of the 1C-Bitrix extension
(priceLists, storages, propertiesGoods ×4, propertiesOffers, units, groups,
goods ×3, offers, prices, rests ×3). Both import into the same rows, in 1C's
order and in any other: goods before their groups or properties keep what
they name until it comes (``PendingReference``). What 2.08 says with
``ДляТоваров``/``ДляПредложений``, 3.1 says with the header before the
properties (``Каталог`` in propertiesGoods, ``ПакетПредложений`` in
propertiesOffers).
"""

from __future__ import annotations

import shutil

import pytest

from cml_exchange.client.packing import in_sending_order
from cml_exchange.importer.results import Done
from cml_exchange.models import Property
from tests.integration.importer.generated31 import (
    NOT_COMPARED,
    PRODUCTS,
    counts,
    generate,
    import_files,
    kind,
    moved,
    reference,
)
from tests.integration.importer.helpers import snapshot
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

CLASSIFIER = ("priceLists", "storages", "propertiesGoods", "propertiesOffers", "units", "groups")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_3_1_set_imports_into_the_same_rows_as_the_2_08_set(tmp_path):
    rows, expected = reference(tmp_path)
    names = generate(tmp_path / "3.1", "3.1")
    assert [kind(name) for name in names] == [
        "priceLists",
        "storages",
        *["propertiesGoods"] * 4,
        "propertiesOffers",
        "units",
        "groups",
        *["goods"] * 3,
        "offers",
        "prices",
        *["rests"] * 3,
    ]

    job, result = import_files(tmp_path / "3.1", names)

    assert isinstance(result, Done)
    assert job.warning_counts == {}
    assert counts() == expected
    assert expected["products"] == PRODUCTS
    assert expected["offers_without_product"] == 0
    assert all(value for name, value in expected.items() if name != "offers_without_product")
    assert snapshot(NOT_COMPARED) == rows


def _shuffled(names: list[str]) -> list[str]:
    """``names`` in the order of the GUIDs in them: a fixed order that ignores their kinds."""
    return sorted(names, key=lambda name: name.rsplit("_", 1)[-1])


def _classifier_first_rest_shuffled(names: list[str]) -> list[str]:
    head = [name for name in names if kind(name) in CLASSIFIER]
    return head + _shuffled([name for name in names if kind(name) not in CLASSIFIER])


def _each_kind_packets_reversed(names: list[str]) -> list[str]:
    order: list[str] = []
    for name in names:
        if kind(name) not in {kind(seen) for seen in order}:
            order.extend(reversed([other for other in names if kind(other) == kind(name)]))
    return order


COPING_ORDERS = {
    "offers, prices and rests before the goods": lambda names: moved(
        names, ("offers", "prices", "rests"), first=True
    ),
    "prices before the price types": lambda names: moved(names, ("prices",), first=True),
    "rests before the warehouses": lambda names: moved(names, ("rests",), first=True),
    "units after everything": lambda names: moved(names, ("units",), first=False),
    "packets of each kind last to first": _each_kind_packets_reversed,
    "classifier first, the rest shuffled": _classifier_first_rest_shuffled,
}


@pytest.mark.parametrize("order", list(COPING_ORDERS))
def test_other_orders_give_the_same_rows_once_every_file_is_in(tmp_path, order):
    rows, expected = reference(tmp_path)
    names = COPING_ORDERS[order](generate(tmp_path / "3.1", "3.1"))

    _job, result = import_files(tmp_path / "3.1", names)

    assert isinstance(result, Done)
    assert counts() == expected
    assert snapshot(NOT_COMPARED) == rows


GOODS_FIRST_ORDERS = {
    "goods before the groups": lambda names: moved(names, ("groups",), first=False),
    "goods before the product properties": (
        lambda names: moved(names, ("propertiesGoods",), first=False)
    ),
    "every file shuffled": _shuffled,
}


@pytest.mark.parametrize("order", list(GOODS_FIRST_ORDERS))
def test_goods_before_their_classifier_still_give_the_same_rows(tmp_path, order):
    rows, expected = reference(tmp_path)
    names = GOODS_FIRST_ORDERS[order](generate(tmp_path / "3.1", "3.1"))

    import_files(tmp_path / "3.1", names)

    assert counts() == expected
    assert snapshot(NOT_COMPARED) == rows


def test_an_exchange_in_1cs_order_completes_one_that_sent_goods_first(tmp_path):
    rows, expected = reference(tmp_path)
    names = generate(tmp_path / "3.1", "3.1")
    import_files(tmp_path / "3.1", moved(names, ("goods",), first=True))

    import_files(tmp_path / "3.1", names)

    assert counts() == expected
    assert snapshot(NOT_COMPARED) == rows


def test_3_1_properties_are_for_products_or_offers_by_their_file(tmp_path):
    directory = tmp_path / "cml31"
    shutil.copytree(DATA_DIR / "cml31", directory)
    names = [path.name for path in in_sending_order(sorted(directory.glob("*_1_*.xml")))]
    import_files(directory, names)

    flags = {p.name: (p.for_products, p.for_offers) for p in Property.objects.all()}
    assert flags == {
        "Бренд": (True, None),
        "Вес, кг": (True, None),
        "Материал": (True, None),
        "Гарантия, мес": (True, None),
        "Цвет": (None, True),
        "Размер": (None, True),
    }
