"""Unchanged items passed over before they are built, and files not scanned twice (issue 17).

An item whose element is the one its row was written from is not built
again; a file whose bytes were scanned before is not scanned again. Neither
may change what the shop ends up holding: these tests send what would trip a
shortcut (an id twice in one file, an item deactivated since, prices changed
by another file, an item that warned, a file the scan refused) and check the
shop holds exactly what 1C sent.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.importer.results import Done, Failed
from cml_exchange.models import ImportJob, Offer, Price, Product, ScannedFile
from tests.integration.importer.helpers import assert_done, import_samples, run_to_end, snapshot

pytestmark = pytest.mark.django_db

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08">'
)
CLASSIFIER = (
    "<Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование>"
    "<ТипыЦен><ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование>"
    "<Валюта>RUB</Валюта></ТипЦены></ТипыЦен></Классификатор>"
)


def _catalog(*products: str) -> str:
    items = "".join(
        f"<Товар><Ид>{pid}</Ид><Наименование>{name}</Наименование></Товар>"
        for pid, name in (item.split("=") for item in products)
    )
    return (
        f'{HEAD}{CLASSIFIER}<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид>'
        f"<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование>"
        f"<Товары>{items}</Товары></Каталог></КоммерческаяИнформация>"
    )


def _offers(*offers: str, only_changes: bool = False, identity: bool = True) -> str:
    items = "".join(
        f"<Предложение><Ид>{oid}</Ид>"
        + (f"<Наименование>{oid}</Наименование>" if identity else "")
        + f"<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу>"
        "</Цена></Цены><Количество>1</Количество></Предложение>"
        for oid, price in (item.split("=") for item in offers)
    )
    return (
        f'{HEAD}<ПакетПредложений СодержитТолькоИзменения="{str(only_changes).lower()}">'
        "<Ид>cat#</Ид><Наименование>Пакет</Наименование><ИдКаталога>cat</ИдКаталога>"
        f"<ИдКлассификатора>cls</ИдКлассификатора><Предложения>{items}</Предложения>"
        "</ПакетПредложений></КоммерческаяИнформация>"
    )


def _run(tmp_path: Path, files: dict[str, str], **options: object) -> ImportJob:
    directory = tmp_path / "exchange"
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    job = create_job(list(files), base_dir=directory, options=ImportOptions(**options))  # type: ignore[arg-type]
    result = run_to_end(job)
    assert isinstance(result, Done), result
    job.refresh_from_db()
    return job


def _names() -> dict[str, str]:
    return dict(Product.objects.values_list("external_id", "name"))


def test_an_unchanged_exchange_passes_every_item_over_and_holds_the_same(tmp_path):
    files = (
        "carono__php-commerceml__tests__xml__import",
        "carono__php-commerceml__tests__xml__offers",
    )
    assert_done(import_samples(tmp_path / "one", *files)[1])
    before = snapshot()
    # Every item keeps the digest of its element: the next exchange can pass it over.
    assert not Product.objects.filter(source_digest=0).exists()
    assert not Offer.objects.filter(source_digest=0).exists()
    updated = dict(Product.objects.values_list("external_id", "updated"))
    job, result = import_samples(tmp_path / "two", *files)
    assert_done(result)
    assert snapshot() == before
    assert dict(Product.objects.values_list("external_id", "updated")) == updated
    assert job.counters["products_unchanged"] == Product.objects.count()
    assert job.counters["offers_unchanged"] == Offer.objects.count()
    assert not [w for w in job.warnings if w["code"] == "reconciliation"]


@pytest.mark.parametrize("batch_size", [1, 1000], ids=["batch by batch", "one batch"])
def test_an_id_sent_twice_ends_as_its_last_element_every_time(tmp_path, batch_size):
    """1C's own import keeps the last; the first, changed, must not stand in for it."""
    files = {"import.xml": _catalog("p1=Первый", "p1=Последний", "p2=Другой")}
    for run in range(3):
        _run(tmp_path / str(run), files, batch_size=batch_size)
        assert _names() == {"p1": "Последний", "p2": "Другой"}


