"""Offers new to the site: their prices' and stock's checksums and quantity go in with them.

An offer's row is written once, its identity, checksums and quantity together,
instead of inserted and then updated (which, on PostgreSQL, left a second
version of each new offer's row and of its index entries). What it holds is
what the update gave an offer stored before.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cml_exchange.models import Offer
from tests.integration.importer.helpers import snapshot, wipe
from tests.integration.importer.passed_files import (
    CATALOG,
    import_files,
    package_xml,
    price_xml,
)

pytestmark = pytest.mark.django_db(transaction=True)

CATALOG_6 = CATALOG.replace(
    "</Товары>",
    "".join(
        f"<Товар><Ид>p{i}</Ид><Наименование>Товар {i}</Наименование></Товар>" for i in (4, 5, 6)
    )
    + "</Товары>",
).replace(
    "</Склады>",
    "<Склад><Ид>w2</Ид><Наименование>Второй</Наименование></Склад></Склады>",
)


def _offer(offer_id: str, body: str = "") -> str:
    name = f"<Наименование>{offer_id}</Наименование>"
    return f"<Предложение><Ид>{offer_id}</Ид>{name}{body}</Предложение>"


def _nested(*rows: tuple[str, str]) -> str:
    return (
        "<Остатки>"
        + "".join(
            f"<Остаток><Склад><Ид>{w}</Ид><Количество>{q}</Количество></Склад></Остаток>"
            for w, q in rows
        )
        + "</Остатки>"
    )


#: Every form of stock 1C sends, and offers with prices alone or neither.
FORMS = package_xml(
    _offer(
        "p1",
        price_xml("990")
        + "<Количество>5</Количество>"
        + '<Склад ИдСклада="w1" КоличествоНаСкладе="3"/>'
        + '<Склад ИдСклада="w2" КоличествоНаСкладе="1"/>',
    )
    + _offer(
        "p2",
        price_xml("10")
        + '<Склад ИдСклада="w1" КоличествоНаСкладе="3"/>'
        + '<Склад ИдСклада="w2" КоличествоНаСкладе="4"/>'
        + '<Склад ИдСклада="w1" КоличествоНаСкладе="1.5"/>',
    )
    + _offer("p3", _nested(("w1", "7"), ("w2", "0")))
    + _offer("p4", price_xml("300"))
    + _offer("p5")
    + _offer("p6", "<Количество>9</Количество>")
)
#: The same offers, their names only.
NAMES = package_xml("".join(_offer(f"p{i}") for i in range(1, 7)))


class _OfferUpdates:
    """How many offer rows the block updated (PostgreSQL), or statements wrote checksums to.

    SQLite has no count of a table's updated rows: there the statements that set
    offers' checksums are counted (the missing items' pass may update none).
    """

    def __enter__(self) -> _OfferUpdates:
        if connection.vendor == "postgresql":
            self.before = self._updated()
        else:
            self.queries = CaptureQueriesContext(connection).__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if connection.vendor == "postgresql":
            self.count = self._updated() - self.before
        else:
            self.queries.__exit__(*exc)
            self.count = sum(
                1
                for query in self.queries.captured_queries
                # An executemany is logged as "N times: UPDATE …".
                if f'UPDATE "{Offer._meta.db_table}" SET' in query["sql"]
                and "_checksum" in query["sql"]
            )

    @staticmethod
    def _updated() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = %s",
                [Offer._meta.db_table],
            )
            return int(cursor.fetchone()[0])


def test_a_new_offers_row_is_written_once_with_what_an_update_gives_a_stored_one(
    tmp_path: Path,
) -> None:
    if connection.vendor == "postgresql" and connection.pg_version < 150000:  # type: ignore[attr-defined]
        pytest.skip("PostgreSQL 15 flushes a backend's statistics on request")
    import_files(tmp_path / "1", {"import.xml": CATALOG_6, "offers.xml": NAMES}, batch_size=100)
    with _OfferUpdates() as stored:
        import_files(tmp_path / "2", {"offers.xml": FORMS}, batch_size=100)
    updated = snapshot()
    assert stored.count > 0  # the stored offers' prices and stock: an update

    wipe()
    with _OfferUpdates() as new:
        import_files(tmp_path / "3", {"import.xml": CATALOG_6, "offers.xml": FORMS}, batch_size=100)
    assert new.count == 0
    assert snapshot() == updated
    quantities = dict(Offer.objects.values_list("external_id", "quantity"))
    assert quantities == {
        "p1": Decimal("5"),  # 1C's total, as sent
        "p2": Decimal("5.5"),  # no total: the warehouses' sum, a warehouse listed twice once
        "p3": Decimal("7"),
        "p4": None,
        "p5": None,
        "p6": Decimal("9"),
    }
    checksums = Offer.objects.values_list("external_id", "prices_checksum", "stock_checksum")
    assert {xid for xid, prices, _ in checksums if prices} == {"p1", "p2", "p4"}
    assert {xid for xid, _, stock in checksums if stock} == {"p1", "p2", "p3", "p6"}
