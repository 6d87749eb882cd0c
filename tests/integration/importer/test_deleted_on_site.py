"""What 1C wrote and the shop owner deleted comes back at the next exchange.

Deleting a price type or a warehouse in the admin deletes its prices or stock rows
with it. The offers that held them keep their element digests and checksums, which
would let the next exchange pass them over, or their unchanged file, as if the shop
still held what 1C sent: the app forgets those digests and checksums when it deletes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cml_exchange.models import Offer, Price, PriceType, Stock, Warehouse
from tests.integration.importer.passed_files import CATALOG, OFFERS, import_files

pytestmark = pytest.mark.django_db

FILES = {"import.xml": CATALOG, "offers.xml": OFFERS}
#: The same offers in a file whose bytes differ outside them: read, its offers passed one by one.
READ_AGAIN = {"import.xml": CATALOG, "offers.xml": OFFERS + "<!-- sent again -->"}
SENT_AGAIN = pytest.mark.parametrize(
    "again", [FILES, READ_AGAIN], ids=["the same files", "the offers' file read"]
)


def prices() -> dict[str, Decimal | None]:
    return dict(Price.objects.values_list("offer__external_id", "value"))


def stock() -> dict[str, Decimal | None]:
    return dict(Stock.objects.values_list("offer__external_id", "quantity"))


@SENT_AGAIN
def test_a_price_type_deleted_on_the_site_gets_its_prices_back(
    tmp_path: Path, again: dict[str, str]
) -> None:
    import_files(tmp_path / "1", FILES)
    sent = prices()
    assert sent == {"p1": Decimal(990), "p2": Decimal(1500), "p3": Decimal(300)}

    (price_type,) = PriceType.objects.all()
    price_type.delete()  # as the admin does; its prices go with it
    assert not Price.objects.exists()
    import_files(tmp_path / "2", again)

    assert prices() == sent
    assert PriceType.objects.count() == 1  # declared again by the offers' file


@SENT_AGAIN
def test_a_warehouse_deleted_on_the_site_gets_its_stock_back(
    tmp_path: Path, again: dict[str, str]
) -> None:
    import_files(tmp_path / "1", FILES)
    sent = stock()
    assert sent and all(sent.values())

    Warehouse.objects.all().delete()  # the admin's bulk action
    assert not Stock.objects.exists()
    import_files(tmp_path / "2", again)

    assert stock() == sent


def test_offers_of_other_price_types_keep_their_digests(tmp_path: Path) -> None:
    """Only the offers that held a price of the deleted type are read again."""
    import_files(tmp_path / "1", FILES)
    kept = dict(Offer.objects.values_list("external_id", "source_digest"))
    unused = PriceType.objects.create(external_id="unused", name="Не используется")

    unused.delete()

    assert dict(Offer.objects.values_list("external_id", "source_digest")) == kept
