"""The catalog options of the exchange settings, each shown changing what an import does.

The pictures' options are in ``test_picture_options.py``. Options proven elsewhere:
``use_checksums`` by ``test_behaviour.py::test_importing_the_same_files_again_changes_nothing``
(on) and ``::test_without_checksums_everything_is_rewritten_to_the_same_state`` (off);
``missing_products`` by ``::test_products_missing_from_a_full_exchange`` and
``missing_groups`` by ``::test_groups_missing_from_a_full_classifier`` (each with
nothing, deactivate and delete).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cml_exchange.importer import ImportOptions, MissingAction, Progress, create_job, run
from cml_exchange.models import Classifier, ExchangeSettings, Group, ImportJob, Product
from tests.integration.importer import cml_files as files
from tests.integration.importer.helpers import (
    assert_done,
    exchange_dir,
    import_samples,
    run_to_end,
    snapshot,
    wipe,
)

pytestmark = pytest.mark.django_db

CARONO = "carono__php-commerceml__tests__xml__import"
BOOTS = "bd72d910-55bc-11d9-848a-00112f43529a"  # Женские ботфорты коричневые
KIDS = "04971895-4398-11e2-ae4d-bcaec5741d46"  # the group Одежда для детей
DOBROMYSLOV = "dobromyslov__commerceml-parser__data__import0_1"  # 36 products in 1 group
DOBROMYSLOV_ROOT = "82cfb8dc-18f9-11e7-80c2-0cc47ab29cd1"
DENIS = "Denis-777__test__import5"  # Ведра и крышки > Украина, Импорт; products in those two
GILLBEITS = "gillbeits__commerceml__example__import___"  # 97 groups under one, only changes
GILLBEITS_ROOT = "28c7d774-26cf-11e4-a628-003048c64779"


def import_file(directory: Path, name: str, text: str, **options: Any) -> ImportJob:
    files.write(directory, name, text)
    job = create_job([name], base_dir=directory, options=ImportOptions(**options))
    assert_done(run_to_end(job))
    job.refresh_from_db()
    return job


def group_names(**filters: Any) -> set[str]:
    return set(Group.objects.filter(**filters).values_list("name", flat=True))


def groups_of(product_id: str) -> list[str]:
    product = Product.objects.get(external_id=product_id)
    return [link.group.external_id for link in product.group_links.order_by("position")]


# -- the settings row -------------------------------------------------------------------------


def test_the_settings_row_gives_the_importer_bitrix_defaults():
    options = ImportOptions.from_settings(ExchangeSettings.load())
    assert options == ImportOptions(
        use_checksums=True,
        missing_products=MissingAction.DEACTIVATE,
        missing_groups=MissingAction.DEACTIVATE,
        slug_on_add=True,
        slug_on_update=True,
        slug_replace_char="_",
        skip_root_group=False,
        generate_preview=True,
        preview_width=100,
        preview_height=100,
        resize_detail=True,
        detail_width=300,
        detail_height=300,
    )


def test_the_settings_row_passes_every_catalog_option_on():
    ExchangeSettings.load()
    changed = {
        "use_checksums": False,
        "missing_products": "delete",
        "missing_groups": "nothing",
        "slug_on_add": False,
        "slug_on_update": False,
        "slug_replace_char": "-",
        "skip_root_group": True,
        "generate_preview": False,
        "preview_width": 64,
        "preview_height": 48,
        "resize_detail": False,
        "detail_width": 800,
        "detail_height": 600,
    }
    ExchangeSettings.objects.update(**changed)
    options = ImportOptions.from_settings(ExchangeSettings.load())
    assert {name: getattr(options, name) for name in changed} == changed
    # A job keeps them, so a resumed job finishes as it started.
    assert ImportOptions.from_json(options.to_json()) == options


# -- skip_root_group (SKIP_ROOT_SECTION) ---------------------------------------------------------


def test_the_only_top_level_group_is_imported_by_default(tmp_path):
    import_samples(tmp_path, DOBROMYSLOV)
    assert Group.objects.get().external_id == DOBROMYSLOV_ROOT
    assert Product.objects.filter(groups__external_id=DOBROMYSLOV_ROOT).count() == 36
    assert Classifier.objects.get().skipped_root == ""


def test_skip_root_group_leaves_out_the_only_group_and_its_products_lose_it(tmp_path):
    job, result = import_samples(tmp_path, DOBROMYSLOV, skip_root_group=True)
    assert_done(result)
    assert not Group.objects.exists()
    assert Product.objects.count() == 36
    assert not Product.objects.filter(groups__isnull=False).exists()
    assert "unknown_group" not in job.warning_counts  # left out on purpose: no warning
    assert job.counters["groups_skipped"] == 1
    assert Classifier.objects.get().skipped_root == DOBROMYSLOV_ROOT


def test_skip_root_group_makes_the_subgroups_top_level(tmp_path):
    import_samples(tmp_path, DENIS)
    assert group_names(parent__isnull=True) == {"Ведра и крышки"}
    wipe()

    import_samples(tmp_path, DENIS, skip_root_group=True)
    assert group_names() == {"Украина", "Импорт"}
    for group in Group.objects.all():
        assert (group.parent_id, group.depth, group.path) == (None, 0, f"/{group.pk}/")
    assert Product.objects.filter(groups__name="Украина").count() == 25
    assert Product.objects.filter(groups__name="Импорт").count() == 2


def test_skip_root_group_keeps_a_top_level_of_several_groups(tmp_path):
    import_samples(tmp_path, CARONO)
    with_option_off = snapshot()
    wipe()
    job, _ = import_samples(tmp_path, CARONO, skip_root_group=True)
    assert snapshot() == with_option_off
    assert Group.objects.filter(parent__isnull=True).count() == 7
    assert "groups_skipped" not in job.counters


def test_skip_root_group_across_many_steps_ends_as_in_one_go(tmp_path):
    """A split package's classifier (only changes) whose 97 groups span ten batches and steps."""
    import_samples(tmp_path / "one", GILLBEITS, skip_root_group=True)
    in_one_go = snapshot()
    wipe()

    directory, names = exchange_dir(tmp_path / "steps", GILLBEITS)
    options = ImportOptions(skip_root_group=True, batch_size=10)
    job = create_job(names, base_dir=directory, options=options)
    steps = 0
    while isinstance(result := run(job, budget=1e-9), Progress):
        steps += 1
    assert_done(result)
    assert steps > 10 + 190  # every batch of groups and of properties was a step of its own
    assert snapshot() == in_one_go
    assert Group.objects.count() == 96
    assert not Group.objects.filter(external_id=GILLBEITS_ROOT).exists()
    assert Group.objects.filter(parent__isnull=True).count() == 9  # the root's children
    assert Classifier.objects.get().skipped_root == GILLBEITS_ROOT


