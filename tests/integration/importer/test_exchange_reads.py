"""What a step reads whole serves the later jobs of the same exchange (issue 17).

Newer 1C sends a catalog as dozens of files, each a job of its own; the stored
items' digests are read at the first and kept for the rest of the exchange.
Read before the exchange wrote anything, they are out of date by its later
files: that may cost a build, never an item left as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from cml_exchange.importer import ImportOptions, create_job, exchange_reads
from cml_exchange.importer.exchange_reads import exchange_of, shared
from cml_exchange.models import ExchangeSession, ImportJob, Offer, Product
from tests.integration.importer import cml_files as files
from tests.integration.importer.cml_files import Item, Lot
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = pytest.mark.django_db


def changes(*products: str) -> str:
    """A catalog of changes only: ``id=name`` products."""
    items = [Item(pid, name) for pid, name in (item.split("=") for item in products)]
    return files.catalog("cat", items, only_changes=True)


def prices(*offers: str) -> str:
    """A package of changes only: ``id=price`` offers."""
    lots = [Lot(oid, price=price) for oid, price in (item.split("=") for item in offers)]
    return files.offers("cat", lots, only_changes=True)


@pytest.fixture
def session() -> ExchangeSession:
    user = get_user_model().objects.create_user("exchange", password="secret")
    return ExchangeSession.objects.open(user, "catalog", "10.0.0.7")


def run_job(folder: Path, text: str, session: ExchangeSession | None = None) -> ImportJob:
    folder.mkdir(parents=True)
    (folder / "file.xml").write_text(text, encoding="utf-8")
    job = create_job(["file.xml"], base_dir=folder, options=ImportOptions(), session=session)
    assert_done(run_to_end(job))
    job.refresh_from_db()
    return job


def test_an_item_sent_again_as_before_the_exchange_is_written_after_the_exchange_changed_it(
    tmp_path: Path, session: ExchangeSession
) -> None:
    run_job(tmp_path / "before", changes("p1=Чайник", "p2=Утюг"))
    run_job(tmp_path / "before-prices", prices("p1=100", "p2=200"))
    session.note_init("2.08")

    # The exchange's first jobs read the digests, then change both items.
    run_job(tmp_path / "1", changes("p1=Самовар"), session)
    run_job(tmp_path / "2", prices("p2=250"), session)
    # Its later jobs send them as they were before: their digests are among those read.
    third = run_job(tmp_path / "3", changes("p1=Чайник", "p2=Утюг"), session)
    fourth = run_job(tmp_path / "4", prices("p1=100", "p2=200"), session)

    assert dict(Product.objects.values_list("external_id", "name")) == {
        "p1": "Чайник",
        "p2": "Утюг",
    }
    assert {offer.external_id: offer.prices.get().value for offer in Offer.objects.all()} == {
        "p1": 100,
        "p2": 200,
    }
    assert (third.counters["products_unchanged"], fourth.counters["offers_unchanged"]) == (1, 1)


def test_the_jobs_of_one_exchange_read_once_until_a_new_init_or_ten_minutes(
    tmp_path: Path, session: ExchangeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[object] = []

    def read() -> object:
        reads.append(object())
        return reads[-1]

    first, second = (
        create_job([], base_dir=tmp_path, session=session, filename=name) for name in "ab"
    )
    kept = shared(exchange_of(first), "digests", read, {})
    assert shared(exchange_of(second), "digests", read, {}) is kept
    assert len(reads) == 1

    session.note_init("2.08")
    assert shared(exchange_of(second), "digests", read, {}) is not kept
    assert len(reads) == 2

    # A session kept for many exchanges without an init: read again once old.
    monkeypatch.setattr(exchange_reads, "FRESH_FOR", 0.0)
    again = shared(exchange_of(second), "digests", read, {})
    assert len(reads) == 3 and again is reads[-1]
    monkeypatch.undo()

    alone = create_job([], base_dir=tmp_path)  # no exchange: once a step
    step: dict[object, object] = {}
    assert exchange_of(alone) is None
    assert shared(None, "digests", read, step) is shared(None, "digests", read, step)
    assert shared(None, "digests", read, {}) is not reads[-2]
    assert len(reads) == 5
