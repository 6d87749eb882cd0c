"""``manage.py cml_demo_orders --count N``: made-up orders from the imported catalog.

For demos of the orders exchange and for benchmarks: N orders of Russian
buyers (about one in ten a company with INN and KPP), each with 1–5 lines of
active offers of the catalog at their first price, quantities 1–3, and a
total that is the lines' sum plus the delivery price. About 40 % are paid;
some have delivery allowed, a few are canceled. Statuses, payment methods and
delivery services are picked from the admin's lists; empty lists get the
defaults of a fresh 1C-Bitrix, and a shop without storefronts gets ``s1``.

The same ``--seed`` on the same catalog gives the same buyers, numbers,
lines and totals; the dates are spread over the ``DAYS`` (60) days before
the run. The rows are written with ``bulk_create``: new orders get
``version=1``, ``exported_version=0``, so every one is due for 1C.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from cml_exchange.models import (
    Customer,
    DeliveryService,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Storefront,
)
from cml_exchange.orders.reference import active, ensure_reference_lists
from example_shop.demo_orders import buyers as data
from example_shop.demo_orders.orders import OrderMaker, priced_offers

_BATCH = 1000
_M = TypeVar("_M", bound=models.Model)


def insert(model: type[_M], rows: list[_M]) -> list[_M]:
    """Insert ``rows`` fast, with their new ids (one by one where the database cannot say them)."""
    if connection.features.can_return_rows_from_bulk_insert:
        return model._default_manager.bulk_create(rows, batch_size=_BATCH)
    for row in rows:
        row.save()
    return rows


def next_number() -> int:
    """One more than the highest all-digit order number (1 for a shop without such orders)."""
    numbers = Order.objects.filter(number__regex=r"^[0-9]+$").values_list("number", flat=True)
    return max((int(number) for number in numbers.iterator()), default=0) + 1


class Command(BaseCommand):
    help = (
        "Creates made-up orders of Russian buyers from the active offers of the imported "
        "catalog, for demos and benchmarks of the orders exchange. The same --seed gives "
        "the same orders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="how many orders to create")
        parser.add_argument("--seed", type=int, help="seed of the random choices")
        parser.add_argument(
            "--storefront", metavar="CODE", help="storefront of the orders (default: the first)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        if count < 1:
            raise CommandError("--count должен быть положительным числом")
        goods = priced_offers()
        if not goods:
            raise CommandError(
                "В каталоге нет активных предложений с ценой. Сначала загрузите каталог "
                "(обменом с 1С или командой cml_import), затем создавайте заказы."
            )
        rng = random.Random(options["seed"])  # noqa: S311  # made-up data, not secrets
        with transaction.atomic():
            self.created = ensure_reference_lists()
            storefront = self.storefront(options["storefront"])
            statuses = active(OrderStatus)
            methods = active(PaymentMethod)
            services = active(DeliveryService)
            first = next_number()
            buyers = [data.buyer(rng) for _ in range(max(1, count * 4 // 5))]
            customers = insert(Customer, [Customer(**asdict(buyer)) for buyer in buyers])
            maker = OrderMaker(rng, goods, statuses, methods, services, storefront)
            orders = [
                maker.order(str(first + index), customers[index % len(customers)], moment)
                for index, moment in enumerate(maker.moments(count))
            ]
            insert(Order, orders)
            lines = [line for order in orders for line in maker.lines_of(order)]
            OrderLine.objects.bulk_create(lines, batch_size=_BATCH)
        for what in self.created:
            self.stdout.write(f"Созданы по умолчанию: {what}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Создано заказов: {count} (№{first}–{first + count - 1}), "
                f"покупателей: {len(customers)}, строк заказов: {len(lines)}."
            )
        )

    def storefront(self, code: str | None) -> Storefront:
        """The storefront ``code`` (the first one without it)."""
        if code is None:
            return Storefront.objects.order_by("pk")[0]
        try:
            return Storefront.objects.get(code=code)
        except Storefront.DoesNotExist:
            known = ", ".join(Storefront.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"Витрины с кодом «{code}» нет; есть: {known}.") from None
