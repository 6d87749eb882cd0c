"""A file sent again unchanged: its items are not read when the shop holds every one (issue 17).

The first import of a file keeps its items' element digests; the next time the
same bytes come, the runner stops before the first item if every one of them
is still stored as that element wrote it, and does what passing each over
would have done. These tests check that it happens (a ``products_saved``
receiver sees one signal for the whole file instead of one a batch), and that
whatever would have made the item-by-item import write something makes the
file be read: a product deleted, deactivated or rewritten on the site's side
or by another file, checksums turned off, a file whose items are not alone in
it. In every case the shop ends holding exactly what 1C sent. Split packages
are in test_passed_split_packages.py, how the rows are found in test_passed_rows.py.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cml_exchange.commerceml.reading.scan_process import can_start
from cml_exchange.models import Offer, Product, ScannedFile
from tests.integration.importer.helpers import snapshot
from tests.integration.importer.passed_files import (
    CATALOG,
    CLASSIFIER,
    OFFERS,
    catalog_xml,
    import_files,
    passed_over,
    products_xml,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scan_beside", [False, True], ids=["scan first", "scan beside"])
def test_a_file_sent_again_unchanged_is_not_read_and_the_shop_holds_the_same(
    tmp_path, saved, settings, scan_beside
):
    if scan_beside and not can_start():
        pytest.skip("a scan beside the reader needs a second core")
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = 1 if scan_beside else 0
    files = {"import.xml": CATALOG, "offers.xml": OFFERS}
    first = import_files(tmp_path / "1", files)
    assert len(saved.products) == 3 and len(saved.offers) == 3  # read: one a batch
    before = snapshot()
    updated = dict(Product.objects.values_list("external_id", "updated"))
    assert ScannedFile.objects.exclude(items_kind="").count() == 2

    saved.products.clear(), saved.offers.clear()
    again = import_files(tmp_path / "2", files)
    assert passed_over(saved)
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
    import_files(tmp_path / "1", {"import.xml": catalog_xml("p1=Чайник", "p2=Утюг", "p9=Старое")})
    small = {"import.xml": catalog_xml("p1=Чайник", "p2=Утюг")}
    import_files(tmp_path / "2", small)
    active = dict(Product.objects.values_list("external_id", "active"))
    assert active == {"p1": True, "p2": True, "p9": False}
    saved.products.clear()
    import_files(tmp_path / "3", small)
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
    import_files(tmp_path / "1", files)
    expected = snapshot(frozenset({"Product.updated"}))
    p2 = Product.objects.get(external_id="p2")
    if change == "deleted":
        p2.delete()
    elif change == "deactivated":
        Product.objects.filter(pk=p2.pk).update(active=False)
    elif change == "rewritten by another file":
        changes = catalog_xml("p2=Утюг паровой").replace('Изменения="false"', 'Изменения="true"')
        import_files(tmp_path / "other", {"import.xml": changes})
        assert Product.objects.get(external_id="p2").name == "Утюг паровой"
    else:
        # The site's own edit keeps the digest: as the item-by-item import, the pass keeps it.
        Product.objects.filter(pk=p2.pk).update(name="Утюг (наш)")
    saved.products.clear()
    job = import_files(tmp_path / "2", files)
    if change == "renamed on the site":
        assert passed_over(saved)
        assert Product.objects.get(external_id="p2").name == "Утюг (наш)"
        return
    assert len(saved.products) == 3  # read, one product a batch
    assert snapshot(frozenset({"Product.updated"})) == expected
    assert job.counters.get("products_unchanged") == 2
    assert not job.counters.get("items_passed")
    # Read whole once more, it is passed over the time after.
    saved.products.clear()
    import_files(tmp_path / "3", files)
    assert passed_over(saved)


def test_without_checksums_every_item_of_a_file_sent_again_is_written(tmp_path, saved):
    files = {"import.xml": CATALOG}
    import_files(tmp_path / "1", files)
    saved.products.clear()
    job = import_files(tmp_path / "2", files, use_checksums=False)
    assert len(saved.products) == 3
    assert job.counters["products_updated"] == 3 and not job.counters.get("items_passed")


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {"import.xml": catalog_xml("p1=Чайник", "p2=Утюг", after=CLASSIFIER)},
            id="a classifier after the items",
        ),
        pytest.param(
            {
                "import.xml": catalog_xml("p1=Чайник", "p2=Утюг").replace(
                    "</Каталог>",
                    '</Каталог><Каталог СодержитТолькоИзменения="true"><Ид>cat</Ид>'
                    f"<Товары>{products_xml('p3=Лампа')}</Товары></Каталог>",
                )
            },
            id="a second catalog",
        ),
        pytest.param(
            {"import.xml": catalog_xml("p1=Чайник", "p2=Утюг", "p1=Чайник")},
            id="an element sent twice",
        ),
        pytest.param(
            {
                "import.xml": catalog_xml("p1=Чайник", "p2=Утюг").replace(
                    "<Наименование>Утюг</Наименование>",
                    "<Наименование>Утюг</Наименование><Вес>тяжелый</Вес>",
                )
            },
            id="an item that warned",
        ),
    ],
)
def test_a_file_whose_items_are_not_all_it_holds_is_read_every_time(tmp_path, saved, files):
    import_files(tmp_path / "1", files)
    expected = snapshot(frozenset({"Product.updated"}))
    saved.products.clear()
    job = import_files(tmp_path / "2", files)
    assert len(saved.products) >= 2 and not job.counters.get("items_passed")
    assert snapshot(frozenset({"Product.updated"})) == expected


def test_an_offer_waiting_for_a_passed_product_gets_it(tmp_path, saved):
    """As reading would: passed-over products are offered to the offers that wait for them."""
    import_files(tmp_path / "1", {"import.xml": CATALOG, "offers.xml": OFFERS})
    Offer.objects.filter(external_id="p2").update(product=None)  # as after a lost link
    saved.products.clear()
    job = import_files(tmp_path / "2", {"import.xml": CATALOG})
    assert passed_over(saved)
    assert Offer.objects.get(external_id="p2").product == Product.objects.get(external_id="p2")
    assert job.counters.get("offers_linked") == 1


def test_only_the_latest_files_keep_their_items(tmp_path, saved, monkeypatch):
    """An old file's digests are kept only while few items have come after it."""
    from cml_exchange.importer import scans

    monkeypatch.setattr(scans, "KEPT_ITEMS", 4)  # two files of two products
    versions = [
        catalog_xml(f"p{n}a=Чайник", f"p{n}b=Утюг").replace('Изменения="false"', 'Изменения="true"')
        for n in range(3)
    ]
    for n, text in enumerate(versions):
        import_files(tmp_path / str(n), {"import.xml": text})
    assert ScannedFile.objects.exclude(items_kind="").count() == 2
    saved.products.clear()
    import_files(tmp_path / "first again", {"import.xml": versions[0]})
    assert len(saved.products) == 2  # forgotten: read, one product a batch
    saved.products.clear()
    import_files(tmp_path / "last again", {"import.xml": versions[2]})
    assert len(saved.products) == 1 and saved.products[0][0] == []  # passed over


