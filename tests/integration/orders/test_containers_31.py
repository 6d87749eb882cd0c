"""1C's CommerceML 3.1 replies: a ``Контейнер`` applied whole, refunds and tracking numbers.

In 3.1 each order comes back in its ``Контейнер`` with its payment and
shipment documents beside it (``Основание`` = the order's id). The files here
follow ``tests/data/cml31/orders_from_1c.xml`` (its README says where that
shape comes from), cut down to what each test is about.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client
from django.utils import timezone

from cml_exchange.commerceml.entities import Document
from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.commerceml.reading.reader import read
from cml_exchange.models import ExchangeSession, ExchangeSettings, Order
from cml_exchange.orders.default import ModelOrderAdapter
from cml_exchange.orders.exchange import import_step, write_query
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_3" ВерсияСхемы="3.1" '
    'ДатаФормирования="2025-10-15T14:20:07">\n'
)


def requisites(**values: str) -> str:
    names = {
        "posted": "Проведен",
        "paid": "Оплачен",
        "refund": "ПризнакВозврата",
        "refund_reason": "Причина к Возврату",
        "shipped": "Отгружен",
        "tracking": "Идентификатор отправления",
        "payment_number": "Номер оплаты по 1С",
    }
    rows = "".join(
        f"<ЗначениеРеквизита><Наименование>{names[key]}</Наименование>"
        f"<Значение>{value}</Значение></ЗначениеРеквизита>"
        for key, value in values.items()
    )
    return f"<ЗначенияРеквизитов>{rows}</ЗначенияРеквизитов>"


def order_doc(order_id: str, version: str = "AAAAAAAAAGQ=", number: str | None = None) -> str:
    return (
        f"<Документ><Ид>{order_id}</Ид><НомерВерсии>{version}</НомерВерсии>"
        f"<Номер>{number or order_id}</Номер><Дата>2025-10-14</Дата>"
        "<ХозОперация>Заказ товара</ХозОперация><Сумма>1000.00</Сумма>"
        f"{requisites(posted='true')}</Документ>"
    )


def payment_doc(doc_id: str, basis: str, **values: str) -> str:
    return beside(doc_id, basis, "Выплата безналичных денег", "09:12:40", **values)


def shipment_doc(doc_id: str, basis: str, **values: str) -> str:
    return beside(doc_id, basis, "Отпуск товара", "14:05:00", **values)


def beside(doc_id: str, basis: str, operation: str, moment: str, **values: str) -> str:
    """A posted payment or shipment document beside its order (``Основание`` = its ``Ид``)."""
    return (
        f"<Документ><Ид>{doc_id}</Ид><Номер>{doc_id}</Номер><Дата>2025-10-15</Дата>"
        f"<Время>{moment}</Время><ХозОперация>{operation}</ХозОперация>"
        f"<Сумма>1000.00</Сумма><Основание>{basis}</Основание>"
        f"{requisites(posted='true', **values)}</Документ>"
    )


def file_of(tmp_path: Path, *containers: list[str], name: str = "orders.xml") -> Path:
    body = "".join(f"<Контейнер>{''.join(docs)}</Контейнер>\n" for docs in containers)
    path = tmp_path / name
    path.write_text(f"{HEAD}{body}</КоммерческаяИнформация>\n", encoding="utf-8")
    return path


def site_order(pk: int, **fields: Any) -> Order:
    OrderFactory.create(id=pk, number=str(pk), total=Decimal(1000), **fields)
    Order.objects.filter(pk=pk).update(exported_version=F("version"))  # 1C has had it
    return Order.objects.get(pk=pk)


def apply(path: Path, **options: Any) -> list[str]:
    step = import_step(path, ExchangeSettings.load(), **options)
    assert step.position is None
    return step.messages


class ShipmentsFail(ModelOrderAdapter):
    """A shop whose own order code cannot record shipments (a bug, a missing table …)."""

    def apply(self, changes: OrderChanges, settings: ExchangeSettings) -> list[str]:
        if changes.shipped:
            raise RuntimeError("shipments table is locked")
        return super().apply(changes, settings)


def test_a_container_is_applied_whole_or_not_at_all(tmp_path: Path) -> None:
    site_order(1001)
    site_order(1002)
    path = file_of(
        tmp_path,
        [
            order_doc("1001"),
            payment_doc("501", "1001", paid="true", payment_number="00ЦБ-000342"),
            shipment_doc("601", "1001", shipped="true"),
        ],
        [order_doc("1002"), payment_doc("502", "1002", paid="true")],
    )

    messages = apply(path, adapter=ShipmentsFail())

    assert messages == ["Заказ №1001 не загружен: внутренняя ошибка сайта (RuntimeError)."]
    first, second = Order.objects.get(pk=1001), Order.objects.get(pk=1002)
    # The payment beside the failed shipment was rolled back with it, and so was the order's
    # version: sending the file again applies the whole container.
    assert (first.paid, first.payment_number_1c, first.version_1c) == (False, "", "")
    assert (second.paid, second.version_1c) == (True, "AAAAAAAAAGQ=")

    assert apply(path) == []
    first.refresh_from_db()
    assert (first.paid, first.delivery_allowed, first.payment_number_1c) == (
        True,
        True,
        "00ЦБ-000342",
    )


def test_a_step_never_stops_inside_a_container(tmp_path: Path) -> None:
    for pk in (1001, 1002):
        site_order(pk)
    path = file_of(
        tmp_path,
        [order_doc("1001"), payment_doc("501", "1001", paid="true"), shipment_doc("601", "1001")],
        [order_doc("1002"), payment_doc("502", "1002", paid="true")],
    )
    settings = ExchangeSettings.load()

    first = import_step(path, settings, budget=1e-9)  # out of time after the first batch
    assert (first.applied, first.position) == (3, 3)
    assert Order.objects.get(pk=1001).paid and not Order.objects.get(pk=1002).paid

    assert first.position is not None
    second = import_step(path, settings, start=first.position, budget=1e-9)
    assert (second.applied, second.position) == (2, None)
    assert Order.objects.get(pk=1002).paid


def test_a_payment_beside_its_order_finds_an_order_the_site_knows_by_number(
    tmp_path: Path,
) -> None:
    """1C's own Ид on the order and in Основание; the site only knows the number."""
    site_order(1001)
    guid = "3f2a90d7-a8c4-11ef-8a1c-00155d0a1b01"
    path = file_of(
        tmp_path, [order_doc(guid, number="1001"), payment_doc("501", guid, paid="true")]
    )

    assert apply(path) == []
    order = Order.objects.get(pk=1001)
    assert (order.paid, order.external_id) == (True, guid)


