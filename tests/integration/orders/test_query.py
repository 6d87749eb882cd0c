"""The ``query`` document: golden files per schema and encoding, read back; and its filters."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from cml_exchange.commerceml.entities import Document
from cml_exchange.commerceml.reading.reader import read
from cml_exchange.models import (
    ExchangeSession,
    ExchangeSettings,
    Order,
    OrderExport,
    OrderStatus,
)
from cml_exchange.orders.exchange import write_query
from tests.factories import CompanyFactory, CustomerFactory, OrderFactory, StorefrontFactory
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

GOLDEN_DIR = DATA_DIR / "orders"
#: Set to 1 to rewrite the golden files after a deliberate change (then review the diff).
UPDATE = os.environ.get("CML_UPDATE_GOLDEN") == "1"
GENERATED_AT = 'ДатаФормирования="[^"]*"'


@pytest.fixture
def session(db: None) -> ExchangeSession:
    user = User.objects.create_user("exchange")
    return ExchangeSession.objects.create(kind="sale", token="t", sessid="s", user=user)


def query(session: ExchangeSession, tmp_path: Path, version: str = "2.05", **options: Any) -> Path:
    settings = ExchangeSettings.load()
    for name, value in options.items():
        setattr(settings, name, value)
    settings.save()
    return write_query(session, tmp_path, settings, version=version).path


def documents(path: Path) -> list[Document]:
    return [entity for entity in read(path) if isinstance(entity, Document)]


def two_orders() -> None:
    """A person's new order, and a company's paid, shippable, partly discounted one."""
    OrderFactory.create(
        id=132, number="132", customer=CustomerFactory.create(id=7, email="petrov@example.com")
    )
    OrderFactory.create(
        id=133,
        number="133",
        created=timezone.make_aware(dt.datetime(2026, 11, 21, 9, 5, 0)),
        customer=CompanyFactory.create(
            id=8,
            email="zakaz@romashka.example",
            last_name="Сидорова",
            first_name="Анна",
            middle_name="",
        ),
        storefront=StorefrontFactory.create(code="s2", name="Оптовый магазин"),
        status=OrderStatus.objects.get(code="P"),
        paid=True,
        paid_at=timezone.make_aware(dt.datetime(2026, 11, 21, 9, 30, 0)),
        delivery_allowed=True,
        delivery_allowed_at=timezone.make_aware(dt.datetime(2026, 11, 21, 10, 0, 0)),
        delivery_price=Decimal(0),
        comment="Позвонить за час",
        customer_comment="Доставить после 18:00 <во двор> & без звонка",
        total=Decimal("4410.50"),
        lines=[
            {
                "external_id": "a1#a1",
                "name": "Кабель ВВГнг 3×2,5",
                "unit_code": "006",
                "unit_name": "м",
                "price": Decimal("49.00"),
                "quantity": Decimal("100.5"),
                "discount": Decimal("514"),
                "amount": Decimal("4410.50"),
                "vat_rate": "20",
            }
        ],
    )


CASES = [
    ("2.05", "windows-1251"),
    ("2.08", "windows-1251"),
    ("2.10", "windows-1251"),
    ("3.1", "windows-1251"),
    ("2.05", "utf-8"),
    ("2.08", "utf-8"),
    ("2.10", "utf-8"),
    ("3.1", "utf-8"),
]


@pytest.mark.parametrize(("version", "encoding"), CASES)
def test_query_document_matches_its_golden_file(
    session: ExchangeSession, tmp_path: Path, version: str, encoding: str
) -> None:
    two_orders()
    path = query(session, tmp_path, version, orders_encoding=encoding, number_prefix="ИМ-")
    fixed = 'ДатаФормирования="2026-11-24T12:00:00"'.encode(encoding)
    written = re.sub(GENERATED_AT.encode(encoding), fixed, path.read_bytes())
    golden = GOLDEN_DIR / f"query-{version}-{encoding}.xml"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(written)
    assert written == golden.read_bytes()
    declaration = written.split(b"\n", 1)[0].decode("ascii")
    assert declaration.lower() == f'<?xml version="1.0" encoding="{encoding}"?>'.lower()


@pytest.mark.parametrize(("version", "encoding"), CASES)
def test_golden_files_read_back_as_what_the_shop_sold(version: str, encoding: str) -> None:
    read_back = documents(GOLDEN_DIR / f"query-{version}-{encoding}.xml")
    person, company = [document for document in read_back if document.operation == "Заказ товара"]
    # 3.1: the payment and the shipment follow their order, in its Контейнер.
    beside = [document for document in read_back if document.operation != "Заказ товара"]
    assert (person.id, person.number, person.currency) == ("132", "ИМ-132", "руб.")
    assert (person.date, person.time) == (dt.date(2026, 11, 20), dt.time(14, 30, 5))
    assert person.lines is not None and person.lines[0].is_delivery
    assert person.lines[0].price == Decimal(300)
    assert [line.id for line in person.lines[1:]] == [
        "cbcf493f-55bc-11d9-848a-00112f43529a",
        "bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802",
    ]
    assert person.requisite("Статуса заказа ИД") == "N"
    assert person.requisite("Заказ оплачен") == "false"
    assert person.requisite("Сайт") == "[s1] Интернет-магазин"
    (buyer,) = person.counterparties
    assert buyer.id == "C7#petrov@example.com#Петров Пётр Иванович"[:40]
    assert (buyer.last_name, buyer.first_name, buyer.role) == ("Петров", "Пётр", "Покупатель")

    assert company.lines is not None and len(company.lines) == 1  # no delivery price: no line
    (cable,) = company.lines
    assert (cable.id, cable.quantity, cable.unit and cable.unit.code) == (
        "a1",
        Decimal("100.5"),
        "006",
    )
    assert cable.discounts[0].amount == Decimal(514)
    assert company.requisite("Заказ оплачен") == "true"
    assert company.requisite("Дата оплаты") == "2026-11-21 09:30:00"
    assert (
        company.requisite("Комментарии покупателя")
        == "Доставить после 18:00 <во двор> & без звонка"
    )
    assert company.comment == "Позвонить за час"
    (firm,) = company.counterparties
    assert (firm.official_name, firm.inn, firm.kpp) == ("ООО «Ромашка»", "7701234567", "770101001")
    assert firm.representatives[0].name == "Сидорова Анна"
    if version in ("2.10", "3.1"):
        nested = version == "2.10"
        payment, shipment = company.subordinates if nested else beside[2:]
        assert (payment.basis, payment.operation) == ("133", "Выплата наличных денег")
        assert (shipment.basis, shipment.operation) == ("133", "Отпуск товара")
        assert shipment.requisite("Доставка разрешена") == "true"
        assert company.requisite("Доставка разрешена") is None
        assert all(document.in_container for document in read_back) != nested
        assert [document.basis for document in beside] == (
            [] if nested else ["132"] * 2 + ["133"] * 2
        )
    else:
        assert not company.subordinates and not beside
        assert company.requisite("Доставка разрешена") == "true"
    assert (company.version is None) == (version == "2.05")


def test_container_and_bom_as_the_settings_ask(session: ExchangeSession, tmp_path: Path) -> None:
    two_orders()
    path = query(
        session, tmp_path, "2.10", orders_encoding="utf-8", orders_bom=True, orders_container=True
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf<?xml")
    assert raw.count("<Контейнер>".encode()) == 2
    assert all(document.in_container for document in documents(path))


def test_currency_is_kept_when_no_replacement_is_set(
    session: ExchangeSession, tmp_path: Path
) -> None:
    OrderFactory.create(currency="RUB")
    (document,) = documents(query(session, tmp_path, replace_currency=""))
    assert document.currency == "RUB"


def numbers(path: Path) -> list[str]:
    return [document.number or "" for document in documents(path)]


def test_each_filter_of_the_settings(session: ExchangeSession, tmp_path: Path) -> None:
    s1, s2 = StorefrontFactory.create(code="s1"), StorefrontFactory.create(code="s2", name="Опт")
    statuses = {status.code: status for status in OrderStatus.objects.all()}
    old = timezone.make_aware(dt.datetime(2025, 1, 10, 12, 0))
    OrderFactory.create(number="new", storefront=s1)
    OrderFactory.create(number="paid", storefront=s1, paid=True, status=statuses["P"])
    OrderFactory.create(
        number="shippable", storefront=s2, delivery_allowed=True, status=statuses["F"]
    )
    OrderFactory.create(number="old", storefront=s2, created=old, paid=True, delivery_allowed=True)
    OrderFactory.create(number="from-1c", storefront=s1, created_by_1c=True)

    assert sorted(numbers(query(session, tmp_path))) == ["new", "old", "paid", "shippable"]
    assert sorted(numbers(query(session, tmp_path, export_paid_only=True))) == ["old", "paid"]
    settings = ExchangeSettings.load()
    settings.export_paid_only = False
    settings.save()
    settings.export_storefronts.set([s2])
    assert sorted(numbers(query(session, tmp_path))) == ["old", "shippable"]
    settings.export_storefronts.set([])
    assert sorted(numbers(query(session, tmp_path, export_delivery_allowed_only=True))) == [
        "old",
        "shippable",
    ]
    settings.export_delivery_allowed_only = False
    settings.save()
    assert sorted(numbers(query(session, tmp_path, export_from_status=statuses["P"]))) == [
        "paid",
        "shippable",
    ]
    assert sorted(
        numbers(query(session, tmp_path, export_from_status=None, export_since=dt.date(2026, 1, 1)))
    ) == ["new", "paid", "shippable"]


def test_nothing_to_send_is_an_empty_document(session: ExchangeSession, tmp_path: Path) -> None:
    path = query(session, tmp_path)
    assert documents(path) == []
    assert b"</" in path.read_bytes()  # a complete root, which 1C reads as "no orders"
    assert not Order.objects.exists()


def test_each_query_records_what_it_sent_in_a_batch_of_its_own(
    session: ExchangeSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Written a few rows at a time, as ten thousand are written a thousand at a time.
    monkeypatch.setattr("cml_exchange.orders.exchange.RECORD_BATCH", 2)
    orders = [OrderFactory.create() for _ in range(5)]
    Order.objects.filter(pk=orders[0].pk).update(version=3)
    before = timezone.now()
    query(session, tmp_path)
    query(session, tmp_path)

    rows = OrderExport.objects.filter(session=session).order_by("batch", "pk")
    expected = [str(order.pk) for order in orders]
    assert [row.order_key for row in rows] == expected + expected
    assert [row.batch for row in rows] == [1] * 5 + [2] * 5
    assert [row.version for row in rows][:5] == [3, 1, 1, 1, 1]
    assert all(row.confirmed is None for row in rows)
    assert all(before <= row.created <= timezone.now() for row in rows)


def test_a_poll_reads_the_due_orders_alone_not_the_shops_history(session: ExchangeSession) -> None:
    """1C asks for orders at every exchange: the due ones are found by their own index.

    A shop's years of orders are confirmed (not due); reading the whole table at
    each poll cost 76 ms at 300,000 orders, 5.5 ms by the index (SQLite).
    """
    from django.db import connection

    from cml_exchange.orders.export import due_orders

    confirmed = OrderFactory.create(number="old")
    Order.objects.bulk_create(
        Order(
            number=f"old-{n}",
            customer_id=confirmed.customer_id,
            total=Decimal(1),
            version=3,
            exported_version=3,
        )
        for n in range(3000)
    )
    Order.objects.filter(pk=confirmed.pk).update(exported_version=F("version"))
    OrderFactory.create(number="new")
    orders = due_orders(ExchangeSettings.load())
    assert list(orders.values_list("number", flat=True)) == ["new"]
    sql, params = orders.values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "cml_order_due" in plan, plan
