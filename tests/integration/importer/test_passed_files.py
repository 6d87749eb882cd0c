"""A file sent again unchanged: its items are not read when the shop holds every one (issue 17).

The first import of a file keeps its items' element digests; the next time the
same bytes come, the runner stops before the first item if every one of them
is still stored as that element wrote it, and does what passing each over
would have done. These tests check that it happens (a ``products_saved``
receiver sees one signal for the whole file instead of one a batch), and that
whatever would have made the item-by-item import write something makes the
file be read: a product deleted, deactivated or rewritten on the site's side
or by another file, checksums turned off, a file whose items are not alone in
it. In every case the shop ends holding exactly what 1C sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cml_exchange import signals
from cml_exchange.commerceml.reading.scan_process import can_start
from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.importer.results import Done
from cml_exchange.models import ImportJob, Offer, Product, ScannedFile
from tests.integration.importer.helpers import run_to_end, snapshot
from tests.integration.importer.test_unchanged_items import CLASSIFIER as UNCHANGED_CLASSIFIER
from tests.integration.importer.test_unchanged_items import HEAD

pytestmark = pytest.mark.django_db

#: The classifier of test_unchanged_items, with a warehouse for the offers' stock.
CLASSIFIER = UNCHANGED_CLASSIFIER.replace(
    "</Классификатор>",
    "<Склады><Склад><Ид>w1</Ид><Наименование>Склад</Наименование></Склад></Склады></Классификатор>",
)


def _products(*products: str) -> str:
    return "".join(
        f"<Товар><Ид>{pid}</Ид><Наименование>{name}</Наименование></Товар>"
        for pid, name in (item.split("=") for item in products)
    )


def _catalog(*products: str, after: str = "") -> str:
    return (
        f'{HEAD}{CLASSIFIER}<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид>'
        "<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование>"
        f"<Товары>{_products(*products)}</Товары></Каталог>{after}</КоммерческаяИнформация>"
    )


def _offers(*offers: str) -> str:
    items = "".join(
        f"<Предложение><Ид>{oid}</Ид><Наименование>{oid}</Наименование>"
        "<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены>"
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу></Цена></Цены>"
        '<Склад ИдСклада="w1" КоличествоНаСкладе="3"/></Предложение>'
        for oid, price in (item.split("=") for item in offers)
    )
    return (
        f'{HEAD}<ПакетПредложений СодержитТолькоИзменения="false">'
        "<Ид>cat#</Ид><Наименование>Пакет</Наименование><ИдКаталога>cat</ИдКаталога>"
        f"<ИдКлассификатора>cls</ИдКлассификатора><Предложения>{items}</Предложения>"
        "</ПакетПредложений></КоммерческаяИнформация>"
    )


CATALOG = _catalog("p1=Чайник", "p2=Утюг", "p3=Лампа")
OFFERS = _offers("p1=990", "p2=1500", "p3=300")


class Saved:
    """The ``products_saved`` and ``offers_saved`` signals of one import: one a batch, or a file."""

    def __init__(self) -> None:
        self.products: list[tuple[list[int], list[int]]] = []
        self.offers: list[list[int]] = []

    def on_products(self, product_ids: list[int], unchanged_ids: list[int], **kwargs: Any) -> None:
        self.products.append((product_ids, unchanged_ids))

    def on_offers(self, offer_ids: list[int], **kwargs: Any) -> None:
        self.offers.append(offer_ids)


@pytest.fixture
def saved() -> Iterator[Saved]:
    seen = Saved()
    signals.products_saved.connect(seen.on_products)
    signals.offers_saved.connect(seen.on_offers)
    yield seen
    signals.products_saved.disconnect(seen.on_products)
    signals.offers_saved.disconnect(seen.on_offers)


def _run(tmp_path: Path, files: dict[str, str], **options: Any) -> ImportJob:
    """Import ``files`` (one product or offer a batch, so that reading shows a signal each)."""
    directory = tmp_path / "exchange"
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    options.setdefault("batch_size", 1)
    job = create_job(list(files), base_dir=directory, options=ImportOptions(**options))
    result = run_to_end(job)
    assert isinstance(result, Done), result
    job.refresh_from_db()
    return job


def _passed(saved: Saved) -> bool:
    """Whether the last import told of all its products in one signal, none of them written."""
    pks = sorted(Product.objects.values_list("pk", flat=True))
    return saved.products == [([], pks)]


@pytest.mark.parametrize("scan_beside", [False, True], ids=["scan first", "scan beside"])
def test_a_file_sent_again_unchanged_is_not_read_and_the_shop_holds_the_same(
    tmp_path, saved, settings, scan_beside
):
    if scan_beside and not can_start():
        pytest.skip("a scan beside the reader needs a second core")
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1 if scan_beside else 0
    files = {"import.xml": CATALOG, "offers.xml": OFFERS}
    first = _run(tmp_path / "1", files)
    assert len(saved.products) == 3 and len(saved.offers) == 3  # read: one a batch
    before = snapshot()
    updated = dict(Product.objects.values_list("external_id", "updated"))
    assert ScannedFile.objects.exclude(items_kind="").count() == 2

    saved.products.clear(), saved.offers.clear()
    again = _run(tmp_path / "2", files)
    assert _passed(saved)
    assert saved.offers == [sorted(Offer.objects.values_list("pk", flat=True))]
    assert snapshot() == before
    assert dict(Product.objects.values_list("external_id", "updated")) == updated
    counters = again.counters
    assert counters["products_unchanged"] == 3 and counters["offers_unchanged"] == 3
    assert counters["prices_unchanged"] == 3 and counters["stock_rows_unchanged"] == 3
    assert counters["items_passed"] == 6
    assert not counters.get("products_updated") and not counters.get("prices")
    # The classifier before the items is read as always, and the counts reconcile.
    assert counters["price_types"] == first.counters["price_types"]
    assert again.state["scans"] == first.state["scans"]
    assert not [w for w in again.warnings if w["code"] == "reconciliation"]


def test_items_passed_over_in_a_full_exchange_are_seen_by_it(tmp_path, saved):
    """Marked as seen as when read: the full exchange deactivates only what it left out."""
    _run(tmp_path / "1", {"import.xml": _catalog("p1=Чайник", "p2=Утюг", "p9=Старое")})
    small = {"import.xml": _catalog("p1=Чайник", "p2=Утюг")}
    _run(tmp_path / "2", small)
    active = dict(Product.objects.values_list("external_id", "active"))
    assert active == {"p1": True, "p2": True, "p9": False}
    saved.products.clear()
    _run(tmp_path / "3", small)
    assert saved.products == [
        ([], sorted(Product.objects.filter(active=True).values_list("pk", flat=True)))
    ]
    assert dict(Product.objects.values_list("external_id", "active")) == active


@pytest.mark.parametrize(
    "change",
    ["deleted", "deactivated", "rewritten by another file", "renamed on the site"],
)
def test_an_item_not_stored_as_its_element_says_has_the_file_read(tmp_path, saved, change):
    files = {"import.xml": CATALOG}
    _run(tmp_path / "1", files)
    expected = snapshot(frozenset({"Product.updated"}))
    p2 = Product.objects.get(external_id="p2")
    if change == "deleted":
        p2.delete()
    elif change == "deactivated":
        Product.objects.filter(pk=p2.pk).update(active=False)
    elif change == "rewritten by another file":
        changes = _catalog("p2=Утюг паровой").replace('Изменения="false"', 'Изменения="true"')
        _run(tmp_path / "other", {"import.xml": changes})
        assert Product.objects.get(external_id="p2").name == "Утюг паровой"
    else:
        # The site's own edit keeps the digest: as the item-by-item import, the pass keeps it.
        Product.objects.filter(pk=p2.pk).update(name="Утюг (наш)")
    saved.products.clear()
    job = _run(tmp_path / "2", files)
    if change == "renamed on the site":
        assert _passed(saved)
        assert Product.objects.get(external_id="p2").name == "Утюг (наш)"
        return
    assert len(saved.products) == 3  # read, one product a batch
    assert snapshot(frozenset({"Product.updated"})) == expected
    assert job.counters.get("products_unchanged") == 2
    assert not job.counters.get("items_passed")
    # Read whole once more, it is passed over the time after.
    saved.products.clear()
    _run(tmp_path / "3", files)
    assert _passed(saved)


def test_without_checksums_every_item_of_a_file_sent_again_is_written(tmp_path, saved):
    files = {"import.xml": CATALOG}
    _run(tmp_path / "1", files)
    saved.products.clear()
    job = _run(tmp_path / "2", files, use_checksums=False)
    assert len(saved.products) == 3
    assert job.counters["products_updated"] == 3 and not job.counters.get("items_passed")


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {"import.xml": _catalog("p1=Чайник", "p2=Утюг", after=CLASSIFIER)},
            id="a classifier after the items",
        ),
        pytest.param(
            {
                "import.xml": _catalog("p1=Чайник", "p2=Утюг").replace(
                    "</Каталог>",
                    '</Каталог><Каталог СодержитТолькоИзменения="true"><Ид>cat</Ид>'
                    f"<Товары>{_products('p3=Лампа')}</Товары></Каталог>",
                )
            },
            id="a second catalog",
        ),
        pytest.param(
            {"import.xml": _catalog("p1=Чайник", "p2=Утюг", "p1=Чайник")},
            id="an element sent twice",
        ),
        pytest.param(
            {
                "import.xml": _catalog("p1=Чайник", "p2=Утюг").replace(
                    "<Наименование>Утюг</Наименование>",
                    "<Наименование>Утюг</Наименование><Вес>тяжелый</Вес>",
                )
            },
            id="an item that warned",
        ),
    ],
)
def test_a_file_whose_items_are_not_all_it_holds_is_read_every_time(tmp_path, saved, files):
    _run(tmp_path / "1", files)
    expected = snapshot(frozenset({"Product.updated"}))
    saved.products.clear()
    job = _run(tmp_path / "2", files)
    assert len(saved.products) >= 2 and not job.counters.get("items_passed")
    assert snapshot(frozenset({"Product.updated"})) == expected


def test_an_offer_waiting_for_a_passed_product_gets_it(tmp_path, saved):
    """As reading would: passed-over products are offered to the offers that wait for them."""
    _run(tmp_path / "1", {"import.xml": CATALOG, "offers.xml": OFFERS})
    Offer.objects.filter(external_id="p2").update(product=None)  # as after a lost link
    saved.products.clear()
    job = _run(tmp_path / "2", {"import.xml": CATALOG})
    assert _passed(saved)
    assert Offer.objects.get(external_id="p2").product == Product.objects.get(external_id="p2")
    assert job.counters.get("offers_linked") == 1


def test_only_the_latest_files_keep_their_items(tmp_path, saved, monkeypatch):
    """An old file's digests are kept only while few items have come after it."""
    from cml_exchange.importer import scans

    monkeypatch.setattr(scans, "KEPT_ITEMS", 4)  # two files of two products
    versions = [
        _catalog(f"p{n}a=Чайник", f"p{n}b=Утюг").replace('Изменения="false"', 'Изменения="true"')
        for n in range(3)
    ]
    for n, text in enumerate(versions):
        _run(tmp_path / str(n), {"import.xml": text})
    assert ScannedFile.objects.exclude(items_kind="").count() == 2
    saved.products.clear()
    _run(tmp_path / "first again", {"import.xml": versions[0]})
    assert len(saved.products) == 2  # forgotten: read, one product a batch
    saved.products.clear()
    _run(tmp_path / "last again", {"import.xml": versions[2]})
    assert len(saved.products) == 1 and saved.products[0][0] == []  # passed over


