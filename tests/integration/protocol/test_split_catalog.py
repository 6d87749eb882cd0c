"""A full catalog split across several files of one exchange (issue 12, item 2).

1C may send one full catalog as ``import_1.xml`` + ``import_2.xml`` (goods in
parts). What the full catalog did not mention is deactivated or deleted once,
when the exchange's last file of that catalog is in (or at ``deactivate`` /
``complete``), never when the first file ends: the products of the second
file would be deleted and made again with new ids, and order lines would lose
their offer.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from cml_exchange.client import ExchangeClient
from cml_exchange.models import ExchangeSession, ExchangeSettings, Offer, OrderLine, Product
from tests.factories import OrderFactory
from tests.integration.protocol.exchange import import_reply, new_1c, session_of
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

DATA = DATA_DIR / "cases" / "split"
FILES = ("import_1.xml", "import_2.xml", "offers.xml")
DONE = "success\nИмпорт успешно завершен.".encode("cp1251")


@pytest.fixture
def shop_before(admin_user, upload_root):
    """A shop that holds the catalog from an earlier exchange, plus p9 that 1C dropped since."""
    onec = exchange()
    for name in FILES:
        onec.upload(name, (DATA / name).read_bytes(), chunk=100_000)
        assert import_reply(onec, name) == DONE
    onec.complete()
    first = Product.objects.get(external_id="p1")
    Product.objects.create(
        external_id="p9", name="Снято с продажи", slug="p9", catalog=first.catalog
    )
    OrderFactory.create(
        lines=[
            {
                "offer": Offer.objects.get(external_id="p3"),
                "external_id": "p3",
                "name": "Сковорода",
                "price": 300,
                "quantity": 1,
                "amount": 300,
            }
        ]
    )
    return {p.external_id: p.pk for p in Product.objects.all()}


def exchange() -> ExchangeClient:
    """1C after checkauth and init: an exchange of its own."""
    onec = new_1c()
    onec.checkauth()
    onec.init()
    return onec


def state() -> dict[str, tuple[int, bool]]:
    return {p.external_id: (p.pk, p.active) for p in Product.objects.all()}


@pytest.mark.parametrize("action", ["delete", "deactivate"])
def test_the_first_file_leaves_the_second_files_products_alone(shop_before, action):
    ExchangeSettings.objects.update(missing_products=action)
    onec = exchange()
    for name in FILES:
        onec.upload(name, (DATA / name).read_bytes(), chunk=100_000)
    assert import_reply(onec, "import_1.xml") == DONE
    # p3 and p4 come in import_2.xml: untouched, same rows, still active.
    assert {key: value for key, value in state().items() if key != "p9"} == {
        key: (pk, True) for key, pk in shop_before.items() if key != "p9"
    }
    assert import_reply(onec, "import_2.xml") == DONE
    # The catalog's last file is in: p9, which neither file mentions, goes now.
    after = state()
    if action == "delete":
        assert "p9" not in after
    else:
        assert after["p9"] == (shop_before["p9"], False)
    assert import_reply(onec, "offers.xml") == DONE
    onec.complete()
    final = state()
    for key in ("p1", "p2", "p3", "p4"):
        assert final[key] == (shop_before[key], True), key
    line = OrderLine.objects.get()
    assert line.offer is not None and line.offer.external_id == "p3"
    assert Offer.objects.filter(active=True).count() == 4


def test_archived_parts_are_waited_for_as_well(shop_before):
    ExchangeSettings.objects.update(missing_products="delete")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name in FILES:
            archive.writestr(name, (DATA / name).read_bytes())
    onec = exchange()
    onec.upload("import.zip", packed.getvalue(), chunk=100_000)
    assert import_reply(onec, "import_1.xml") == DONE
    assert set(state()) == {"p1", "p2", "p3", "p4", "p9"}
    assert import_reply(onec, "import_2.xml") == DONE
    assert set(state()) == {"p1", "p2", "p3", "p4"}


def test_complete_settles_a_catalog_whose_last_file_never_came(shop_before):
    ExchangeSettings.objects.update(missing_products="deactivate")
    onec = exchange()
    for name in ("import_1.xml", "import_2.xml"):
        onec.upload(name, (DATA / name).read_bytes(), chunk=100_000)
    assert import_reply(onec, "import_1.xml") == DONE
    assert state()["p9"][1] is True  # import_2.xml still waits
    # 1C gives up on import_2.xml and ends the exchange: what it mentioned is all there is.
    onec.complete()
    after = state()
    assert after["p9"][1] is False and after["p3"][1] is False
    assert after["p1"][1] is True


def test_an_exchange_without_complete_is_settled_by_the_next_init(shop_before):
    ExchangeSettings.objects.update(missing_products="deactivate")
    onec = exchange()
    for name in ("import_1.xml", "import_2.xml"):
        onec.upload(name, (DATA / name).read_bytes(), chunk=100_000)
    assert import_reply(onec, "import_1.xml") == DONE
    ExchangeSession.objects.filter(pk=session_of(onec).pk).update(finished=session_of(onec).created)
    exchange()  # an older 1C: no complete, the next exchange begins
    assert state()["p9"][1] is False


def test_a_refused_part_keeps_the_catalog_from_being_settled(shop_before):
    ExchangeSettings.objects.update(missing_products="delete")
    onec = exchange()
    onec.upload("import_1.xml", (DATA / "import_1.xml").read_bytes(), chunk=100_000)
    onec.upload("import_2.xml", (DATA / "import_2.xml").read_bytes()[:700], chunk=100_000)
    assert import_reply(onec, "import_1.xml") == DONE
    assert import_reply(onec, "import_2.xml").startswith(b"failure\n")
    # The catalog did not come whole: complete deletes nothing of it.
    onec.complete()
    assert set(state()) == {"p1", "p2", "p3", "p4", "p9"}
    # 1C sends the part again in the next exchange, whole: now p9 goes.
    again = exchange()
    for name in ("import_1.xml", "import_2.xml"):
        again.upload(name, (DATA / name).read_bytes(), chunk=100_000)
        assert import_reply(again, name) == DONE
    assert set(state()) == {"p1", "p2", "p3", "p4"}
