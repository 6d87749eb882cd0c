"""References still waiting are told of once per item and file, by the files that name them.

A product or offer that names a group or property 1C has not declared waits for it
(a ``PendingReference``). The reconciliation tells of what waits (``references_waiting``)
at every exchange: but only in the files whose elements name groups and values (not a
split package's prices or rests), and an item once a file, however often it holds it
(unless its copies fall in two steps).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.models import PendingReference
from tests.cml31 import CML31, catalog_files
from tests.integration.importer import cml_files
from tests.integration.importer.cml_files import Item, Lot
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.integration.importer.passed_files import SPLIT as SPLIT_PACKAGE
from tests.integration.importer.passed_files import import_files

pytestmark = pytest.mark.django_db

#: A split package without its groups and properties: the goods and offers wait.
SPLIT = [
    path.name
    for path in catalog_files()
    if path.name.startswith(("priceLists", "storages", "goods", "offers", "prices", "rests"))
]


def waiting_by_file(files: Sequence[str], base_dir: Path) -> dict[str, int]:
    """Each file in a job of its own, as the protocol imports them: what each says waits."""
    told = {}
    for name in files:
        job = create_job([name], base_dir=base_dir, options=ImportOptions())
        assert_done(run_to_end(job))
        job.refresh_from_db()
        told[name.split("_")[0] + name.split("_")[2]] = job.counters.get("references_waiting", 0)
    return told


def test_a_split_packages_prices_and_rests_do_not_tell_of_the_offers_values(
    tmp_path: Path,
) -> None:
    first = waiting_by_file(SPLIT, CML31)
    assert sum(first.values()) == PendingReference.objects.count() == 72
    assert first == {
        "priceLists1": 0,
        "storages1": 0,
        "goods1": 30,
        "goods2": 30,
        "offers1": 12,
        "prices1": 0,
        "rests1": 0,
        "rests2": 0,
    }
    assert waiting_by_file(SPLIT, CML31) == first  # the same files: passed over
    for name in SPLIT:
        (tmp_path / name).write_bytes((CML31 / name).read_bytes() + b"<!-- again -->")
    assert waiting_by_file(SPLIT, tmp_path) == first  # read, their items passed over


def test_the_split_package_in_one_job_counts_each_reference_once() -> None:
    job = create_job(SPLIT, base_dir=CML31, options=ImportOptions())
    assert_done(run_to_end(job))
    job.refresh_from_db()
    assert job.counters["references_waiting"] == PendingReference.objects.count() == 72


def offers_naming_a_colour(name: str, *, values: bool) -> str:
    """Two offers named ``name``…, with a value of ``color``, a property never declared."""
    text = cml_files.offers("B", [Lot("p1"), Lot("p2")])
    named = (
        "<ЗначенияСвойств><ЗначенияСвойства><Ид>color</Ид><Значение>red</Значение>"
        "</ЗначенияСвойства></ЗначенияСвойств>"
    )
    for lot in ("p1", "p2"):
        text = text.replace(
            f"<Ид>{lot}</Ид><Наименование>{lot}</Наименование>",
            f"<Ид>{lot}</Ид><Наименование>{name} {lot}</Наименование>" + (named if values else ""),
        )
    return text


def import_(directory: Path, name: str, text: str, batch_size: int = 1000) -> dict[str, int]:
    cml_files.write(directory, name, text)
    job = create_job([name], base_dir=directory, options=ImportOptions(batch_size=batch_size))
    return assert_done(run_to_end(job)).summary


def test_an_offer_renamed_without_its_values_still_tells_what_they_wait_for(
    tmp_path: Path,
) -> None:
    """An offer element without values keeps the offer's: they, and what they wait for, stay."""
    import_(tmp_path, "import.xml", cml_files.catalog("B", [Item("p1", "a"), Item("p2", "b")]))
    first = import_(tmp_path, "offers.xml", offers_naming_a_colour("Чайник", values=True))
    assert first["references_waiting"] == PendingReference.objects.count() == 2

    renamed = import_(tmp_path, "offers.xml", offers_naming_a_colour("Утюг", values=False))

    assert renamed["offers_updated"] == 2
    assert renamed["references_waiting"] == PendingReference.objects.count() == 2


@pytest.mark.parametrize("second", ["a", "a, renamed"], ids=["the same", "written again"])
def test_a_product_sent_twice_in_a_file_is_told_of_once(tmp_path: Path, second: str) -> None:
    """Twice in one file, in two batches of a step: one row waits, one is told of, every time.

    (In two steps, it is told of twice: what a file told is not kept between steps.)
    """
    items = [Item("p1", "a", group="g9"), Item("p2", "b"), Item("p3", "c")]
    text = cml_files.catalog("B", [*items, Item("p1", second, group="g9")])

    first = import_(tmp_path, "import.xml", text, batch_size=2)
    again = import_(tmp_path, "import.xml", text + "<!-- again -->", batch_size=2)

    assert PendingReference.objects.count() == 1
    assert first["references_waiting"] == again["references_waiting"] == 1


@pytest.mark.parametrize("budget", [None, 1e-9], ids=["one step", "a step a batch"])
def test_each_file_naming_a_waiting_product_tells_of_it(
    tmp_path: Path, budget: float | None
) -> None:
    """Two files of one job name the same product, which waits for its group: both say so."""
    first = cml_files.catalog("B", [Item("p1", "a", group="g9"), Item("p2", "b")])
    second = cml_files.catalog("B", [Item("p1", "a", group="g9"), Item("p3", "c")])
    for name, text in (("a.xml", first), ("b.xml", second)):
        cml_files.write(tmp_path, name, text)

    for _exchange in ("first", "again"):
        job = create_job(["a.xml", "b.xml"], base_dir=tmp_path, options=ImportOptions())
        assert_done(run_to_end(job, budget))
        job.refresh_from_db()
        told = [note for note in job.state["notes"] if "пока нет" in note]
        assert [note.split(":")[0] for note in told] == ["Сверка файла a.xml", "Сверка файла b.xml"]
        assert job.counters["references_waiting"] == 2


def test_a_split_package_whose_offer_waits_for_a_value_is_passed_over_and_told_of(
    tmp_path: Path,
) -> None:
    """Every file is passed over unread; the offers' file, which names the value, tells of it."""
    files = dict(SPLIT_PACKAGE)
    files["offers.xml"] = files["offers.xml"].replace(
        "<Ид>p1</Ид><Наименование>p1</Наименование>",
        "<Ид>p1</Ид><Наименование>p1</Наименование><ЗначенияСвойств><ЗначенияСвойства>"
        "<Ид>color</Ид><Значение>red</Значение></ЗначенияСвойства></ЗначенияСвойств>",
    )
    import_files(tmp_path / "1", files)
    assert PendingReference.objects.count() == 1

    again = import_files(tmp_path / "2", files)

    assert again.counters["items_passed"] == 12  # the products, the offers, prices, rests
    assert again.counters["references_waiting"] == 1
    told = [note for note in again.state["notes"] if "пока нет" in note]
    assert told == [
        "Сверка файла offers.xml: ссылок на группы и свойства, которых на сайте пока нет, 1 "
        "(будут сделаны, когда 1С их пришлет)."
    ]
