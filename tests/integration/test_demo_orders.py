"""``manage.py cml_demo_orders``: made-up orders of the imported catalog's offers."""

from __future__ import annotations

import io
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cml_exchange.models import (
    Customer,
    DeliveryService,
    Offer,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Price,
    Storefront,
)
from example_shop.demo_orders.buyers import company_inn
from tests.integration.importer.helpers import assert_done, import_samples
from tests.integration.importer.test_samples import SETS

pytestmark = pytest.mark.django_db

Snapshot = list[tuple[str, str, str, str, tuple[tuple[str, str, str], ...]]]


@pytest.fixture
def catalog(tmp_path: Path) -> None:
    _job, result = import_samples(tmp_path, *SETS["carono"])
    assert_done(result)


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("cml_demo_orders", *args, stdout=out)
    return out.getvalue()


def first_prices() -> dict[int, Decimal]:
    """Each active offer's first price above zero, by price id: what a line must cost."""
    prices: dict[int, Decimal] = {}
    for offer_id, value in (
        Price.objects.filter(offer__active=True, offer__deleted=False, value__gt=0)
        .order_by("offer_id", "pk")
        .values_list("offer_id", "value")
    ):
        if value is not None:
            prices.setdefault(offer_id, value)
    return prices


def orders_snapshot() -> Snapshot:
    """The orders by number: total, customer, email, lines (1C id, quantity, sum)."""
    return [
        (
            order.number,
            str(order.total),
            order.customer.display_name,
            order.customer.email,
            tuple(
                (line.external_id, str(line.quantity), str(line.amount))
                for line in order.lines.all()
            ),
        )
        for order in Order.objects.select_related("customer")
        .prefetch_related("lines")
        .order_by("pk")
    ]


def wipe_orders() -> None:
    Order.objects.all().delete()
    Customer.objects.all().delete()
    for model in (OrderStatus, PaymentMethod, DeliveryService, Storefront):
        model.objects.all().delete()


def test_200_orders_of_the_catalogs_offers(catalog):
    output = demo("--count", "200", "--seed", "1")
    assert "Создано заказов: 200 (№1–200)" in output
    orders = list(Order.objects.prefetch_related("lines").order_by("pk"))
    assert [order.number for order in orders] == [str(number) for number in range(1, 201)]
    prices = first_prices()
    offers = dict(Offer.objects.values_list("pk", "external_id"))
    for order in orders:
        lines = list(order.lines.all())
        assert 1 <= len(lines) <= 5
        assert len({line.offer_id for line in lines}) == len(lines)
        for line in lines:
            assert line.offer_id in prices, "a line of an inactive or unpriced offer"
            assert line.external_id == offers[line.offer_id]
            assert line.price == prices[line.offer_id]
            assert line.quantity in (1, 2, 3)
            assert line.amount == line.price * line.quantity
            assert line.name
        assert order.total == sum(line.amount for line in lines) + order.delivery_price
        assert (order.version, order.exported_version, order.due_for_1c) == (1, 0, True)
        assert order.paid == (order.paid_at is not None)
        assert order.paid_at is None or order.paid_at >= order.created
        assert order.delivery_allowed == (order.delivery_allowed_at is not None)
        assert order.customer.email and order.customer.phone.startswith("+7 (9")
        assert order.storefront is not None and order.storefront.code == "s1"
        assert order.status is not None and order.payment_method is not None
        assert order.delivery_service is not None
    paid = sum(order.paid for order in orders)
    assert 50 <= paid <= 110  # about 40 %
    assert any(order.delivery_allowed for order in orders)
    assert any(order.delivery_price > 0 for order in orders)
    assert any(order.delivery_price == 0 for order in orders)
    assert OrderLine.objects.count() == sum(len(order.lines.all()) for order in orders)


def test_buyers_are_persons_and_some_companies(catalog):
    demo("--count", "200", "--seed", "5")
    kinds = Counter(Customer.objects.values_list("kind", flat=True))
    assert kinds["person"] > 0
    assert 3 <= kinds["company"] <= 40  # about 10 %
    for customer in Customer.objects.filter(kind="company"):
        assert customer.company and customer.display_name == customer.company
        assert len(customer.inn) == 10 and customer.inn == company_inn_check(customer.inn)
        assert len(customer.kpp) == 9 and customer.kpp.startswith(customer.inn[:4])
    for customer in Customer.objects.filter(kind="person"):
        assert customer.last_name and customer.first_name and customer.address
        assert not customer.inn