def _package(offers: str, *, only_changes: bool = False) -> str:
    return (
        f'{HEAD}<ПакетПредложений СодержитТолькоИзменения="{str(only_changes).lower()}">'
        "<Ид>cat#</Ид><Наименование>Пакет</Наименование><ИдКаталога>cat</ИдКаталога>"
        f"<ИдКлассификатора>cls</ИдКлассификатора><Предложения>{offers}</Предложения>"
        "</ПакетПредложений></КоммерческаяИнформация>"
    )


def _price(price: str) -> str:
    return (
        "<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены>"
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу></Цена></Цены>"
    )


#: A split package as newer 1C sends it: names, prices and rests each in a file of its own.
SPLIT = {
    "import.xml": CATALOG,
    "offers.xml": _package(
        "".join(
            f"<Предложение><Ид>{i}</Ид><Наименование>{i}</Наименование></Предложение>"
            for i in ("p1", "p2", "p3")
        )
    ),
    "prices.xml": _package(
        "".join(
            f"<Предложение><Ид>{i}</Ид>{_price(v)}</Предложение>"
            for i, v in (("p1", "990"), ("p2", "1500"), ("p3", "300"))
        )
    ),
    "rests.xml": _package(
        "".join(
            f"<Предложение><Ид>{i}</Ид><Остатки><Остаток><Склад><Ид>w1</Ид>"
            "<Количество>3</Количество></Склад></Остаток></Остатки></Предложение>"
            for i in ("p1", "p2", "p3")
        )
    ),
}