def test_an_item_deactivated_as_missing_comes_back_with_its_unchanged_element(tmp_path):
    both = {"import.xml": _catalog("p1=Чайник", "p2=Утюг")}
    _run(tmp_path / "1", both)
    _run(tmp_path / "2", {"import.xml": _catalog("p1=Чайник")})
    assert not Product.objects.get(external_id="p2").active
    job = _run(tmp_path / "3", both)
    assert Product.objects.get(external_id="p2").active
    assert job.counters["products_updated"] == 1


def test_prices_written_by_another_file_do_not_let_the_old_offer_pass(tmp_path):
    _run(tmp_path / "1", {"import.xml": _catalog("p1=Чайник"), "offers.xml": _offers("p1=990")})
    # A prices-only package (as prices___ files) changes the price.
    _run(tmp_path / "2", {"prices.xml": _offers("p1=1090", only_changes=True, identity=False)})
    assert Price.objects.get().value == Decimal("1090")
    # The first offers file again: the shop holds what it says.
    _run(tmp_path / "3", {"offers.xml": _offers("p1=990")})
    assert Price.objects.get().value == Decimal("990")
    # And from then on it passes over again.
    job = _run(tmp_path / "4", {"offers.xml": _offers("p1=990")})
    assert job.counters["offers_unchanged"] == 1 and Price.objects.get().value == Decimal("990")


def test_an_item_that_warned_warns_at_every_exchange(tmp_path):
    catalog = _catalog("p1=Чайник").replace(
        "<Наименование>Чайник</Наименование>",
        "<Наименование>Чайник</Наименование><Вес>тяжелый</Вес>",
    )
    for run in range(2):
        job = _run(tmp_path / str(run), {"import.xml": catalog})
        assert job.warning_counts.get("bad_number") == 1, run


def test_a_file_the_scan_refused_is_refused_again(tmp_path):
    long_name = "Ч" * 600  # longer than Product.name
    directory = tmp_path / "exchange"
    directory.mkdir()
    (directory / "import.xml").write_text(_catalog(f"p1={long_name}"), encoding="utf-8")
    for _ in range(2):
        job = create_job(["import.xml"], base_dir=directory)
        result = run_to_end(job)
        assert isinstance(result, Failed) and "длиннее" in result.message
    assert not ScannedFile.objects.exists() and not Product.objects.exists()


def test_a_file_sent_again_is_counted_as_its_scan_counted(tmp_path):
    files = {"import.xml": _catalog("p1=Чайник", "p2=Утюг"), "offers.xml": _offers("p1=1", "p2=2")}
    first = _run(tmp_path / "1", files)
    assert ScannedFile.objects.count() == 2
    again = _run(tmp_path / "2", files)
    assert again.state["scans"] == first.state["scans"]
    assert again.state["scans"]["offers.xml"] == {"offers": 2, "prices": 2, "stock_rows": 0}
    assert not [w for w in again.warnings if w["code"] == "reconciliation"]


def _classifier(group: str = "Одежда", prop: str = "Цвет", option: str = "Красный") -> str:
    return (
        f"{HEAD}<Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование>"
        f"<Группы><Группа><Ид>g1</Ид><Наименование>{group}</Наименование></Группа>"
        "<Группа><Ид>g2</Ид><Наименование>Обувь</Наименование></Группа></Группы>"
        "<Свойства>"
        f"<Свойство><Ид>p1</Ид><Наименование>{prop}</Наименование>"
        "<ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>"
        f"<Справочник><ИдЗначения>o1</ИдЗначения><Значение>{option}</Значение></Справочник>"
        "<Справочник><ИдЗначения>o2</ИдЗначения><Значение>Синий</Значение></Справочник>"
        "</ВариантыЗначений></Свойство>"
        "<Свойство><Ид>p2</Ид><Наименование>Размер</Наименование>"
        "<ТипЗначений>Строка</ТипЗначений></Свойство></Свойства>"
        "<ТипыЦен><ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование>"
        "<Валюта>RUB</Валюта></ТипЦены></ТипыЦен>"
        "<Склады><Склад><Ид>w1</Ид><Наименование>Склад</Наименование></Склад></Склады>"
        "</Классификатор></КоммерческаяИнформация>"
    )