def company_inn_check(inn: str) -> str:
    """The INN with its check digit recomputed."""
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return inn[:9] + str(sum(int(d) * w for d, w in zip(inn[:9], weights, strict=True)) % 11 % 10)


def test_company_inn_has_a_valid_check_digit():
    rng = random.Random(3)  # noqa: S311
    for _ in range(50):
        inn = company_inn(rng, "77")
        assert inn.startswith("77") and inn == company_inn_check(inn)


def test_same_seed_same_orders(catalog):
    demo("--count", "200", "--seed", "1")
    first = orders_snapshot()
    wipe_orders()
    demo("--count", "200", "--seed", "1")
    assert orders_snapshot() == first
    wipe_orders()
    demo("--count", "200", "--seed", "2")
    assert orders_snapshot() != first


def test_numbers_continue_after_the_highest_numeric_one(catalog):
    demo("--count", "3", "--seed", "1")
    Order.objects.filter(number="3").update(number="41")
    Order.objects.filter(number="2").update(number="A-900")
    output = demo("--count", "2", "--seed", "1")
    assert "Создано заказов: 2 (№42–43)" in output
    assert sorted(Order.objects.values_list("number", flat=True)) == [
        "1",
        "41",
        "42",
        "43",
        "A-900",
    ]


def test_bitrix_defaults_for_empty_lists(catalog):
    wipe_orders()
    output = demo("--count", "20", "--seed", "1")
    for what in ("статусы заказов", "способы оплаты", "службы доставки", "витрина s1"):
        assert what in output
    assert list(OrderStatus.objects.order_by("position").values_list("code", "name", "final")) == [
        ("N", "Принят", False),
        ("P", "Оплачен, формируется к отправке", False),
        ("F", "Выполнен", True),
    ]
    assert list(PaymentMethod.objects.order_by("position").values_list("name", "cash")) == [
        ("Наличные курьеру", True),
        ("Банковская карта", False),
    ]
    assert list(DeliveryService.objects.order_by("position").values_list("name", flat=True)) == [
        "Самовывоз",
        "Курьер",
    ]
    assert list(Storefront.objects.values_list("code", "name")) == [("s1", "Интернет-магазин")]
    for order in Order.objects.select_related("delivery_service"):
        pickup = order.delivery_service.name == "Самовывоз"
        assert order.delivery_price == (0 if pickup else 350)
        assert bool(order.delivery_address) != pickup
    # a second run adds no defaults
    assert "по умолчанию" not in demo("--count", "1")


def test_the_admins_lists_are_used_only_active_entries(catalog):
    wipe_orders()
    Storefront.objects.create(code="s1", name="Основной")
    outlet = Storefront.objects.create(code="outlet", name="Дисконт")
    OrderStatus.objects.create(code="NEW", name="Новый", position=1)
    OrderStatus.objects.create(code="OLD", name="Архив", position=2, active=False)
    card = PaymentMethod.objects.create(code="card", name="Картой онлайн")
    PaymentMethod.objects.create(code="off", name="Отключён", active=False)
    post = DeliveryService.objects.create(code="post", name="Почта России")
    output = demo("--count", "30", "--seed", "1", "--storefront", "outlet")
    assert "по умолчанию" not in output
    assert set(
        Order.objects.values_list(
            "storefront", "status__code", "payment_method", "delivery_service"
        )
    ) == {(outlet.pk, "NEW", card.pk, post.pk)}
    assert all(order.delivery_price > 0 for order in Order.objects.all())


def test_an_unknown_storefront(catalog):
    with pytest.raises(CommandError, match="Витрины с кодом «nope» нет; есть: s1"):
        demo("--count", "1", "--storefront", "nope")
    assert not Order.objects.exists()


def test_an_empty_catalog_is_a_clear_error():
    with pytest.raises(CommandError, match="Сначала загрузите каталог") as raised:
        demo("--count", "10")
    assert "нет активных предложений с ценой" in str(raised.value)
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_offers_without_a_price_are_not_sold(catalog):
    priced = set(first_prices())
    Price.objects.filter(offer_id__in=list(priced)[1:]).update(value=None)
    demo("--count", "20", "--seed", "1")
    assert set(OrderLine.objects.values_list("offer_id", flat=True)) == {next(iter(priced))}


def test_a_count_below_one():
    with pytest.raises(CommandError, match="--count"):
        demo("--count", "0")
