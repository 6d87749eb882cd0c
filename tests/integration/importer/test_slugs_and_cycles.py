"""Slugs never block an import, and groups never form a cycle (issue 12, items 1 and 6).

The files are hand-made, in ``tests/data/cases/slugs/`` (its README says what each shows).
Slugs are given as if the file's items were imported one at a time, in the file's order: an
item renamed in 1C gives up its old slug when its turn comes, and an item that wants a slug
still in use gets a suffix made from its 1C id. So one file gives the same slugs however it is
cut into batches and steps, and two imports at once never fail on a slug.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from cml_exchange.importer import ImportOptions, create_job, sql
from cml_exchange.importer.loaders import groups as groups_loader
from cml_exchange.importer.results import StepResult
from cml_exchange.importer.slugs import disambiguated
from cml_exchange.models import Group, ImportJob, Product
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

CASES = DATA_DIR / "cases" / "slugs"


def copy_cases(tmp_path: Path, *names: str) -> Path:
    directory = tmp_path / "exchange"
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(CASES / name, directory / name)
    return directory


def import_case(tmp_path: Path, name: str, **options: Any) -> tuple[ImportJob, StepResult]:
    """Import one file of the cases, a step per batch (as 1C's repeated calls do)."""
    directory = copy_cases(tmp_path, name)
    job = create_job([name], base_dir=directory, options=ImportOptions(**options))
    result = run_to_end(job, budget=1e-9)
    job.refresh_from_db()
    return job, result


def run_at_once(jobs: Sequence[ImportJob]) -> None:
    """Run the jobs to their end, each in a thread of its own; each must end done."""
    results: list[StepResult | BaseException | None] = [None] * len(jobs)

    def work(index: int) -> None:
        try:
            results[index] = run_to_end(jobs[index])
        except BaseException as error:  # reported by the assertion below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        assert_done(result)  # type: ignore[arg-type]


def product_slugs() -> dict[str, str]:
    return dict(Product.objects.values_list("external_id", "slug"))


def group_slugs() -> dict[str, str]:
    return dict(Group.objects.values_list("external_id", "slug"))


def assert_tree_consistent() -> None:
    """Every group's path is its parent's path and its own pk; depth counts its ancestors.

    A cycle cannot meet this (A's path would be longer than B's and B's longer than A's).
    """
    rows = {row.pk: row for row in Group.objects.all()}
    for row in rows.values():
        parent = rows.get(row.parent_id) if row.parent_id else None
        assert row.path == f"{parent.path if parent else '/'}{row.pk}/", row.external_id
        assert row.depth == (parent.depth + 1 if parent else 0), row.external_id


def parent_of(external_id: str) -> str | None:
    parent = Group.objects.get(external_id=external_id).parent
    return parent.external_id if parent else None


# -- item 1: slugs ----------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1000, 1])
def test_a_new_item_listed_before_the_renamed_one_whose_name_it_takes(
    tmp_path: Path, batch_size: int
) -> None:
    assert_done(import_case(tmp_path, "first.xml")[1])
    assert product_slugs() == {"a": "chaynik", "c": "utyug"}

    _, result = import_case(tmp_path, "new_item_takes_old_name.xml", batch_size=batch_size)

    assert_done(result)
    # b comes first, while a still has "chaynik"; a then takes its new name's slug.
    expected_products = {
        "b": disambiguated("chaynik", "b"),
        "a": "chaynik_staryy",
        "c": "utyug",  # not renamed: keeps its slug
    }
    expected_groups = {
        "g2": disambiguated("posuda", "g2"),
        "g1": "posuda_staraya",
        "g3": "tekhnika",
    }
    assert product_slugs() == expected_products
    assert group_slugs() == expected_groups

    # The same file again (or resumed from any batch) gives the same slugs.
    assert_done(import_case(tmp_path, "new_item_takes_old_name.xml", use_checksums=False)[1])
    assert product_slugs() == expected_products
    assert group_slugs() == expected_groups


def test_items_that_swap_names_swap_slugs_without_a_conflict(tmp_path: Path) -> None:
    assert_done(import_case(tmp_path, "first.xml")[1])
    assert group_slugs() == {"g1": "posuda", "g3": "tekhnika"}

    assert_done(import_case(tmp_path, "names_swapped.xml")[1])

    # a, first, wants "utyug" while c still has it; c then gets "chaynik", which a gave up.
    assert product_slugs() == {"a": disambiguated("utyug", "a"), "c": "chaynik"}
    assert group_slugs() == {"g1": disambiguated("tekhnika", "g1"), "g3": "posuda"}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["groups", "products"])