def _classifier_rows() -> dict[str, dict[str, object]]:
    from cml_exchange.models import Group, PriceType, Property, PropertyOption, Warehouse

    return {
        "groups": dict(Group.objects.values_list("external_id", "updated")),
        "properties": dict(Property.objects.values_list("external_id", "updated")),
        "options": dict(PropertyOption.objects.values_list("external_id", "value")),
        "price types": dict(PriceType.objects.values_list("external_id", "updated")),
        "warehouses": dict(Warehouse.objects.values_list("external_id", "updated")),
    }


def test_a_classifier_sent_again_unchanged_is_not_rewritten_and_a_change_is(tmp_path):
    """Rows that hold what 1C sends keep their ``updated`` time; a changed one is written."""
    from cml_exchange.models import Group, Property

    _run(tmp_path / "one", {"import.xml": _classifier()})
    first = _classifier_rows()
    before = snapshot()
    _run(tmp_path / "two", {"import.xml": _classifier()})
    assert _classifier_rows() == first
    assert snapshot() == before

    _run(tmp_path / "three", {"import.xml": _classifier("Верхняя одежда", "Цвет товара", "Алый")})
    third = _classifier_rows()
    assert Group.objects.get(external_id="g1").name == "Верхняя одежда"
    assert Property.objects.get(external_id="p1").name == "Цвет товара"
    assert third["options"] == {"o1": "Алый", "o2": "Синий"}
    assert third["groups"]["g1"] > first["groups"]["g1"]
    assert third["properties"]["p1"] > first["properties"]["p1"]
    unchanged = {
        kind: {key: value for key, value in rows.items() if key not in ("g1", "p1", "o1")}
        for kind, rows in third.items()
    }
    assert unchanged == {
        kind: {key: value for key, value in rows.items() if key not in ("g1", "p1", "o1")}
        for kind, rows in first.items()
    }


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_unchanged_exchange_marks_rows_without_touching_their_indexes(
    tmp_path, settings
):
    """The marks of a full exchange are (nearly all) heap-only updates: no index entries.

    Products carry thirteen indexes; a mark that moved each row to another page
    wrote an entry in every one, which made a quarter of an unchanged 10k re-import
    (migration 0018 leaves room on each page). Counted by PostgreSQL's statistics.
    """
    from django.db import connection

    from benchmarks.generator import generate_catalog
    from cml_exchange.models import Group

    if connection.vendor != "postgresql":
        pytest.skip("heap-only updates are PostgreSQL's")
    if connection.pg_version < 150000:
        pytest.skip("PostgreSQL 15 flushes a backend's statistics on request")
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "exchange"
    generate_catalog(directory, 300, seed=3)
    models = (Product, Offer, Group)

    def updates() -> dict[str, tuple[int, int]]:
        """Each table's rows updated so far, and how many of them on their own page."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counts, now
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
                " WHERE relname = ANY(%s)",
                [[model._meta.db_table for model in models]],
            )
            found = {name: (updated, hot) for name, updated, hot in cursor.fetchall()}
        return {model.__name__: found[model._meta.db_table] for model in models}

    for _exchange in range(2):
        assert_done(run_to_end(create_job(["import.xml", "offers.xml"], base_dir=directory)))
    before = updates()
    job = create_job(["import.xml", "offers.xml"], base_dir=directory)
    assert_done(run_to_end(job))
    job.refresh_from_db()
    assert job.counters["products_unchanged"] == Product.objects.count()
    after = updates()
    for model in models:
        name = model.__name__
        marked = after[name][0] - before[name][0]
        in_place = after[name][1] - before[name][1]
        assert marked >= model.objects.filter(active=True).count() > 0, name
        # A row grown too long for its page's room may still move: nearly all, not all.
        assert in_place >= 0.9 * marked, (name, marked, in_place)