def test_an_unknown_order_is_reported_once_for_its_container(tmp_path: Path) -> None:
    path = file_of(
        tmp_path,
        [order_doc("7007"), payment_doc("501", "7007", paid="true"), shipment_doc("601", "7007")],
    )
    assert apply(path) == ["Заказ №7007 на сайте не найден."]


def test_a_returned_payment_unpays_the_order_and_the_buyer_sees_it(tmp_path: Path) -> None:
    order = site_order(1001)
    paid = file_of(tmp_path, [order_doc("1001"), payment_doc("501", "1001", paid="true")])
    assert apply(paid) == []
    returned = file_of(
        tmp_path,
        [
            order_doc("1001", version="AAAAAAAAAGU="),
            payment_doc(
                "501", "1001", paid="true", refund="true", refund_reason="Товар не подошёл"
            ),
        ],
        name="orders-2.xml",
    )

    assert apply(returned) == []

    order.refresh_from_db()
    assert (order.paid, order.refunded, order.refund_reason) == (
        False,
        True,
        "Товар не подошёл",
    )
    assert order.refunded_at == timezone.make_aware(dt.datetime(2025, 10, 15, 9, 12, 40))
    assert not order.due_for_1c  # 1C's own change is not sent back to 1C
    page = status_page(order)
    assert "Оплата возвращена 15 октября 2025 (Товар не подошёл)" in page
    assert "Оплачен" not in page


def test_the_tracking_number_is_kept_shown_and_sent_back(tmp_path: Path) -> None:
    order = site_order(1001)
    path = file_of(
        tmp_path,
        [
            order_doc("1001"),
            shipment_doc("601", "1001", shipped="false", tracking="80097215436718"),
        ],
    )

    assert apply(path) == []

    order.refresh_from_db()
    assert order.tracking_number == "80097215436718"
    assert not order.delivery_allowed  # 1C gave the number before the goods left
    assert "Номер отправления: 80097215436718" in status_page(order)

    Order.objects.filter(pk=1001).update(version=F("version") + 1)  # changed on the site since
    for version in ("2.05", "3.1"):
        documents = query_documents(tmp_path, version)
        if version == "3.1":
            shipment = next(d for d in documents if d.operation == "Отпуск товара")
            assert shipment.requisite("Идентификатор отправления") == "80097215436718"
        else:
            (sent,) = documents
            assert sent.requisite("Идентификатор отправления") == "80097215436718"


def status_page(order: Order) -> str:
    response = Client().get(
        "/order-status/", {"number": order.number, "email": order.customer.email}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def query_documents(tmp_path: Path, version: str) -> list[Document]:
    user, _ = User.objects.get_or_create(username="exchange")
    session = ExchangeSession.objects.create(
        kind="sale", token=f"t{version}", sessid=f"s{version}", user=user
    )
    settings = ExchangeSettings.load()
    settings.schema_version = ExchangeSettings.SchemaVersion.V3_1
    settings.save()
    folder = tmp_path / version
    folder.mkdir()
    path = write_query(session, folder, settings, version=version).path
    return [entity for entity in read(path) if isinstance(entity, Document)]