def test_the_files_of_a_split_package_sent_again_are_passed_over(tmp_path, saved):
    """Prices and rests keep digests of their own, so neither file takes the other's."""
    _run(tmp_path / "1", SPLIT)
    before = snapshot()
    saved.offers.clear()
    again = _run(tmp_path / "2", SPLIT)
    assert again.counters["items_passed"] == 3 + 3 + 3 + 3
    assert len(saved.offers) == 3  # one signal a file: none read
    assert snapshot() == before
    assert again.counters["prices_unchanged"] == 3 and again.counters["stock_rows_unchanged"] == 3


def test_new_prices_and_rests_leave_the_offers_file_passed_over(tmp_path, saved):
    """The offers file carries neither: what the other files write does not concern it."""
    from decimal import Decimal

    from cml_exchange.models import Price, Stock

    _run(tmp_path / "1", SPLIT)
    changed = {
        **SPLIT,
        "prices.xml": SPLIT["prices.xml"].replace(">990<", ">999<"),
        "rests.xml": SPLIT["rests.xml"].replace(">3<", ">4<", 1),
    }
    job = _run(tmp_path / "2", changed)
    assert job.counters["items_passed"] == 3 + 3  # import.xml and offers.xml
    assert job.counters["prices"] == 1 and job.counters["stock_rows"] == 1
    assert Price.objects.get(offer__external_id="p1").value == Decimal("999")
    assert Stock.objects.get(offer__external_id="p1").quantity == Decimal("4")
    job = _run(tmp_path / "3", changed)
    assert job.counters["items_passed"] == 3 + 3 + 3 + 3


