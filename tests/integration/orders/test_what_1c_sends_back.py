"""What 1C sends back to the site's orders: taken whole, or told, never a bare success.

1C's orders file is, as often as not, the site's own ``query`` echoed with its
changes: these tests take that document and change it as 1C (or its user)
does, then check the reply and the order.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cml_exchange.client import ExchangeClient
from cml_exchange.models import ExchangeSettings
from cml_exchange.orders.exchange import import_step
from tests.factories import OrderFactory
from tests.integration.orders.test_sale_protocol import sent
from tests.integration.protocol.exchange import get, import_reply, post

pytestmark = pytest.mark.django_db


def test_a_number_the_site_cannot_hold_refuses_its_document_and_orders_still_go_out(
    sale: ExchangeClient,
) -> None:
    """On SQLite such a price was stored, and every later ``query`` failed on reading it back."""
    order = OrderFactory.create(number="5")
    prices = list(order.lines.values_list("price", flat=True))
    document = sale.query().decode("cp1251")
    assert get(sale, "success") == b"success\n"
    goods = document.index("</Товар>")  # after the delivery's line
    huge = document[:goods] + re.sub(
        r"<ЦенаЗаЕдиницу>[^<]*<",
        "<ЦенаЗаЕдиницу>100000000000000000000<",
        document[goods:],
        count=1,
    )
    assert post(sale, "orders.xml", huge.encode("cp1251")) == b"success\n"
    reply = import_reply(sale, "orders.xml").decode("cp1251")
    assert reply.startswith("success\nЗаказ №5 не загружен: цена товара «")
    assert reply.endswith("» больше допустимого (999 999 999 999 999).\n")
    assert list(order.lines.values_list("price", flat=True)) == prices
    order.comment = "изменён на сайте"
    order.save()
    assert sent(sale) == ["5"]  # the export goes on


def test_what_the_reader_cannot_take_is_told_and_its_document_not_applied(
    sale: ExchangeClient,
) -> None:
    """A quantity 1C's user typed oddly, a document without its Ид: never a bare success."""
    order = OrderFactory.create(number="6")
    OrderFactory.create(number="7")
    quantities = list(order.lines.values_list("quantity", flat=True))
    document = sale.query().decode("cp1251")
    assert get(sale, "success") == b"success\n"
    documents = document.split("<Документ>")
    goods = documents[1].index("</Товар>")  # after the delivery's line
    documents[1] = documents[1][:goods] + re.sub(
        r"<Количество>[^<]*<", "<Количество>1.000,00<", documents[1][goods:], count=1
    )
    documents[2] = re.sub(r"<Ид>[^<]*</Ид>", "", documents[2], count=1)  # the order's own Ид
    assert post(sale, "orders.xml", "<Документ>".join(documents).encode("cp1251")) == b"success\n"
    reply = import_reply(sale, "orders.xml").decode("cp1251")
    assert reply == (
        "success\n"
        "Документ №6 не загружен: не удалось прочитать число «1.000,00» в элементе Количество.\n"
        "Документ №7 без Ид пропущен.\n"
    )
    assert list(order.lines.values_list("quantity", flat=True)) == quantities


def test_a_payment_nested_in_its_order_with_an_unreadable_sum_refuses_the_order(
    sale: ExchangeClient,
) -> None:
    """2.10 nests the payment in its order: the warning names the order, which waits whole."""
    order = OrderFactory.create(number="9")
    document = sale.query().decode("cp1251")
    assert get(sale, "success") == b"success\n"
    payment = (
        "<ПодчиненныеДокументы><ПодчиненныйДокумент>"
        "<Ид>9-payment</Ид><Номер>ПКО-9</Номер><Дата>2026-12-01</Дата>"
        "<ХозОперация>Выплата наличных денег</ХозОперация><Роль>Продавец</Роль>"
        "<Валюта>руб</Валюта><Курс>1</Курс><Сумма>1 200,00 руб.</Сумма>"
        "</ПодчиненныйДокумент></ПодчиненныеДокументы>"
    )
    end = document.rindex("</Документ>")
    nested = document[:end] + payment + document[end:]
    assert post(sale, "orders.xml", nested.encode("cp1251")) == b"success\n"
    reply = import_reply(sale, "orders.xml").decode("cp1251")
    assert reply == (
        "success\nДокумент №9 не загружен: "
        "не удалось прочитать число «1 200,00 руб.» в элементе Сумма.\n"
    )
    order.refresh_from_db()
    assert not order.paid


