"""The catalog adapter hears what each batch changed, once per batch and kind, in its transaction.

``Recorder`` is an adapter as a shop would write one: it is named in
``CML_EXCHANGE_CATALOG_ADAPTER`` and the importer makes it; it keeps what it
was told, and writes into the rows it gets, as a shop writes its own models.
"""

from __future__ import annotations

import itertools
import signal
from collections.abc import Sequence, Set
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from benchmarks.generator import generate_catalog
from cml_exchange.commerceml.reading.scan_process import ScanProcess
from cml_exchange.importer import (
    Done,
    Failed,
    ImportOptions,
    MissingAction,
    Progress,
    create_job,
    run,
    scan_stage,
)
from cml_exchange.importer.adapter import (
    AdapterContext,
    CatalogAdapter,
    CatalogModel,
    DeclaredModel,
)
from cml_exchange.models import (
    Group,
    ImportJob,
    Offer,
    Price,
    PriceType,
    Product,
    Property,
    Warehouse,
)
from tests.integration.importer.helpers import run_to_end

pytestmark = pytest.mark.django_db

ADAPTER = "tests.integration.importer.test_catalog_adapter.Recorder"


class Recorder(CatalogAdapter):
    """Keeps every call; ``fail_on`` makes the n-th ``save_products`` call raise."""

    calls: ClassVar[list[tuple[str, list[int], frozenset[int]]]] = []
    queries: ClassVar[list[int]] = []
    fail_on: ClassVar[int | None] = None
    #: Whether the failing call came before the file's scan had counted it (a scan beside).
    failed_uncounted: ClassVar[bool | None] = None

    def _keep(self, name: str, rows: Sequence[Any], created: Set[int] = frozenset()) -> None:
        type(self).calls.append((name, [row.pk for row in rows], frozenset(created)))

    def save_groups(self, context: AdapterContext, groups: Sequence[Group]) -> None:
        assert all(g.parent is None or g.parent.path < g.path for g in groups)
        self._keep("groups", groups)

    def save_products(
        self, context: AdapterContext, products: Sequence[Product], *, created: Set[int]
    ) -> None:
        self._keep("products", products, created)
        if type(self).fail_on == sum(1 for call in type(self).calls if call[0] == "products"):
            job = context.job
            type(self).failed_uncounted = job.files[job.file_index] not in job.state.get(
                "scans", {}
            )
            raise RuntimeError("the shop's catalog is down")
        with CaptureQueriesContext(connection) as used:
            for product in products:  # everything the contract says is loaded
                _ = (product.catalog, product.base_unit, product.category)
                _ = [*product.groups.all(), *product.requisites.all(), *product.images.all()]
                _ = [(v.property.name, v.option) for v in product.property_values.all()]
        type(self).queries.append(len(used))
        # A shop writes its own models here; the app's rows stand in for them.
        Product.objects.filter(pk__in=[p.pk for p in products]).update(description="в магазине")
        context.count("shop_products", len(products))

    def save_offers(
        self, context: AdapterContext, offers: Sequence[Offer], *, created: Set[int]
    ) -> None:
        self._keep("offers", offers, created)

    def save_prices(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        with CaptureQueriesContext(connection) as used:
            for offer in offers:
                _ = [(price.price_type.name, price.value) for price in offer.prices.all()]
        type(self).queries.append(len(used))
        self._keep("prices", offers)

    def save_stock(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        self._keep("stock", offers)

    def save_declared(
        self, context: AdapterContext, model: DeclaredModel, pks: Sequence[int]
    ) -> None:
        type(self).calls.append((f"declared {model.__name__}", sorted(pks), frozenset()))

    def deactivate(self, context: AdapterContext, model: CatalogModel, pks: Sequence[int]) -> None:
        assert not model.objects.filter(pk__in=pks, active=True).exists()
        type(self).calls.append((f"deactivate {model.__name__}", sorted(pks), frozenset()))
        context.warn("shop_hidden", f"Скрыто в магазине: {len(pks)}")

    def delete(self, context: AdapterContext, model: CatalogModel, pks: Sequence[int]) -> None:
        assert model.objects.filter(pk__in=pks).count() == len(pks)  # still there
        type(self).calls.append((f"delete {model.__name__}", sorted(pks), frozenset()))


class Frugal(CatalogAdapter):
    """Needs only the offers themselves for their prices: the importer loads nothing more."""

    loads: ClassVar[dict[str, tuple[str, ...]]] = {"save_prices": ()}
    queries: ClassVar[list[tuple[int, int]]] = []

    def save_prices(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        with CaptureQueriesContext(connection) as used:
            found = sum(len(offer.prices.all()) for offer in offers)
        type(self).queries.append((len(offers), len(used)))
        context.count("frugal_prices", found)


class Greedy(CatalogAdapter):
    """Asks for what the contract does not load."""

    loads: ClassVar[dict[str, tuple[str, ...]]] = {"save_prices": ("prices", "taxes")}


@pytest.fixture(autouse=True)
def recorder(settings: Any) -> type[Recorder]:
    settings.CML_EXCHANGE_CATALOG_ADAPTER = ADAPTER
    Recorder.calls, Recorder.queries, Recorder.fail_on = [], [], None
    Recorder.failed_uncounted = None
    return Recorder


def called(name: str) -> list[list[int]]:
    return [pks for call, pks, _created in Recorder.calls if call == name]


def import_(directory: Path, *files: str, **options: Any) -> tuple[ImportJob, Any]:
    job = create_job(list(files), base_dir=directory, options=ImportOptions(**options))
    result = run_to_end(job)
    job.refresh_from_db()
    return job, result


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    directory = tmp_path / "exchange"
    generate_catalog(directory, 300, seed=7)
    return directory


def test_each_batch_is_told_once_per_kind_with_what_it_created(catalog: Path) -> None:
    job, result = import_(catalog, "import.xml", "offers.xml", batch_size=100)
    assert isinstance(result, Done)
    products = called("products")
    # Batches of 100 entities (groups and properties count too): a few calls, none per item.
    assert 3 <= len(products) <= 4
    assert all(len(pks) <= 100 for pks in products)
    assert sorted(pk for pks in products for pk in pks) == sorted(
        Product.objects.values_list("pk", flat=True)
    )
    created = [c for name, _pks, c in Recorder.calls if name == "products"]
    assert all(set(pks) == c for pks, c in zip(products, created, strict=True))
    offers = sorted(pk for pks in called("offers") for pk in pks)
    assert offers == sorted(Offer.objects.values_list("pk", flat=True))
    priced = {pk for pks in called("prices") for pk in pks}
    assert priced == set(Price.objects.values_list("offer", flat=True))
    assert {pk for pks in called("stock") for pk in pks} == set(
        Offer.objects.values_list("pk", flat=True)
    )
    assert sorted(pk for pks in called("groups") for pk in pks) == sorted(
        Group.objects.values_list("pk", flat=True)
    )
    # What the contract says is loaded costs the adapter no query.
    assert Recorder.queries and set(Recorder.queries) == {0}
    # The adapter's counters are the import's.
    assert job.counters["shop_products"] == 300


def test_step_by_step_every_row_is_told_once(catalog: Path) -> None:
    """Each step one batch (a clock that runs out at once): nothing told twice, nothing lost."""
    job = create_job(
        ["import.xml", "offers.xml"], base_dir=catalog, options=ImportOptions(batch_size=50)
    )
    ticks = itertools.count(step=10.0)
    steps = 0
    while isinstance(result := run(job, 1.0, clock=lambda: next(ticks)), Progress):
        steps += 1
    assert isinstance(result, Done)
    assert steps > 10
    for kind, model in (("products", Product), ("offers", Offer), ("stock", Offer)):
        told = [pk for pks in called(kind) for pk in pks]
        assert sorted(told) == sorted(model.objects.values_list("pk", flat=True)), kind


def test_an_unchanged_import_tells_nothing_but_the_groups(catalog: Path) -> None:
    import_(catalog, "import.xml", "offers.xml")
    Recorder.calls.clear()
    _job, result = import_(catalog, "import.xml", "offers.xml")
    assert isinstance(result, Done)
    assert {name for name, _pks, _c in Recorder.calls} == {"groups"}


def test_new_prices_tell_only_prices(catalog: Path) -> None:
    import_(catalog, "import.xml", "offers.xml")
    Recorder.calls.clear()
    tree = etree.parse(catalog / "offers.xml")
    values = tree.xpath("//*[local-name()='ЦенаЗаЕдиницу']")
    for value in values[:5]:
        value.text = "99999.00"
    tree.write(catalog / "offers.xml", encoding="UTF-8", xml_declaration=True)
    changed = {
        element.xpath("ancestor::*[local-name()='Предложение']/*[local-name()='Ид']")[0].text
        for element in values[:5]
    }
    import_(catalog, "offers.xml")
    assert {name for name, _pks, _c in Recorder.calls} == {"prices"}
    told = {pk for pks in called("prices") for pk in pks}
    assert told == set(Offer.objects.filter(external_id__in=changed).values_list("pk", flat=True))


def test_a_renamed_property_or_warehouse_and_a_new_currency_are_told(catalog: Path) -> None:
    """The items naming them are unchanged and passed over: the declarations are told alone."""
    import_(catalog, "import.xml", "offers.xml")
    assert not [name for name, _pks, _c in Recorder.calls if name.startswith("declared")]
    Recorder.calls.clear()
    changed: dict[str, str] = {}
    for name, path, new in (
        ("import.xml", "//*[local-name()='Свойство']/*[local-name()='Наименование']", "Новое"),
        ("offers.xml", "//*[local-name()='Склад']/*[local-name()='Наименование']", "Новый"),
        ("offers.xml", "//*[local-name()='ТипЦены']/*[local-name()='Валюта']", "USD"),
    ):
        tree = etree.parse(catalog / name)
        element = tree.xpath(path)[0]
        changed[path] = element.getparent().xpath("*[local-name()='Ид']")[0].text
        element.text = new
        tree.write(catalog / name, encoding="UTF-8", xml_declaration=True)
    import_(catalog, "import.xml", "offers.xml")
    prop, warehouse, price_type = changed.values()
    assert {name for name, _pks, _c in Recorder.calls} == {
        "groups",
        "declared Property",
        "declared Warehouse",
        "declared PriceType",
    }
    assert called("declared Property") == [[Property.objects.get(external_id=prop).pk]]
    assert called("declared Warehouse") == [[Warehouse.objects.get(external_id=warehouse).pk]]
    assert called("declared PriceType") == [[PriceType.objects.get(external_id=price_type).pk]]


def test_what_a_full_catalog_left_out_is_deactivated_then_deleted(catalog: Path) -> None:
    import_(catalog, "import.xml")
    tree = etree.parse(catalog / "import.xml")
    products = tree.xpath("//*[local-name()='Товары']/*[local-name()='Товар']")
    gone_ids = [p.xpath("*[local-name()='Ид']")[0].text for p in products[:7]]
    for product in products[:7]:
        product.getparent().remove(product)
    tree.write(catalog / "import.xml", encoding="UTF-8", xml_declaration=True)
    gone = sorted(Product.objects.filter(external_id__in=gone_ids).values_list("pk", flat=True))

    job, _result = import_(catalog, "import.xml")
    assert called("deactivate Product") == [gone]
    assert job.warning_counts["shop_hidden"] == 1

    import_(catalog, "import.xml", missing_products=MissingAction.DELETE)
    assert called("delete Product") == [gone]
    assert not Product.objects.filter(pk__in=gone).exists()


class SlowScan(ScanProcess):
    """A scan that has not answered before it is waited for: its process is stopped till then.

    As the scan of a file far larger than what is read before the failure.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def _resume(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)

    def verdict(self) -> dict[str, int]:
        self._resume()
        return super().verdict()

    def close(self) -> None:
        self._resume()
        super().close()


@pytest.mark.parametrize("scan_beside_from", [0, 1], ids=["scan first", "scan beside"])
def test_an_adapter_error_fails_the_import_and_its_batch_leaves_nothing(
    catalog: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, scan_beside_from: int
) -> None:
    # Scanned beside the reader, the batches before the failure are written before the
    # scan's verdict; the file is sound, so they stay, as after a scan first.
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = scan_beside_from
    monkeypatch.setattr(scan_stage, "ScanProcess", SlowScan)
    Recorder.fail_on = 2
    job, result = import_(catalog, "import.xml", batch_size=10)
    assert isinstance(result, Failed)
    assert Recorder.failed_uncounted is bool(scan_beside_from)
    assert "Из файла import.xml до ошибки записано: " in result.message
    assert " из 300 товаров" in result.message  # against the scan's count
    assert job.status == ImportJob.Status.FAILED
    first, second = called("products")  # it was told of the second batch, and failed
    # The first batch is in, with what the adapter wrote; the second left nothing at all.
    assert sorted(Product.objects.values_list("pk", flat=True)) == sorted(first)
    assert Product.objects.filter(description="в магазине").count() == len(first)
    assert second and not Product.objects.filter(pk__in=second).exists()


def test_offers_that_came_before_their_products_are_told_when_placed(catalog: Path) -> None:
    import_(catalog, "offers.xml")
    waiting = set(Offer.objects.filter(product__isnull=True).values_list("pk", flat=True))
    assert waiting
    Recorder.calls.clear()
    import_(catalog, "import.xml")
    placed = {pk for pks in called("offers") for pk in pks}
    assert placed == waiting
    assert {pk for pks in called("prices") for pk in pks} == waiting
    assert not Offer.objects.filter(product__isnull=True).exists()


def test_a_setting_naming_no_adapter_fails_the_import_in_russian(
    catalog: Path, settings: Any
) -> None:
    settings.CML_EXCHANGE_CATALOG_ADAPTER = "cml_exchange.orders.default.ModelOrderAdapter"
    _job, result = import_(catalog, "import.xml")
    assert isinstance(result, Failed)
    assert "CML_EXCHANGE_CATALOG_ADAPTER" in result.message
    assert "должен быть подклассом" in result.message
    assert not Product.objects.exists()


def test_an_adapter_that_needs_less_gets_less_loaded_and_still_reads_the_rest(
    catalog: Path, settings: Any
) -> None:
    settings.CML_EXCHANGE_CATALOG_ADAPTER = "tests.integration.importer.test_catalog_adapter.Frugal"
    Frugal.queries = []
    job, result = import_(catalog, "import.xml", "offers.xml")
    assert isinstance(result, Done)
    # Not loaded: each offer's prices cost the adapter a query of its own, and all are there.
    assert Frugal.queries and all(offers == used for offers, used in Frugal.queries)
    assert job.counters["frugal_prices"] == Price.objects.count()


def test_an_adapter_asking_to_load_what_cannot_be_fails_the_import_in_russian(
    catalog: Path, settings: Any
) -> None:
    settings.CML_EXCHANGE_CATALOG_ADAPTER = "tests.integration.importer.test_catalog_adapter.Greedy"
    _job, result = import_(catalog, "import.xml")
    assert isinstance(result, Failed)
    assert "CML_EXCHANGE_CATALOG_ADAPTER" in result.message
    assert "'taxes' не загружается" in result.message
    assert not Product.objects.exists()