@pytest.mark.parametrize(
    "interleaved",
    [False, True],
    ids=["one-after-the-other", "interleaved"],
)
def test_two_imports_at_once_with_the_same_names_both_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, interleaved: bool
) -> None:
    """Both imports choose their slugs before either writes them.

    The files list the same names in other orders. One after the other:
    the second writer waits for the first one's commit, then finds its slugs
    taken. Interleaved (each writes its first row, then the rest): each waits
    for a slug the other wrote, and PostgreSQL stops one as a deadlock. The
    one that lost must choose again, not fail.
    """
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    names = [f"concurrent_{kind}_{n}.xml" for n in (1, 2)]
    directory = copy_cases(tmp_path, *names)
    jobs = [create_job([name], base_dir=directory) for name in names]

    # Hold each import at its first write of slugs until both are there.
    barrier = threading.Barrier(2)
    held = threading.local()
    model = Group if kind == "groups" else Product

    def holding(write: Callable[..., Any]) -> Callable[..., Any]:
        def write_held(target: Any, rows: Sequence[Any], **kwargs: Any) -> Any:
            if target is not model or getattr(held, "done", False) or not rows:
                return write(target, rows, **kwargs)
            held.done = True
            first = write(target, rows[:1], **kwargs) if interleaved else None
            barrier.wait(timeout=30)
            rest = write(target, rows[1:] if interleaved else rows, **kwargs)
            return [*first, *rest] if isinstance(rest, list) and first is not None else rest

        return write_held

    monkeypatch.setattr(sql, "upsert_rows", holding(sql.upsert_rows))
    monkeypatch.setattr(groups_loader, "upsert", holding(groups_loader.upsert))

    run_at_once(jobs)

    slugs = group_slugs() if kind == "groups" else product_slugs()
    assert len(set(slugs.values())) == 6
    for bare in (
        ("posuda", "tekhnika", "mebel") if kind == "groups" else ("chaynik", "utyug", "stul")
    ):
        owners = [xid for xid, slug in slugs.items() if slug.startswith(bare)]
        # One import got the name's slug, the other's item the suffix of its own 1C id.
        assert sorted(slugs[owner] for owner in owners) in (
            sorted([bare, disambiguated(bare, owners[0])]),
            sorted([bare, disambiguated(bare, owners[1])]),
        )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_of_the_same_new_products_both_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both find the same products new in the same catalog, then both write them.

    The one that writes second waits for the other's rows, and meets them once
    they are committed: its rows, copied as new, are written again as an upsert
    (with the same slugs), and both imports end done, with each product once.
    """
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    name = "concurrent_products_1.xml"
    # A batch an item. The first batch updates the catalog's row, which the other import
    # waits for: the imports meet at the second, as at any later batch of a large file.
    options = ImportOptions(batch_size=1)
    jobs = [
        create_job([name], base_dir=copy_cases(tmp_path / str(n), name), options=options)
        for n in (1, 2)
    ]

    barrier = threading.Barrier(2)
    held = threading.local()
    upsert_rows = sql.upsert_rows

    def write_held(target: Any, rows: Sequence[Any], **kwargs: Any) -> Any:
        second = any(row["external_id"] == "p1-2" for row in rows)
        if target is Product and second and not getattr(held, "done", False):
            held.done = True
            barrier.wait(timeout=30)  # both have found the product unstored
        return upsert_rows(target, rows, **kwargs)

    monkeypatch.setattr(sql, "upsert_rows", write_held)
    run_at_once(jobs)
    slugs = product_slugs()
    assert Product.objects.count() == len(slugs)
    assert len(set(slugs.values())) == len(slugs)


# -- item 6: group cycles ---------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1000, 1])
def test_a_group_repeated_inside_its_own_subtree_is_not_moved_into_it(
    tmp_path: Path, batch_size: int
) -> None:
    job, result = import_case(tmp_path, "group_in_own_subtree.xml", batch_size=batch_size)

    assert_done(result)
    assert job.warning_counts.get("group_cycle") == 2
    cycle_messages = [w["message"] for w in job.warnings if w["code"] == "group_cycle"]
    assert sorted(cycle_messages) == [
        "Группа A не перенесена в группу B: та находится внутри группы A. "
        "Группа оставлена на прежнем месте.",
        "Группа D вложена сама в себя; вложение пропущено, группа оставлена на прежнем месте.",
    ]
    # The first place the file gave each group stands; C, inside the repeated A, is in A.
    assert {xid: parent_of(xid) for xid in "ABCD"} == {"A": None, "B": "A", "C": "A", "D": None}
    assert_tree_consistent()


def test_paths_follow_two_moves_in_one_branch(tmp_path: Path) -> None:
    assert_done(import_case(tmp_path, "tree.xml")[1])

    _, result = import_case(tmp_path, "tree_moves.xml")

    assert_done(result)
    assert {xid: parent_of(xid) for xid in "ABCXY"} == {
        "A": "X",
        "B": "Y",
        "C": "B",
        "X": None,
        "Y": None,
    }
    assert_tree_consistent()
    c = Group.objects.get(external_id="C")
    # A subtree query finds C under Y, where B now is, and not under X.
    assert c in Group.objects.filter(path__startswith=Group.objects.get(external_id="Y").path)
    assert c not in Group.objects.filter(path__startswith=Group.objects.get(external_id="X").path)


def test_an_item_of_another_catalog_with_the_same_id_keeps_its_slug(tmp_path: Path) -> None:
    """The batch's own rows give their slugs up; a row of the same 1C id elsewhere does not."""
    from tests.integration.importer.passed_files import catalog_xml, import_files

    first = catalog_xml("p1=Чайник", "p2=Утюг")
    import_files(tmp_path / "1", {"import.xml": first})
    second = first.replace("<Ид>cat</Ид>", "<Ид>cat2</Ид>").replace("Утюг", "Чайник")
    import_files(tmp_path / "2", {"import.xml": second})
    slugs = {
        (catalog, xid): slug
        for catalog, xid, slug in Product.objects.values_list(
            "catalog__external_id", "external_id", "slug"
        )
    }
    assert slugs[("cat", "p1")] == "chaynik"
    assert slugs[("cat", "p2")] == "utyug"
    assert slugs[("cat2", "p1")] == disambiguated("chaynik", "p1")
    assert slugs[("cat2", "p2")] == disambiguated("chaynik", "p2")
    assert len(set(slugs.values())) == 4
