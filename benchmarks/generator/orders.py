"""``orders.xml``: order documents as 1C sends them back to a site.

Each document has a customer, 1–5 lines that point at offers of the
generated catalog (rebuilt with :func:`benchmarks.generator.products.build_sku`),
a delivery line when the delivery is paid, VAT and 1C's status requisites.
All documents draw from one stream,
:data:`benchmarks.generator.ids.STREAM_ORDERS`, in document order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path

from benchmarks.generator.context import Context
from benchmarks.generator.ids import STREAM_ORDERS, guid, stream_rng
from benchmarks.generator.markup import (
    NL,
    ROOT_CLOSE,
    TAB,
    base_unit,
    el,
    money,
    open_xml,
    root_open,
)
from benchmarks.generator.products import build_sku, offer_rows
from benchmarks.generator.vocabulary import UNITS, Unit

# The customers' side: people, addresses, statuses and deliveries.
_LAST_NAMES = ("Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов")
_FIRST_NAMES_M = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Иван")
_FIRST_NAMES_F = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина")
_PATRONYMICS = ("Александров", "Сергеев", "Иванов", "Петров", "Николаев", "Андреев")
_CITIES = (
    ("101000", "Москва"),
    ("190000", "Санкт-Петербург"),
    ("420000", "Казань"),
    ("620000", "Екатеринбург"),
    ("630000", "Новосибирск"),
    ("603000", "Нижний Новгород"),
    ("443000", "Самара"),
    ("350000", "Краснодар"),
)
_STREETS = ("ул. Ленина", "ул. Гагарина", "пр-т Мира", "ул. Садовая", "ул. Советская", "ул. Лесная")
_ORDER_STATUSES = ("Принят", "Собирается", "Отправлен", "[F] Доставлен", "Отменен")
_DELIVERIES = (
    ("Курьерская доставка", 40500),
    ("Самовывоз", 0),
    ("Пункт выдачи", 25000),
    ("Почта России", 35000),
)


def _requisites_xml(depth: int, requisites: Sequence[tuple[str, str]]) -> list[str]:
    parts = [f"{TAB[depth]}<ЗначенияРеквизитов>{NL}"]
    for name, value in requisites:
        parts.append(f"{TAB[depth + 1]}<ЗначениеРеквизита>{NL}")
        parts.append(el(depth + 2, "Наименование", name))
        parts.append(el(depth + 2, "Значение", value))
        parts.append(f"{TAB[depth + 1]}</ЗначениеРеквизита>{NL}")
    parts.append(f"{TAB[depth]}</ЗначенияРеквизитов>{NL}")
    return parts


def _order_xml(ctx: Context, rng: random.Random, number: int, products: int) -> str:
    counts = ctx.counts
    counts["orders"] += 1
    when = ctx.generated_at - dt.timedelta(seconds=rng.randrange(1, 90 * 86400))
    posted = when + dt.timedelta(seconds=rng.randrange(60, 86400))

    lines: list[tuple[str, str, str, Unit, int, int, str]] = []
    for _ in range(rng.randint(1, 5)):
        sku = build_sku(ctx, rng.randrange(products))
        offers = list(offer_rows(sku))
        offer_id, name, retail, _variant = offers[rng.randrange(len(offers))]
        quantity = rng.randint(1, 4)
        lines.append((offer_id, sku.article, name, UNITS[sku.kind.unit], retail, quantity, "Товар"))
    delivery_name, delivery_price = rng.choice(_DELIVERIES)
    if delivery_price:
        lines.append(("ORDER_DELIVERY", "", "Доставка", UNITS["796"], delivery_price, 1, "Услуга"))
    total = sum(price * quantity for *_rest, price, quantity, _kind in lines)

    female = rng.random() < 0.5
    last = rng.choice(_LAST_NAMES) + ("а" if female else "")
    first = rng.choice(_FIRST_NAMES_F if female else _FIRST_NAMES_M)
    middle = rng.choice(_PATRONYMICS) + ("на" if female else "ич")
    person = f"{last} {first} {middle}"
    postcode, city = rng.choice(_CITIES)
    street = f"{rng.choice(_STREETS)}, д. {rng.randrange(1, 120)}, кв. {rng.randrange(1, 300)}"
    address = f"{postcode}, {city}, {street}"
    phone_digits = [rng.randrange(10, 100), rng.randrange(100, 1000)]
    phone_digits += [rng.randrange(10, 100), rng.randrange(10, 100)]
    phone = "+7 9{} {}-{}-{}".format(*phone_digits)
    status = rng.choice(_ORDER_STATUSES)

    parts = [
        f"\t<Документ>{NL}",
        el(2, "Ид", guid(rng, ctx.node)),
        el(2, "Номер", str(number)),
        el(2, "Дата", when.strftime("%Y-%m-%d")),
        el(2, "ХозОперация", "Заказ товара"),
        el(2, "Роль", "Продавец"),
        el(2, "Валюта", "руб"),
        el(2, "Курс", "1"),
        el(2, "Сумма", money(total)),
        f"\t\t<Контрагенты>{NL}\t\t\t<Контрагент>{NL}",
        el(4, "Ид", guid(rng, ctx.node)),
        el(4, "Наименование", person),
        el(4, "ПолноеНаименование", person),
        el(4, "Роль", "Покупатель"),
        el(4, "Фамилия", last),
        el(4, "Имя", first),
        el(4, "Отчество", middle),
        f"\t\t\t\t<АдресРегистрации>{NL}",
        el(5, "Представление", address),
        f"\t\t\t\t\t<АдресноеПоле>{NL}",
        el(6, "Тип", "Почтовый индекс"),
        el(6, "Значение", postcode),
        f"\t\t\t\t\t</АдресноеПоле>{NL}\t\t\t\t\t<АдресноеПоле>{NL}",
        el(6, "Тип", "Город"),
        el(6, "Значение", city),
        f"\t\t\t\t\t</АдресноеПоле>{NL}",
        f"\t\t\t\t</АдресРегистрации>{NL}",
        f"\t\t\t\t<Контакты>{NL}\t\t\t\t\t<Контакт>{NL}",
        el(6, "Тип", "Почта"),
        el(6, "Значение", f"client{number}@example.com"),
        f"\t\t\t\t\t</Контакт>{NL}\t\t\t\t\t<Контакт>{NL}",
        el(6, "Тип", "Телефон"),
        el(6, "Значение", phone),
        f"\t\t\t\t\t</Контакт>{NL}\t\t\t\t</Контакты>{NL}",
        f"\t\t\t</Контрагент>{NL}\t\t</Контрагенты>{NL}",
        el(2, "Время", when.strftime("%H:%M:%S")),
        el(2, "Комментарий", rng.choice(("", "Позвонить за час до доставки", "Оплата картой"))),
        f"\t\t<Налоги>{NL}\t\t\t<Налог>{NL}",
        el(4, "Наименование", "НДС"),
        el(4, "УчтеноВСумме", "true"),
        el(4, "Сумма", money((total * 20 + 60) // 120)),
        f"\t\t\t</Налог>{NL}\t\t</Налоги>{NL}",
        f"\t\t<Товары>{NL}",
    ]
    for offer_id, article, name, unit, price, quantity, item_kind in lines:
        counts["order_lines"] += 1
        parts.append(f"\t\t\t<Товар>{NL}")
        parts.append(el(4, "Ид", offer_id))
        parts.append(el(4, "Артикул", article))
        parts.append(el(4, "Наименование", name))
        parts.append(base_unit(unit, 4))
        parts.extend(
            _requisites_xml(
                4,
                (
                    ("ВидНоменклатуры", item_kind),
                    ("ТипНоменклатуры", "Услуга" if item_kind == "Услуга" else "Запас"),
                ),
            )
        )
        parts.append(el(4, "ЦенаЗаЕдиницу", money(price)))
        parts.append(el(4, "Количество", str(quantity)))
        parts.append(el(4, "Сумма", money(price * quantity)))
        parts.append(f"\t\t\t</Товар>{NL}")
    parts.append(f"\t\t</Товары>{NL}")
    paid = status in ("Отправлен", "[F] Доставлен") or rng.random() < 0.3
    shipped = status in ("Отправлен", "[F] Доставлен")
    stamp = posted.strftime("%Y-%m-%dT%H:%M:%S")
    requisites = [
        ("Номер по 1С", f"{ctx.code_prefix}-{number:06d}"),
        ("Дата по 1С", stamp),
        ("ПометкаУдаления", "false"),
        ("Проведен", "true" if status != "Отменен" else "false"),
        ("Оплачен", "true" if paid else "false"),
        ("Отгружен", "true" if shipped else "false"),
        ("Отменен", "true" if status == "Отменен" else "false"),
        ("Статус заказа", status),
        ("Адрес доставки", address),
        ("Метод доставки", delivery_name),
        ("Стоимость доставки", money(delivery_price)),
    ]
    parts.extend(_requisites_xml(2, requisites))
    parts.append(f"\t</Документ>{NL}")
    return "".join(parts)


def write_orders(ctx: Context, out_dir: Path, products: int, orders: int) -> None:
    """Write ``out_dir/orders.xml`` with ``orders`` documents numbered from 10001.

    Order lines point at offers of products ``0 .. products - 1``. Adds to
    ``ctx.counts``: orders and order_lines.
    """
    rng = stream_rng(ctx.seed, STREAM_ORDERS, 0)
    with open_xml(out_dir / "orders.xml", encoding=ctx.options.encoding) as out:
        out.write(root_open(ctx))
        for number in range(1, orders + 1):
            out.write(_order_xml(ctx, rng, 10000 + number, products))
        out.write(ROOT_CLOSE)