def test_prices_written_by_another_element_have_the_prices_file_read(tmp_path, saved):
    """An offers file carrying prices takes them over; the prices file sent again restores its."""
    from decimal import Decimal

    from cml_exchange.models import Price

    prices = {"prices.xml": SPLIT["prices.xml"]}
    _run(tmp_path / "1", {"import.xml": CATALOG, **prices})
    _run(tmp_path / "2", {"offers.xml": OFFERS.replace(">990<", ">777<")})
    assert Price.objects.get(offer__external_id="p1").value == Decimal("777")
    job = _run(tmp_path / "3", prices)
    assert Price.objects.get(offer__external_id="p1").value == Decimal("990")
    assert not job.counters.get("items_passed") and job.counters["prices"] == 1
    job = _run(tmp_path / "4", prices)
    assert job.counters["items_passed"] == 3


def test_offers_of_characteristics_sent_again_are_passed_over(tmp_path, saved):
    """Offers of one product's characteristics: each element leads to its own row."""
    characteristics = _package(
        "".join(
            f"<Предложение><Ид>p1</Ид><ИдХарактеристики>{c}</ИдХарактеристики>"
            f"<Наименование>Чайник {c}</Наименование>{_price('990')}</Предложение>"
            for c in ("red", "blue")
        )
        + f"<Предложение><Ид>p2#big</Ид><Наименование>Утюг</Наименование>{_price('5')}"
        "</Предложение>"
    )
    files = {"import.xml": CATALOG, "offers.xml": characteristics}
    _run(tmp_path / "1", files)
    assert sorted(Offer.objects.values_list("external_id", flat=True)) == [
        "p1#blue",
        "p1#red",
        "p2#big",
    ]
    before = snapshot()
    saved.offers.clear()
    job = _run(tmp_path / "2", files)
    assert job.counters["items_passed"] == 3 + 3
    assert saved.offers == [sorted(Offer.objects.values_list("pk", flat=True))]
    assert snapshot() == before


def test_the_next_unload_of_an_unchanged_catalog_is_passed_over(tmp_path, saved):
    """1C dates each unload on its root; a catalog that did not change is the same files."""

    def unloaded(text: str, moment: str) -> str:
        return text.replace(
            'ВерсияСхемы="2.08">', f'ВерсияСхемы="2.08" ДатаФормирования="{moment}">', 1
        )

    today = {name: unloaded(text, "2026-12-05T10:00:00") for name, text in SPLIT.items()}
    tomorrow = {name: unloaded(text, "2026-12-06T10:00:00") for name, text in SPLIT.items()}
    first = _run(tmp_path / "1", today)
    before = snapshot()
    saved.products.clear(), saved.offers.clear()
    again = _run(tmp_path / "2", tomorrow)
    assert again.counters["items_passed"] == 3 + 3 + 3 + 3
    assert _passed(saved) and len(saved.offers) == 3
    assert snapshot() == before
    assert again.state["scans"] == first.state["scans"]
    # A price changed since: that file is read, the others are passed over.
    changed = {**tomorrow, "prices.xml": tomorrow["prices.xml"].replace(">990<", ">999<")}
    job = _run(tmp_path / "3", changed)
    assert job.counters["items_passed"] == 3 + 3 + 3 and job.counters["prices"] == 1


