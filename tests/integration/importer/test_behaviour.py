"""What the importer does with what 1C sends: repeats, changes, deletions, splits, pictures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from benchmarks.generator import generate_catalog
from benchmarks.generator.pictures import TINY_JPEG
from cml_exchange import signals
from cml_exchange.importer import ImportOptions, MissingAction, StepResult, create_job
from cml_exchange.models import (
    Catalog,
    Group,
    ImportJob,
    Offer,
    Price,
    PriceType,
    Product,
    ProductImage,
    Stock,
    Warehouse,
)
from tests.integration.importer import cml_files as files
from tests.integration.importer.cml_files import Item, Lot
from tests.integration.importer.helpers import (
    assert_done,
    import_samples,
    run_to_end,
    snapshot,
    wipe,
)

pytestmark = pytest.mark.django_db

CARONO = (
    "carono__php-commerceml__tests__xml__import",
    "carono__php-commerceml__tests__xml__offers",
)


def import_texts(
    directory: Path, *named: tuple[str, str], **options: Any
) -> tuple[ImportJob, StepResult]:
    names = [files.write(directory, name, text) for name, text in named]
    job = create_job(names, base_dir=directory, options=ImportOptions(**options))
    result = run_to_end(job)
    job.refresh_from_db()
    return job, result


# -- repeats --------------------------------------------------------------------


def test_importing_the_same_files_again_changes_nothing(tmp_path):
    _, result = import_samples(tmp_path, *CARONO)
    assert_done(result)
    before = snapshot()
    updated = dict(Product.objects.values_list("external_id", "updated"))

    again, result = import_samples(tmp_path, *CARONO)
    assert_done(result)
    assert snapshot() == before
    assert dict(Product.objects.values_list("external_id", "updated")) == updated
    assert again.counters["products_unchanged"] == 2
    assert again.counters["offers_unchanged"] == 5
    assert "products_updated" not in again.counters
    assert "prices" not in again.counters


def test_without_checksums_everything_is_rewritten_to_the_same_state(tmp_path):
    import_samples(tmp_path, *CARONO)
    before = snapshot()
    again, _ = import_samples(tmp_path, *CARONO, use_checksums=False)
    assert snapshot() == before
    assert again.counters["products_updated"] == 2
    assert again.counters["prices"] == 5


# -- only changes and missing items --------------------------------------------------


def test_an_only_changes_package_touches_only_its_items(tmp_path):
    items = [Item("p1", "Чайник"), Item("p2", "Утюг"), Item("p3", "Фен")]
    import_texts(tmp_path, ("import.xml", files.catalog("cat", items)))
    untouched = dict(
        Product.objects.filter(external_id__in=["p1", "p3"]).values_list("pk", "updated")
    )

    job, result = import_texts(
        tmp_path,
        ("import.xml", files.catalog("cat", [Item("p2", "Утюг паровой")], only_changes=True)),
    )
    assert_done(result)
    assert Product.objects.get(external_id="p2").name == "Утюг паровой"
    assert (
        dict(Product.objects.filter(external_id__in=["p1", "p3"]).values_list("pk", "updated"))
        == untouched
    )
    assert Product.objects.filter(active=True).count() == 3
    assert job.full_catalogs == []


@pytest.mark.parametrize(
    ("action", "left", "active"),
    [
        (MissingAction.NOTHING, {"p1", "p2", "p3"}, {"p1", "p2", "p3"}),
        (MissingAction.DEACTIVATE, {"p1", "p2", "p3"}, {"p1", "p3"}),
        (MissingAction.DELETE, {"p1", "p3"}, {"p1", "p3"}),
    ],
)
def test_products_missing_from_a_full_exchange(tmp_path, action, left, active):
    items = [Item("p1", "Чайник", "g1"), Item("p2", "Утюг", "g1"), Item("p3", "Фен", "g2")]
    groups = [("g1", "Кухня"), ("g2", "Ванная")]
    import_texts(tmp_path / "a", ("import.xml", files.catalog("cat", items, groups=groups)))
    # Another catalog, from another base: never touched by cat's exchanges.
    import_texts(tmp_path / "b", ("import.xml", files.catalog("other", [Item("x1", "Стул")])))

    _, result = import_texts(
        tmp_path / "a",
        ("import.xml", files.catalog("cat", [items[0], items[2]], groups=groups)),
        missing_products=action,
    )
    assert_done(result)
    in_cat = Product.objects.filter(catalog__external_id="cat")
    assert set(in_cat.values_list("external_id", flat=True)) == left
    assert set(in_cat.filter(active=True).values_list("external_id", flat=True)) == active
    assert Product.objects.get(external_id="x1").active is True


@pytest.mark.parametrize(
    ("action", "left", "active"),
    [
        (MissingAction.NOTHING, {"g1", "g2"}, {"g1", "g2"}),
        (MissingAction.DEACTIVATE, {"g1", "g2"}, {"g1"}),
        (MissingAction.DELETE, {"g1"}, {"g1"}),
    ],
)
def test_groups_missing_from_a_full_classifier(tmp_path, action, left, active):
    groups = [("g1", "Кухня"), ("g2", "Ванная")]
    import_texts(tmp_path / "a", ("import.xml", files.catalog("cat", [], groups=groups)))
    import_texts(tmp_path / "b", ("import.xml", files.catalog("other", [], groups=[("o1", "Сад")])))
    import_texts(
        tmp_path / "a",
        ("import.xml", files.catalog("cat", [], groups=groups[:1])),
        missing_groups=action,
    )
    in_cat = Group.objects.filter(classifier__external_id="cat")
    assert set(in_cat.values_list("external_id", flat=True)) == left
    assert set(in_cat.filter(active=True).values_list("external_id", flat=True)) == active
    assert Group.objects.get(external_id="o1").active is True


def test_an_offers_only_exchange_leaves_the_groups_alone(tmp_path):
    """1C's "prices and stock only" exchange sends offers.xml alone.

    Its Классификатор names the classifier and lists no groups: that says
    nothing about the groups, which must stay as import.xml left them.
    """
    generate_catalog(tmp_path, 40, seed=7)
    for name in ("import.xml", "offers.xml"):
        job = create_job([name], base_dir=tmp_path)
        assert_done(run_to_end(job))
    job.refresh_from_db()
    assert Group.objects.exists()
    assert not Group.objects.filter(active=False).exists()
    assert "groups_deactivated" not in job.counters


def test_a_product_that_comes_back_is_active_again(tmp_path):
    items = [Item("p1", "Чайник"), Item("p2", "Утюг")]
    import_texts(tmp_path, ("import.xml", files.catalog("cat", items)))
    import_texts(tmp_path, ("import.xml", files.catalog("cat", items[:1])))
    assert Product.objects.get(external_id="p2").active is False
    import_texts(tmp_path, ("import.xml", files.catalog("cat", items)))
    assert Product.objects.get(external_id="p2").active is True


def test_a_deletion_mark_deactivates(tmp_path):
    import_texts(
        tmp_path, ("import.xml", files.catalog("cat", [Item("p1", "Чайник", deleted=True)]))
    )
    product = Product.objects.get(external_id="p1")
    assert (product.deleted, product.active) == (True, False)


def test_deleted_items_in_real_files_become_inactive(tmp_path):
    import_samples(tmp_path, "dobromyslov__commerceml-parser__data__import0_1", "Kremenchuk")
    assert list(Product.objects.filter(active=False).values_list("name", flat=True)) == [
        "Коврик Mini Монстера, 120x44x1.5 см"
    ]
    assert set(Offer.objects.filter(active=False).values_list("external_id", flat=True)) == {
        "5590c762-e4c0-11e2-9526-00163c2d0dbf",
        "8624e117-1c0e-11e6-a730-005056004a1d",
    }


# -- split packages and references ---------------------------------------------------------

GILLBEITS = [
    "gillbeits__commerceml__example__import___",
    "gillbeits__commerceml__example__offers___",
    "gillbeits__commerceml__example__prices___",
    "gillbeits__commerceml__example__rests___",
]


def test_a_split_package_in_any_order_gives_the_same_result(tmp_path):
    # Which element wrote an offer last differs, and so does the digest kept of it.
    written_last = frozenset({"Offer.source_digest"})
    import_samples(tmp_path / "one", *GILLBEITS)
    in_order = snapshot(written_last)
    wipe()
    _, result = import_samples(tmp_path / "two", *reversed(GILLBEITS))
    assert_done(result)
    assert snapshot(written_last) == in_order
    # Each of the 978 offers has its name, its one price and its one stock row.
    assert Offer.objects.exclude(name="").count() == 978
    assert Price.objects.count() == Stock.objects.count() == 978
    assert PriceType.objects.get().name == "Типовое соглашение Интернет-МХТ"
    assert Warehouse.objects.get().name == "Оптовый"


def test_prices_and_rests_files_do_not_erase_each_other(tmp_path):
    import_samples(tmp_path, *GILLBEITS)
    offer = Offer.objects.get(external_id="26b0dc1e-4d66-11e4-99fe-003048c64779")
    assert offer.prices.get().value == Decimal("181")
    assert offer.stock.get().quantity == Decimal("1")
    assert offer.quantity == Decimal("1")  # no Количество in rests___: the warehouses' sum


def test_offers_before_their_products_are_linked_when_the_products_come(tmp_path):
    job, _ = import_texts(
        tmp_path,
        ("offers.xml", files.offers("cat", [Lot("p1#red"), Lot("p1#blue"), Lot("p2")])),
        ("import.xml", files.catalog("cat", [Item("p1", "Чайник"), Item("p2", "Утюг")])),
    )
    assert not Offer.objects.filter(product__isnull=True).exists()
    assert {o.external_id: o.product.external_id for o in Offer.objects.all()} == {
        "p1#red": "p1",
        "p1#blue": "p1",
        "p2": "p2",
    }
    assert job.warning_counts["unknown_product"] == 2  # told at the time, linked later


def test_characteristics_in_the_catalog_link_offers_to_the_exact_item(tmp_path):
    import_samples(
        tmp_path,
        "iMega__commerceml2teleport__parser__fixture__import",
        "iMega__commerceml2teleport__parser__fixture__offer",
    )
    for offer in Offer.objects.all():
        assert offer.product.external_id == offer.external_id


def test_dangling_references_are_warnings(tmp_path):
    job, result = import_samples(
        tmp_path,
        "sukhikh18__woocommerce-ml__tests__fixtures__import0_1",
        "sukhikh18__woocommerce-ml__tests__fixtures__offers0_1",
    )
    assert_done(result)
    assert job.warning_counts == {
        "unknown_group": 1,
        "unknown_property": 1,
        "unknown_warehouse": 1,
        "reconciliation": 1,  # the references kept until the group and property come
    }
    assert "ссылок на группы и свойства, которых на сайте пока нет, 4" in result.message
    placeholder = Warehouse.objects.get(declared=False)
    assert placeholder.stock.count() == 2


def test_a_group_tree_has_paths_for_subtree_queries(tmp_path):
    import_samples(tmp_path, "Dialdev__Santechtula__upload__1c_catalog__import")
    for group in Group.objects.select_related("parent"):
        expected = f"{group.parent.path if group.parent else '/'}{group.pk}/"
        assert group.path == expected
        assert group.depth == (group.parent.depth + 1 if group.parent else 0)
    baths = Group.objects.get(external_id="894f0cbe-9700-0840-0000-4544")
    subtree = Group.objects.filter(path__startswith=baths.path)
    assert subtree.count() > 1
    assert Product.objects.filter(groups__in=subtree).distinct().count() > 0


def test_slugs_are_transliterated_and_unique(tmp_path):
    items = [Item("p1", "Чайник электрический"), Item("p2", "Чайник электрический")]
    import_texts(tmp_path, ("import.xml", files.catalog("cat", items)))
    first, second = Product.objects.order_by("external_id")
    assert first.slug == "chaynik_elektricheskiy"
    assert second.slug.startswith("chaynik_elektricheskiy_") and second.slug != first.slug


# -- pictures ------------------------------------------------------------------------------

JPEG = TINY_JPEG  # a real picture: what is not one is refused


def test_pictures_go_through_the_storage_with_captions(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "exchange"
    (directory / "import_files" / "ab").mkdir(parents=True)
    (directory / "import_files" / "ab" / "one.jpg").write_bytes(JPEG)
    (directory / "import_files" / "ab" / "two.jpg").write_bytes(JPEG + b"2")
    items = [
        Item("p1", "Чайник", pictures=["import_files/ab/one.jpg", "import_files/ab/two.jpg"]),
        Item("p2", "Утюг", pictures=["import_files/ab/one.jpg", "import_files/ab/gone.jpg"]),
    ]
    job, result = import_texts(directory, ("import.xml", files.catalog("cat", items)))
    assert_done(result)
    p1 = Product.objects.get(external_id="p1")
    assert [image.source_path for image in p1.images.all()] == [
        "import_files/ab/one.jpg",
        "import_files/ab/two.jpg",
    ]
    stored = p1.images.first().file
    assert default_storage.exists(stored.name)
    assert default_storage.open(stored.name).read() == JPEG
    # The same picture on two products is stored once.
    assert Product.objects.get(external_id="p2").images.get().file.name == stored.name
    assert job.warning_counts["image_missing"] == 1
    assert ProductImage.objects.count() == 3


def test_captions_from_the_file_description_requisite(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "exchange"
    job, _ = import_samples(tmp_path, "irpsv__commerceml__tests__assets__umi-cms__import")
    assert job.warning_counts["image_missing"] == 3
    for image_path in (
        "import_files/bd/bd72d92755bc11d9848a00112f43529a_80a7832b39c811e0a35a000b0d4caf68.jpg",
    ):
        target = directory / image_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(JPEG)
    import_samples(
        tmp_path, "irpsv__commerceml__tests__assets__umi-cms__import", use_checksums=False
    )
    image = ProductImage.objects.get()
    assert image.caption == "Изображение"
    assert image.product.name == "Комбайн кухонный BINATONE FP 67"


# -- signals ---------------------------------------------------------------------------------


def test_signals_name_what_was_saved(tmp_path):
    seen: dict[str, list] = {"started": [], "products": [], "offers": [], "finished": []}

    def on_started(job, **kwargs):
        seen["started"].append(job.pk)

    def on_products(job, catalog_id, product_ids, unchanged_ids, **kwargs):
        seen["products"].append((catalog_id, product_ids, unchanged_ids))

    def on_offers(job, catalog_id, offer_ids, **kwargs):
        seen["offers"].append((catalog_id, offer_ids))

    def on_finished(job, summary, **kwargs):
        seen["finished"].append(summary["products_created"])

    receivers = [
        (signals.import_started, on_started),
        (signals.products_saved, on_products),
        (signals.offers_saved, on_offers),
        (signals.import_finished, on_finished),
    ]
    for signal, receiver in receivers:
        signal.connect(receiver)
    try:
        job, _ = import_samples(tmp_path, *CARONO)
    finally:
        for signal, receiver in receivers:
            signal.disconnect(receiver)
    catalog = Catalog.objects.get().pk
    assert seen["started"] == [job.pk]
    assert seen["products"] == [(catalog, sorted(Product.objects.values_list("pk", flat=True)), [])]
    assert seen["offers"] == [(catalog, sorted(Offer.objects.values_list("pk", flat=True)))]
    assert seen["finished"] == [2]
