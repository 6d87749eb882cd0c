"""The sample of 1C's reply in docs/orders.md: it is a real file, and does what the page says."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from cml_exchange.models import ExchangeSettings, Order
from cml_exchange.orders.exchange import import_step
from tests.factories import OrderFactory, status_code
from tests.paths import DATA_DIR, sample

pytestmark = pytest.mark.django_db

ORDERS_MD = DATA_DIR.parents[1] / "docs" / "orders.md"
MARKER = "<!-- orders-reply-sample:"
LINE = "bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802"


def docs_sample() -> str:
    """The ``xml`` block after the marker in docs/orders.md."""
    text = ORDERS_MD.read_text(encoding="utf-8")
    found = re.search(r"```xml\n(.*?)```", text[text.index(MARKER) :], re.S)
    assert found is not None
    return found.group(1)


def order_235() -> Order:
    """The site's order 235, as it went to 1C: boots for 3600 and delivery for 500."""
    return OrderFactory.create(
        id=235,
        number="235",
        total=4100,
        delivery_price=500,
        lines=[
            {"external_id": LINE, "name": "Ботинки", "price": 3600, "quantity": 1, "amount": 3600}
        ],
    )


def apply_sample(tmp_path: Path, *, statuses_from_1c: bool = False) -> list[str]:
    path = tmp_path / "orders.xml"
    path.write_text(docs_sample(), encoding="utf-8")
    settings = ExchangeSettings.load()
    settings.change_status_from_1c = statuses_from_1c
    settings.save()
    step = import_step(path, settings)
    assert step.position is None
    return step.messages


def test_the_sample_is_the_real_files_second_document_trimmed():
    real = sample("ArgentCrusade").read_text(encoding="utf-8")
    quoted = docs_sample()
    elements = re.findall(r"<[^!?/][^>]*>[^<]*</", quoted)
    assert len(elements) > 30
    for element in elements:  # every element quoted is the real file's, byte for byte
        assert element in real, element


def test_the_sample_pays_the_order_and_keeps_its_status(tmp_path):
    order_235()
    assert apply_sample(tmp_path) == []
    order = Order.objects.get(pk=235)
    assert order.paid and order.payment_number_1c == "ТДЦУ-000002"
    assert order.paid_at == timezone.make_aware(dt.datetime(2015, 6, 29, 16, 36, 25))
    assert (order.number_1c, order.date_1c, order.posted_1c) == (
        "ТДЦУ-000002",
        dt.date(2015, 6, 29),
        True,
    )
    assert order.version_1c == "AAAAMAAAAAA="
    assert status_code(order) == "N"  # statuses from 1C are off by default
    assert [(line.external_id, line.price) for line in order.lines.all()] == [(LINE, 3600)]


def test_the_sample_sets_status_p_when_statuses_come_from_1c(tmp_path):
    order_235()
    assert apply_sample(tmp_path, statuses_from_1c=True) == []
    assert status_code(Order.objects.get(pk=235)) == "P"
