"""factory-boy factories for orders: realistic defaults, any field overridable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from cml_exchange import moments
from cml_exchange.models import (
    Customer,
    DeliveryService,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Storefront,
)


class StorefrontFactory(factory.django.DjangoModelFactory[Storefront]):
    class Meta:
        model = Storefront
        django_get_or_create = ("code",)

    code = "s1"
    name = "Интернет-магазин"


class PaymentMethodFactory(factory.django.DjangoModelFactory[PaymentMethod]):
    class Meta:
        model = PaymentMethod
        django_get_or_create = ("code",)

    code = "2"
    name = "Наличными курьеру"
    cash = True


class DeliveryServiceFactory(factory.django.DjangoModelFactory[DeliveryService]):
    class Meta:
        model = DeliveryService
        django_get_or_create = ("code",)

    code = "5"
    name = "Курьер"


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    last_name = "Петров"
    first_name = "Пётр"
    middle_name = "Иванович"
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    phone = "+7 495 123-45-67"
    address = "125009, Москва, ул. Тверская, д. 1, кв. 2"


class CompanyFactory(CustomerFactory):
    kind = Customer.Kind.COMPANY
    company = "ООО «Ромашка»"
    inn = "7701234567"
    kpp = "770101001"


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    """An order of two goods lines; ``lines=[...]`` of dicts replaces them."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: str(1000 + n))
    created = factory.LazyFunction(lambda: moments.from_local(dt.datetime(2026, 11, 20, 14, 30, 5)))
    customer = factory.SubFactory(CustomerFactory)
    storefront = factory.SubFactory(StorefrontFactory)
    status = factory.LazyFunction(lambda: OrderStatus.objects.get(code="N"))
    payment_method = factory.SubFactory(PaymentMethodFactory)
    delivery_service = factory.SubFactory(DeliveryServiceFactory)
    delivery_price = Decimal("300.00")
    delivery_address = "Москва, ул. Тверская, д. 1, кв. 2"
    total = Decimal("3100.00")

    @factory.post_generation
    def lines(
        obj: Order, create: bool, extracted: list[dict[str, Any]] | None, **kwargs: Any
    ) -> None:
        if not create:
            return
        rows = extracted if extracted is not None else DEFAULT_LINES
        OrderLine.objects.bulk_create(
            OrderLine(order=obj, position=index, **row) for index, row in enumerate(rows)
        )


DEFAULT_LINES: list[dict[str, Any]] = [
    {
        "external_id": "cbcf493f-55bc-11d9-848a-00112f43529a",
        "name": "Вентилятор настольный",
        "article": "VN-01",
        "price": Decimal("1000.00"),
        "quantity": Decimal("2"),
        "amount": Decimal("2000.00"),
        "vat_rate": "20",
    },
    {
        "external_id": "bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802",
        "name": "Ботинки женские, 38",
        "price": Decimal("800.00"),
        "quantity": Decimal("1"),
        "amount": Decimal("800.00"),
    },
]


def status_code(order: Order) -> str | None:
    """The code of the order's status (``N``, ``P``, ``F``…), or None without one."""
    return order.status.code if order.status is not None else None
