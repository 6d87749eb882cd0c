"""1C's split packages passed over unread: names, prices and rests each in a file of its own.

Each file keeps digests of its own, so that what one writes does not make
another be read; 1C's next unload of an unchanged catalog, dated anew, is the
same files (issue 17).
"""

from __future__ import annotations

import pytest

from cml_exchange.models import Offer
from tests.integration.importer.helpers import snapshot
from tests.integration.importer.passed_files import (
    CATALOG,
    OFFERS,
    SPLIT,
    import_files,
    package_xml,
    passed_over,
    price_xml,
)

pytestmark = pytest.mark.django_db


def test_the_files_of_a_split_package_sent_again_are_passed_over(tmp_path, saved):
    """Prices and rests keep digests of their own, so neither file takes the other's."""
    import_files(tmp_path / "1", SPLIT)
    before = snapshot()
    saved.offers.clear()
    again = import_files(tmp_path / "2", SPLIT)
    assert again.counters["items_passed"] == 3 + 3 + 3 + 3
    assert len(saved.offers) == 3  # one signal a file: none read
    assert snapshot() == before
    assert again.counters["prices_unchanged"] == 3 and again.counters["stock_rows_unchanged"] == 3


def test_new_prices_and_rests_leave_the_offers_file_passed_over(tmp_path, saved):
    """The offers file carries neither: what the other files write does not concern it."""
    from decimal import Decimal

    from cml_exchange.models import Price, Stock

    import_files(tmp_path / "1", SPLIT)
    changed = {
        **SPLIT,
        "prices.xml": SPLIT["prices.xml"].replace(">990<", ">999<"),
        "rests.xml": SPLIT["rests.xml"].replace(">3<", ">4<", 1),
    }
    job = import_files(tmp_path / "2", changed)
    assert job.counters["items_passed"] == 3 + 3  # import.xml and offers.xml
    assert job.counters["prices"] == 1 and job.counters["stock_rows"] == 1
    assert Price.objects.get(offer__external_id="p1").value == Decimal("999")
    assert Stock.objects.get(offer__external_id="p1").quantity == Decimal("4")
    job = import_files(tmp_path / "3", changed)
    assert job.counters["items_passed"] == 3 + 3 + 3 + 3


def test_prices_written_by_another_element_have_the_prices_file_read(tmp_path, saved):
    """An offers file carrying prices takes them over; the prices file sent again restores its."""
    from decimal import Decimal

    from cml_exchange.models import Price

    prices = {"prices.xml": SPLIT["prices.xml"]}
    import_files(tmp_path / "1", {"import.xml": CATALOG, **prices})
    import_files(tmp_path / "2", {"offers.xml": OFFERS.replace(">990<", ">777<")})
    assert Price.objects.get(offer__external_id="p1").value == Decimal("777")
    job = import_files(tmp_path / "3", prices)
    assert Price.objects.get(offer__external_id="p1").value == Decimal("990")
    assert not job.counters.get("items_passed") and job.counters["prices"] == 1
    job = import_files(tmp_path / "4", prices)
    assert job.counters["items_passed"] == 3


def test_offers_of_characteristics_sent_again_are_passed_over(tmp_path, saved):
    """Offers of one product's characteristics: each element leads to its own row."""
    characteristics = package_xml(
        "".join(
            f"<Предложение><Ид>p1</Ид><ИдХарактеристики>{c}</ИдХарактеристики>"
            f"<Наименование>Чайник {c}</Наименование>{price_xml('990')}</Предложение>"
            for c in ("red", "blue")
        )
        + f"<Предложение><Ид>p2#big</Ид><Наименование>Утюг</Наименование>{price_xml('5')}"
        "</Предложение>"
    )
    files = {"import.xml": CATALOG, "offers.xml": characteristics}
    import_files(tmp_path / "1", files)
    assert sorted(Offer.objects.values_list("external_id", flat=True)) == [
        "p1#blue",
        "p1#red",
        "p2#big",
    ]
    before = snapshot()
    saved.offers.clear()
    job = import_files(tmp_path / "2", files)
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
    first = import_files(tmp_path / "1", today)
    before = snapshot()
    saved.products.clear(), saved.offers.clear()
    again = import_files(tmp_path / "2", tomorrow)
    assert again.counters["items_passed"] == 3 + 3 + 3 + 3
    assert passed_over(saved) and len(saved.offers) == 3
    assert snapshot() == before
    assert again.state["scans"] == first.state["scans"]
    # A price changed since: that file is read, the others are passed over.
    changed = {**tomorrow, "prices.xml": tomorrow["prices.xml"].replace(">990<", ">999<")}
    job = import_files(tmp_path / "3", changed)
    assert job.counters["items_passed"] == 3 + 3 + 3 and job.counters["prices"] == 1