def _classifier(groups: str, *, only_changes: bool = False) -> str:
    return (
        f"{files.HEAD}{files.ROOT}"
        f'<Классификатор СодержитТолькоИзменения="{files.flag(only_changes)}">'
        f"<Ид>cls</Ид><Наименование>Классификатор</Наименование><Группы>{groups}</Группы>"
        f"</Классификатор>{files.END}"
    )


def _group(group_id: str, name: str, *children: str) -> str:
    nested = f"<Группы>{''.join(children)}</Группы>" if children else ""
    return f"<Группа><Ид>{group_id}</Ид><Наименование>{name}</Наименование>{nested}</Группа>"


def _goods(*products: tuple[str, list[str]]) -> str:
    """A package of products only: a catalog with only changes, no classifier in the file."""
    rows = "".join(
        f"<Товар><Ид>{pid}</Ид><Наименование>Товар {pid}</Наименование><Группы>"
        + "".join(f"<Ид>{gid}</Ид>" for gid in groups)
        + "</Группы></Товар>"
        for pid, groups in products
    )
    return (
        f"{files.HEAD}{files.ROOT}"
        '<Каталог СодержитТолькоИзменения="true"><Ид>cat</Ид>'
        "<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование>"
        f"<Товары>{rows}</Товары></Каталог>{files.END}"
    )


TREE = _group(
    "root",
    "Все товары",
    _group("kitchen", "Кухня"),
    _group("bath", "Ванная", _group("towels", "Полотенца")),
)
GOODS = _goods(("p1", ["root"]), ("p2", ["root", "kitchen"]), ("p3", ["towels"]))