def test_a_discount_given_in_1c_lowers_the_line_and_the_total(sale: ExchangeClient) -> None:
    """Price and quantity the same, the sum lower: 1C's manager gave a discount."""
    order = OrderFactory.create(number="8")
    document = sale.query().decode("cp1251")
    assert get(sale, "success") == b"success\n"
    goods = document.index("</Товар>")  # after the delivery's line
    line_sum = Decimal(re.findall(r"<Сумма>([^<]*)</Сумма>", document[goods:])[0])
    discount = (line_sum / 10).quantize(Decimal("0.01"))
    given = (
        f"<Сумма>{line_sum - discount}</Сумма><Скидки><Скидка><Наименование>Скидка менеджера"
        f"</Наименование><Сумма>{discount}</Сумма><УчтеноВСумме>true</УчтеноВСумме>"
        "</Скидка></Скидки>"
    )
    after = re.sub(r"<Сумма>[^<]*</Сумма>", given, document[goods:], count=1)
    total = order.total - discount
    before = re.sub(r"<Сумма>[^<]*</Сумма>", f"<Сумма>{total}</Сумма>", document[:goods], count=1)
    assert post(sale, "orders.xml", (before + after).encode("cp1251")) == b"success\n"
    assert import_reply(sale, "orders.xml") == b"success\n"
    order.refresh_from_db()
    assert order.total == total
    changed = order.lines.get(amount=line_sum - discount)
    assert changed.discount == discount


#: A paid order's line with a discount the site gave (1000 × 2 less 100), and one without.
DISCOUNTED = [
    {
        "external_id": "cbcf493f-55bc-11d9-848a-00112f43529a",
        "name": "Вентилятор",
        "price": Decimal("1000.00"),
        "quantity": Decimal("2"),
        "amount": Decimal("1900.00"),
        "discount": Decimal("100.00"),
    },
    {
        "external_id": "bd72d913-55bc-11d9-848a-00112f43529a",
        "name": "Ботинки",
        "price": Decimal("800.00"),
        "quantity": Decimal("1"),
        "amount": Decimal("800.00"),
    },
]


def _without_discounts(document: str) -> str:
    return re.sub(r"<Скидки>.*?</Скидки>", "", document, flags=re.S)


def _without_line_sums(document: str) -> str:
    head, goods = document.split("<Товары>", 1)
    return head + "<Товары>" + re.sub(r"(</Количество>\s*)<Сумма>[^<]*</Сумма>", r"\1", goods)


def _in_kopecks(document: str) -> str:
    return document.replace("123.3877", "123.39").replace("423.3877", "423.39")


@pytest.mark.parametrize(
    ("lines", "total", "echo"),
    [
        (DISCOUNTED, "3000.00", _without_discounts),  # УТ 11 writes no Скидки
        (DISCOUNTED, "3000.00", _without_line_sums),
        (
            [
                {
                    "external_id": "cbcf493f-55bc-11d9-848a-00112f43529a",
                    "name": "Сыр весовой",
                    "price": Decimal("99.99"),
                    "quantity": Decimal("1.234"),
                    "amount": Decimal("123.3877"),
                }
            ],
            "423.3877",
            _in_kopecks,  # 1C keeps money in kopecks
        ),
    ],
    ids=["without-discounts", "without-line-sums", "in-kopecks"],
)
def test_1c_echoing_a_paid_order_as_it_writes_lines_is_no_change(
    sale: ExchangeClient, lines: list[dict[str, Any]], total: str, echo: Any
) -> None:
    """Not "не может быть изменен" at every exchange, and the site's sums stay."""
    order = OrderFactory.create(number="11", lines=lines, total=Decimal(total), paid=True)
    stored = list(order.lines.order_by("pk").values_list("amount", "discount"))
    document = sale.query().decode("cp1251")
    assert get(sale, "success") == b"success\n"
    assert echo(document) != document
    assert post(sale, "orders.xml", echo(document).encode("cp1251")) == b"success\n"
    assert import_reply(sale, "orders.xml") == b"success\n"
    assert list(order.lines.order_by("pk").values_list("amount", "discount")) == stored


def test_what_the_reader_passed_over_is_told_once_whatever_the_steps(
    sale: ExchangeClient, tmp_path: Path
) -> None:
    """Each step stops after one document: a warning is not told again by the next step."""
    numbers = [OrderFactory.create(number=str(20 + i)).number for i in range(3)]
    documents = sale.query().decode("cp1251").split("<Документ>")
    documents[2] = re.sub(r"<Ид>[^<]*</Ид>", "", documents[2], count=1)  # the second's own Ид
    path = tmp_path / "orders.xml"
    path.write_bytes("<Документ>".join(documents).encode("cp1251"))
    told: list[str] = []
    start: int | None = 0
    steps = 0
    while start is not None:
        step = import_step(path, ExchangeSettings.load(), start=start, budget=1e-9)
        told += step.messages
        start, steps = step.position, steps + 1
    assert steps > 1
    assert told == [f"Документ №{numbers[1]} без Ид пропущен."]