def test_a_file_that_skipped_empty_items_is_passed_over_and_tells_them_again(tmp_path, saved):
    """Empty offers (no Ид) leave nothing to read: the file is passed, the count told as before."""
    empty = "<Предложение><Наименование>Без Ид</Наименование></Предложение>"
    offers = OFFERS.replace("<Предложения>", f"<Предложения>{empty}").replace(
        "</Предложения>", f"{empty}{empty}</Предложения>"
    )
    files = {"import.xml": CATALOG, "offers.xml": offers}
    first = _run(tmp_path / "1", files)
    told = [w for w in first.warnings if w["code"] == "empty_offer"]
    assert [w["message"] for w in told] == ["offers.xml: Пропущено пустых предложений (без Ид): 3."]
    before = snapshot()
    saved.offers.clear()
    again = _run(tmp_path / "2", files)
    assert again.counters["items_passed"] == 3 + 3
    assert saved.offers == [sorted(Offer.objects.values_list("pk", flat=True))]
    assert [w for w in again.warnings if w["code"] == "empty_offer"] == told
    assert snapshot() == before


def test_empty_options_before_the_items_are_told_once_when_the_file_is_passed_over(tmp_path, saved):
    """Those the reader counts again before it stops are the kept ones, not more."""
    options = (
        "<Свойства><Свойство><Ид>color</Ид><Наименование>Цвет</Наименование>"
        "<ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>"
        "<Справочник><Значение>Без Ид</Значение></Справочник>"
        "<Справочник><ИдЗначения>o1</ИдЗначения><Значение>Красный</Значение></Справочник>"
        "</ВариантыЗначений></Свойство></Свойства></Классификатор>"
    )
    files = {"import.xml": CATALOG.replace("</Классификатор>", options, 1)}
    first = _run(tmp_path / "1", files)
    told = [w for w in first.warnings if w["code"] == "empty_option"]
    assert len(told) == 1 and told[0]["message"].endswith(": 1.")
    saved.products.clear()
    again = _run(tmp_path / "2", files)
    assert _passed(saved)
    assert [w for w in again.warnings if w["code"] == "empty_option"] == told


def test_a_file_of_more_items_than_one_statement_takes_is_passed_over_the_same(
    tmp_path, saved, monkeypatch
):
    """Rows are read and offered to waiting offers a few thousand at a time."""
    from cml_exchange.importer.loaders import passed

    monkeypatch.setattr(passed, "_CHUNK", 2)
    _run(tmp_path / "1", {"import.xml": CATALOG, "offers.xml": OFFERS})
    Offer.objects.filter(external_id__in=["p1", "p3"]).update(product=None)
    saved.products.clear()
    job = _run(tmp_path / "2", {"import.xml": CATALOG})
    assert _passed(saved) and job.counters["items_passed"] == 3
    assert job.counters.get("offers_linked") == 2
    assert all(o.product.external_id == o.external_id for o in Offer.objects.all())


def test_the_same_elements_in_two_catalogs_pass_each_catalogs_file_over_with_its_own_rows(
    tmp_path, saved
):
    """One element, one digest, in two catalogs: each file's pass takes its own catalog's rows."""
    other = CATALOG.replace("<Ид>cat</Ид>", "<Ид>cat2</Ид>")
    _run(tmp_path / "1", {"import.xml": CATALOG})
    _run(tmp_path / "2", {"import.xml": other})
    theirs = sorted(
        Product.objects.filter(catalog__external_id="cat2").values_list("pk", flat=True)
    )
    saved.products.clear()
    job = _run(tmp_path / "3", {"import.xml": other})
    assert job.counters["items_passed"] == 3
    assert saved.products == [([], theirs)]


def test_a_row_changed_after_the_steps_index_was_read_has_the_file_read(tmp_path):
    """The index only says where to look: the rows themselves decide."""
    from cml_exchange.importer.loaders.passed import DigestIndex, stored_items
    from cml_exchange.importer.scans import kept_items

    _run(tmp_path / "1", {"import.xml": CATALOG})
    (digest,) = ScannedFile.objects.exclude(items_kind="").values_list("digest", flat=True)
    items = kept_items(digest)
    assert items is not None
    catalog = Product.objects.values_list("catalog_id", flat=True).first()
    assert catalog is not None
    index = DigestIndex(Product)
    assert stored_items(items, catalog, index) == sorted(
        Product.objects.values_list("pk", flat=True)
    )
    Product.objects.filter(external_id="p2").update(active=False)
    assert stored_items(items, catalog, index) is None
    Product.objects.filter(external_id="p2").update(active=True, source_digest=1)
    assert stored_items(items, catalog, index) is None