def test_skip_root_group_holds_for_products_in_a_later_file_and_can_be_undone(tmp_path):
    """The classifier and the products come in two files, each imported by a job of its own."""
    import_file(tmp_path, "import___1.xml", _classifier(TREE), skip_root_group=True)
    job = import_file(tmp_path, "import___2.xml", GOODS, skip_root_group=True)
    assert group_names(parent__isnull=True) == {"Кухня", "Ванная"}
    assert Group.objects.get(external_id="towels").parent.external_id == "bath"
    assert (groups_of("p1"), groups_of("p2"), groups_of("p3")) == ([], ["kitchen"], ["towels"])
    assert "unknown_group" not in job.warning_counts

    # The option turned off: the root is imported again and holds the others.
    import_file(tmp_path, "import___1.xml", _classifier(TREE))
    import_file(tmp_path, "import___2.xml", GOODS, use_checksums=False)
    assert group_names(parent__isnull=True) == {"Все товары"}
    assert group_names(parent__external_id="root") == {"Кухня", "Ванная"}
    assert Group.objects.get(external_id="towels").depth == 2
    assert groups_of("p1") == ["root"] and groups_of("p2") == ["root", "kitchen"]
    assert Classifier.objects.get().skipped_root == ""


def test_a_classifier_with_only_changes_keeps_its_one_branch_among_others(tmp_path):
    two_tops = _group("kitchen", "Кухня") + _group("bath", "Ванная")
    import_file(tmp_path, "import.xml", _classifier(two_tops), skip_root_group=True)
    # Only the branch that changed: one top-level group, but not the only one the shop has.
    changed = _group("bath", "Ванная комната", _group("towels", "Полотенца"))
    job = import_file(
        tmp_path, "import.xml", _classifier(changed, only_changes=True), skip_root_group=True
    )
    assert group_names(parent__isnull=True) == {"Кухня", "Ванная комната"}
    assert Group.objects.get(external_id="towels").parent.external_id == "bath"
    assert "groups_skipped" not in job.counters
    # The same branch once the shop had only it: its root, left out.
    wipe()
    job = import_file(
        tmp_path, "import.xml", _classifier(changed, only_changes=True), skip_root_group=True
    )
    assert group_names() == {"Полотенца"}
    assert job.counters["groups_skipped"] == 1


# -- slugs (TRANSLIT_ON_ADD, TRANSLIT_ON_UPDATE, TRANSLIT_REPLACE_CHAR) ---------------------------


@pytest.mark.parametrize(
    ("slug_on_add", "slug", "group_slug"),
    [
        (True, "zhenskie_botforty_korichnevye", "odezhda_dlya_detey"),
        (False, "item_bd72d910_55bc_11d9_848a_00112f43529a", f"group_{KIDS.replace('-', '_')}"),
    ],
)
def test_slug_on_add(tmp_path, slug_on_add, slug, group_slug):
    import_samples(tmp_path, CARONO, slug_on_add=slug_on_add)
    assert Product.objects.get(external_id=BOOTS).slug == slug
    assert Group.objects.get(external_id=KIDS).slug == group_slug  # from the 1C id


@pytest.mark.parametrize(
    ("slug_on_update", "product_slug", "group_slug"),
    [
        (True, "zhenskie_sapogi_chyernye", "detskaya_odezhda"),
        (False, "zhenskie_botforty_korichnevye", "odezhda_dlya_detey"),
    ],
)
def test_slug_on_update(tmp_path, slug_on_update, product_slug, group_slug):
    import_samples(tmp_path, CARONO)
    directory, (name,) = exchange_dir(tmp_path, CARONO)
    text = (directory / name).read_text(encoding="utf-8-sig")
    renamed = text.replace("Женские ботфорты коричневые", "Женские сапоги чёрные").replace(
        "Одежда для детей", "Детская одежда"
    )
    assert renamed != text
    (directory / name).write_text(renamed, encoding="utf-8")
    job = create_job(
        [name], base_dir=directory, options=ImportOptions(slug_on_update=slug_on_update)
    )
    assert_done(run_to_end(job))
    boots = Product.objects.get(external_id=BOOTS)
    assert (boots.name, boots.slug) == ("Женские сапоги чёрные", product_slug)
    kids = Group.objects.get(external_id=KIDS)
    assert (kids.name, kids.slug) == ("Детская одежда", group_slug)


@pytest.mark.parametrize(
    ("replace_char", "product_slug", "group_slug"),
    [
        ("_", "zhenskie_botforty_korichnevye", "odezhda_dlya_detey"),
        ("-", "zhenskie-botforty-korichnevye", "odezhda-dlya-detey"),
    ],
)
def test_slug_replace_char(tmp_path, replace_char, product_slug, group_slug):
    import_samples(tmp_path, CARONO, slug_replace_char=replace_char)
    assert Product.objects.get(external_id=BOOTS).slug == product_slug
    assert Group.objects.get(external_id=KIDS).slug == group_slug