def test_only_the_latest_files_are_remembered(tmp_path, saved, monkeypatch):
    """Past ``KEPT`` files, the least recently scanned is forgotten: it is scanned again."""
    from cml_exchange.importer import scans

    monkeypatch.setattr(scans, "KEPT", 2)
    versions = [
        catalog_xml(f"p{n}a=Чайник", f"p{n}b=Утюг").replace('Изменения="false"', 'Изменения="true"')
        for n in range(3)
    ]
    for n, text in enumerate(versions):
        import_files(tmp_path / str(n), {"import.xml": text})
        assert ScannedFile.objects.count() == min(n + 1, 2)
    forgotten = import_files(tmp_path / "first again", {"import.xml": versions[0]})
    remembered = import_files(tmp_path / "last again", {"import.xml": versions[2]})
    assert "items_passed" not in forgotten.counters  # read again, after a scan of its own
    assert remembered.counters["items_passed"] == 2


def test_the_limits_of_the_remembered_files_hold_when_an_import_of_many_files_ends(
    tmp_path, saved, monkeypatch
):
    """The oldest files are forgotten once a step ends, not after each of its files."""
    from cml_exchange.importer import scans

    monkeypatch.setattr(scans, "KEPT", 2)
    monkeypatch.setattr(scans, "KEPT_ITEMS", 2)
    files = {
        f"import{n}.xml": catalog_xml(f"p{n}a=Чайник", f"p{n}b=Утюг").replace(
            'Изменения="false"', 'Изменения="true"'
        )
        for n in range(3)
    }
    with CaptureQueriesContext(connection) as queries:
        import_files(tmp_path / "all", files, batch_size=100)
    table = ScannedFile._meta.db_table
    looks = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and f'ORDER BY "{table}"."scanned" DESC' in q["sql"]
    ]
    assert len(looks) == 2  # the files past KEPT, the items past KEPT_ITEMS: once each
    assert ScannedFile.objects.count() == 2
    assert ScannedFile.objects.exclude(items_kind="").count() == 1
    again = import_files(tmp_path / "last again", {"import2.xml": files["import2.xml"]})
    assert again.counters["items_passed"] == 2


def test_a_file_sent_again_is_remembered_longer(tmp_path, saved, monkeypatch):
    """A remembered file found again counts as scanned now: the files forgotten are older.

    On PostgreSQL its counts are read and its time renewed in one statement.
    """
    from cml_exchange.importer import scans

    monkeypatch.setattr(scans, "KEPT", 2)
    versions = [
        catalog_xml(f"p{n}a=Чайник", f"p{n}b=Утюг").replace('Изменения="false"', 'Изменения="true"')
        for n in range(3)
    ]
    import_files(tmp_path / "0", {"import.xml": versions[0]})
    import_files(tmp_path / "1", {"import.xml": versions[1]})
    with CaptureQueriesContext(connection) as queries:
        again = import_files(tmp_path / "0 again", {"import.xml": versions[0]})
    assert again.counters["items_passed"] == 2
    if connection.vendor == "postgresql":
        looks = [q["sql"] for q in queries.captured_queries if '"counts"' in q["sql"]]
        assert len(looks) == 1 and looks[0].startswith("UPDATE")
    import_files(tmp_path / "2", {"import.xml": versions[2]})  # the second file is forgotten
    assert (
        import_files(tmp_path / "0 once more", {"import.xml": versions[0]}).counters["items_passed"]
        == 2
    )
    assert (
        "items_passed"
        not in import_files(tmp_path / "1 again", {"import.xml": versions[1]}).counters
    )


def test_keeping_a_files_items_reads_no_other_files_digests(tmp_path, saved, monkeypatch):
    """The sum of the kept items, and which files forget theirs, come from an index (SQLite).

    Each remembered file's digests (up to 24 MB in all) lie in its row before its count:
    read from the table, every file read whole would read them all again.
    """
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plans")
    from cml_exchange.importer import scans

    monkeypatch.setattr(scans, "KEPT_ITEMS", 4)  # the third file makes the first forget
    versions = [catalog_xml(f"p{n}a=Чайник", f"p{n}b=Утюг") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        for n, text in enumerate(versions):
            import_files(tmp_path / str(n), {"import.xml": text})
    table = ScannedFile._meta.db_table
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"items_count"' in q["sql"] and table in q["sql"]
    ]
    assert any("SUM(" in sql for sql in reads) and any("ORDER BY" in sql for sql in reads)
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(step[-1]) for step in cursor.fetchall())
            assert "USING COVERING INDEX cml_scanned_kept" in plan, (sql, plan)
    assert ScannedFile.objects.exclude(items_kind="").count() == 2


def test_a_file_that_skipped_empty_items_is_passed_over_and_tells_them_again(tmp_path, saved):
    """Empty offers (no Ид) leave nothing to read: the file is passed, the count told as before."""
    empty = "<Предложение><Наименование>Без Ид</Наименование></Предложение>"
    offers = OFFERS.replace("<Предложения>", f"<Предложения>{empty}").replace(
        "</Предложения>", f"{empty}{empty}</Предложения>"
    )
    files = {"import.xml": CATALOG, "offers.xml": offers}
    first = import_files(tmp_path / "1", files)
    told = [w for w in first.warnings if w["code"] == "empty_offer"]
    assert [w["message"] for w in told] == ["offers.xml: Пропущено пустых предложений (без Ид): 3."]
    before = snapshot()
    saved.offers.clear()
    again = import_files(tmp_path / "2", files)
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
    first = import_files(tmp_path / "1", files)
    told = [w for w in first.warnings if w["code"] == "empty_option"]
    assert len(told) == 1 and told[0]["message"].endswith(": 1.")
    saved.products.clear()
    again = import_files(tmp_path / "2", files)
    assert passed_over(saved)
    assert [w for w in again.warnings if w["code"] == "empty_option"] == told


def test_an_error_forgetting_old_files_leaves_the_import_done(tmp_path, saved, monkeypatch, caplog):
    """Forgetting the oldest remembered files is housekeeping: its failure is only logged."""
    from django.db import OperationalError

    from cml_exchange.importer import scans

    def locked() -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(scans, "_trim", locked)
    job = import_files(tmp_path / "1", {"import.xml": CATALOG})
    assert job.status == job.Status.DONE and Product.objects.count() == 3
    assert "Could not forget the oldest remembered files" in caplog.text
