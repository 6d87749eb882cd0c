"""The orders exchange (type=sale) end to end: the built-in 1C against the live endpoint.

Written against the protocol (docs/protocol.md §1 and §5), not against the
endpoint's code: ``query`` answers one CommerceML document with one
``Документ`` per due order; ``success`` marks them as 1C's, so the next
``query`` has none of them; an orders file of 1C's, uploaded and imported,
changes the orders and is not sent back.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from cml_exchange.client import ExchangeClient, ExchangeFailure
from cml_exchange.models import ExchangeSettings, Order
from tests.e2e.conftest import PASSWORD, USER, Recorder
from tests.integration.importer.helpers import assert_done, import_samples
from tests.integration.importer.test_samples import SETS
from tests.paths import DATA_DIR

MakeClient = Callable[..., ExchangeClient]
Element = etree._Element
DELIVERY = "ORDER_DELIVERY"
#: 1C 8's own requisites for a paid, shipped, posted order (docs/commerceml.md §6.3).
PAID_AND_SHIPPED = {
    "Номер по 1С": "ЗК-000123",
    "Дата по 1С": "2026-11-20T10:15:00",
    "Проведен": "true",
    "ПометкаУдаления": "false",
    "Оплачен": "true",
    "Номер оплаты по 1С": "ПП-000045",
    "Дата оплаты по 1С": "2026-11-20T11:00:00",
    "Отгружен": "true",
    "Номер отгрузки по 1С": "РН-000067",
    "Дата отгрузки по 1С": "2026-11-21T9:05:00",
}


@pytest.fixture
def orders(exchange_user: Any, exchange_dirs: Path, tmp_path: Path) -> list[Order]:
    """Five orders of the carono catalog, all due for 1C."""
    _job, result = import_samples(tmp_path / "catalog", *SETS["carono"])
    assert_done(result)
    call_command("cml_demo_orders", "--count", "5", "--seed", "1", stdout=io.StringIO())
    return list(Order.objects.prefetch_related("lines").order_by("pk"))


# -- reading the site's documents ---------------------------------------------------


def parse(document: bytes) -> Element:
    return etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))


def local(element: Element) -> str:
    return etree.QName(element).localname


def documents_of(document: bytes) -> list[Element]:
    """The order documents: ``Документ`` under the root (or a ``Контейнер``) that are orders."""
    root = parse(document)
    assert local(root) == "КоммерческаяИнформация"
    found = []
    for element in root.iter("{*}Документ"):
        parent = element.getparent()
        in_place = parent is root or (parent is not None and local(parent) == "Контейнер")
        if in_place and text(element, "ХозОперация") == "Заказ товара":
            found.append(element)
    return found


def text(element: Element, path: str) -> str:
    found = element.find("/".join(f"{{*}}{step}" for step in path.split("/")))
    assert found is not None, f"no {path} in {local(element)}"
    return (found.text or "").strip()


def by_number(document: bytes) -> dict[str, Element]:
    return {text(element, "Номер"): element for element in documents_of(document)}


# -- writing 1C's documents ---------------------------------------------------------


def status_document(ident: str, number: str, requisites: dict[str, str]) -> Element:
    """A document of 1C's with no goods: only its numbers and requisites (as off-doc-1c has)."""
    document = etree.Element("Документ")
    for tag, value in (
        ("Ид", ident),
        ("Номер", number),
        ("Дата", "2026-11-20"),
        ("Время", "10:15:00"),
        ("ХозОперация", "Заказ товара"),
        ("Роль", "Продавец"),
        ("Валюта", "руб"),
        ("Курс", "1"),
    ):
        etree.SubElement(document, tag).text = value
    add_requisites(document, requisites)
    return document


def add_requisites(document: Element, requisites: dict[str, str]) -> None:
    holder = document.find("{*}ЗначенияРеквизитов")
    if holder is None:
        holder = etree.SubElement(document, "ЗначенияРеквизитов")
    for name, value in requisites.items():
        requisite = etree.SubElement(holder, "ЗначениеРеквизита")
        etree.SubElement(requisite, "Наименование").text = name
        etree.SubElement(requisite, "Значение").text = value


def file_of_1c(tmp_path: Path, documents: list[Element], name: str = "orders-1c_.xml") -> Path:
    """An orders file as 1C 8 writes it: UTF-8 with a BOM, schema 2.08."""
    root = etree.Element("КоммерческаяИнформация")
    root.set("ВерсияСхемы", "2.08")
    root.set("ДатаФормирования", "2026-11-21T12:00:00")
    root.extend(documents)
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


# -- site → 1C ----------------------------------------------------------------------


def test_query_holds_every_due_order(make_client: MakeClient, orders: list[Order]) -> None:
    result = make_client().exchange_orders()
    documents = by_number(result.document)
    assert set(documents) == {order.number for order in orders}
    for order in orders:
        document = documents[order.number]
        assert text(document, "Роль") == "Продавец"
        assert Decimal(text(document, "Сумма")) == order.total
        goods = document.findall("{*}Товары/{*}Товар")
        ids = [text(line, "Ид") for line in goods]
        assert len([i for i in ids if i != DELIVERY]) == len(order.lines.all())
        assert (DELIVERY in ids) == (order.delivery_price > 0)
        total = sum(Decimal(text(line, "Сумма")) for line in goods)
        assert total == order.total


def test_success_marks_them_exported(make_client: MakeClient, orders: list[Order]) -> None:
    first = make_client().exchange_orders()
    assert len(documents_of(first.document)) == len(orders)
    assert not any(order.due_for_1c for order in Order.objects.all())
    second = make_client().exchange_orders()
    assert documents_of(second.document) == []
    assert local(parse(second.document)) == "КоммерческаяИнформация"


def test_without_success_the_same_orders_go_again(
    make_client: MakeClient, orders: list[Order]
) -> None:
    client = make_client()
    client.checkauth("sale")
    client.init("sale")
    unconfirmed = by_number(client.query())
    assert len(unconfirmed) == len(orders)
    assert all(order.due_for_1c for order in Order.objects.all())
    again = make_client().exchange_orders()
    assert set(by_number(again.document)) == set(unconfirmed)


def test_a_changed_order_goes_again(make_client: MakeClient, orders: list[Order]) -> None:
    make_client().exchange_orders()
    changed = Order.objects.get(pk=orders[2].pk)
    changed.comment = "Покупатель просит перезвонить"
    changed.save()
    result = make_client().exchange_orders()
    assert list(by_number(result.document)) == [changed.number]


def test_with_version_the_document_has_the_version_init_answered(
    make_client: MakeClient, orders: list[Order]
) -> None:
    client = make_client()
    result = client.exchange_orders(version="2.08")
    assert result.params.version is not None
    assert result.params.sessid is not None and result.params.sessid.startswith("sessid=")
    assert parse(result.document).get("ВерсияСхемы") == result.params.version
    assert len(documents_of(result.document)) == len(orders)


def test_info_lists_statuses_payments_and_deliveries(
    make_client: MakeClient, orders: list[Order]
) -> None:
    client = make_client()
    client.checkauth("sale")
    root = parse(client.info())
    assert local(root) == "Справочник"
    lists = {local(child): child for child in root}
    assert {"Cтатусы", "ПлатежныеСистемы", "СлужбыДоставки"} <= set(lists)  # Latin C, as Bitrix
    statuses = [text(item, "Ид") for item in lists["Cтатусы"].findall("{*}Элемент")]
    assert {order.status.code for order in orders if order.status} <= set(statuses)
    payments = [text(item, "Название") for item in lists["ПлатежныеСистемы"].iter("{*}Элемент")]
    assert {order.payment_method.name for order in orders if order.payment_method} <= set(payments)


# -- 1C → site ----------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "2.08"], ids=["old-protocol", "version-2.08"])
def test_1cs_file_updates_the_orders(
    make_client: MakeClient, orders: list[Order], tmp_path: Path, version: str | None
) -> None:
    """1C sends back two orders (paid and shipped; canceled) and one it never got."""
    sent = by_number(make_client().exchange_orders(version=version).document)
    unpaid = [order for order in orders if not order.paid and not order.canceled]
    assert len(unpaid) >= 2, "the demo orders of seed 1 must have two unpaid ones"
    paid, canceled = unpaid[0], unpaid[1]
    path = file_of_1c(
        tmp_path,
        [
            status_document(text(sent[paid.number], "Ид"), paid.number, PAID_AND_SHIPPED),
            status_document(
                text(sent[canceled.number], "Ид"),
                canceled.number,
                {"ПометкаУдаления": "false", "Отменен": "true"},
            ),
            status_document(
                "5c0ffee0-0000-4000-8000-000000000001", "ЗК-999999", {"Проведен": "true"}
            ),
        ],
    )
    client = make_client()
    result = client.exchange_orders(version=version, send=path)
    assert documents_of(result.document) == []  # everything was confirmed the first time
    assert len(result.errors) == 1, result.errors
    assert "ЗК-999999" in result.errors[0] and "не найден" in result.errors[0]
    assert cast_log(client)[-1].startswith(f"import {path.name}: ")

    paid.refresh_from_db()
    assert (paid.paid, paid.payment_number_1c) == (True, "ПП-000045")
    assert (paid.delivery_allowed, paid.shipment_number_1c) == (True, "РН-000067")
    assert (paid.number_1c, paid.posted_1c) == ("ЗК-000123", True)
    assert paid.paid_at is not None and paid.shipped_at is not None
    canceled.refresh_from_db()
    assert canceled.canceled and canceled.canceled_at is not None
    # 1C's own changes are not sent back to it
    assert not any(order.due_for_1c for order in Order.objects.all())
    assert documents_of(make_client().exchange_orders().document) == []


def test_1c_changes_a_quantity(
    make_client: MakeClient, orders: list[Order], tmp_path: Path
) -> None:
    """1C sends an open order back with its first line's quantity raised to 7."""
    sent = by_number(make_client().exchange_orders(version="2.08").document)
    order = next(o for o in orders if not (o.paid or o.delivery_allowed or o.canceled))
    document = copy.deepcopy(sent[order.number])
    line = next(
        item for item in document.findall("{*}Товары/{*}Товар") if text(item, "Ид") != DELIVERY
    )
    price = Decimal(text(line, "ЦенаЗаЕдиницу"))
    line.find("{*}Количество").text = "7"  # type: ignore[union-attr]
    line.find("{*}Сумма").text = str(price * 7)  # type: ignore[union-attr]
    goods = [Decimal(text(item, "Сумма")) for item in document.findall("{*}Товары/{*}Товар")]
    document.find("{*}Сумма").text = str(sum(goods))  # type: ignore[union-attr]
    add_requisites(document, {"Номер по 1С": "ЗК-000777", "Проведен": "false"})
    result = make_client().exchange_orders(version="2.08", send=file_of_1c(tmp_path, [document]))
    assert result.errors == []
    order.refresh_from_db()
    changed = order.lines.get(external_id=text(line, "Ид"))
    assert changed.quantity == 7
    assert changed.amount == price * 7
    assert order.total == sum(row.amount for row in order.lines.all()) + order.delivery_price
    assert order.number_1c == "ЗК-000777"
    assert not order.due_for_1c


# -- CommerceML 3.1 both ways -------------------------------------------------------------

#: 1C's 3.1 reply: order 1001 paid and shipped by the documents beside it (tests/data/cml31).
CML31_FROM_1C = DATA_DIR / "cml31" / "orders_from_1c.xml"


def containers_of(document: bytes) -> list[list[Element]]:
    """The ``Документ`` elements of each ``Контейнер`` of a 3.1 answer (it holds nothing else)."""
    root = parse(document)
    assert root.get("ВерсияСхемы") == "3.1"
    assert [local(child) for child in root] == ["Контейнер"] * len(root)
    return [[item for item in box if local(item) == "Документ"] for box in root]


def reply_of_1c(tmp_path: Path, sent: Element) -> Path:
    """orders_from_1c.xml about the order ``sent``: its Ид, number and goods in place of 1001's."""
    root = parse(CML31_FROM_1C.read_bytes())
    order, *beside = root.iterfind("{*}Контейнер/{*}Документ")
    ident, number = text(sent, "Ид"), text(sent, "Номер")
    order.find("{*}Ид").text = ident  # type: ignore[union-attr]
    order.find("{*}Номер").text = number  # type: ignore[union-attr]
    order.find("{*}Сумма").text = text(sent, "Сумма")  # type: ignore[union-attr]
    goods, site_goods = order.find("{*}Товары"), sent.find("{*}Товары")
    assert goods is not None and site_goods is not None
    order.replace(goods, copy.deepcopy(site_goods))  # 1C has the site's goods
    for document in beside:
        document.find("{*}Основание").text = ident  # type: ignore[union-attr]
    path = tmp_path / "orders-3.1_.xml"
    path.write_bytes(b"\xef\xbb\xbf" + etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def test_3_1_both_ways(make_client: MakeClient, orders: list[Order], tmp_path: Path) -> None:
    """A 3.1 shop: containers go to 1C, and 1C's 3.1 reply pays and ships one order, once."""
    settings = ExchangeSettings.load()
    settings.schema_version = ExchangeSettings.SchemaVersion.V3_1
    settings.save()

    result = make_client().exchange_orders(version="3.1")
    assert result.params.version == "3.1"
    containers = containers_of(result.document)
    assert len(containers) == len(orders)
    for box in containers:
        order, *beside = box
        assert text(order, "ХозОперация") == "Заказ товара"
        assert order.find("{*}ПодчиненныеДокументы") is None
        assert beside and {text(item, "Основание") for item in beside} == {text(order, "Ид")}
        assert {text(item, "ХозОперация") for item in beside} <= {
            "Выплата наличных денег",
            "Выплата безналичных денег",
            "Отпуск товара",
        }
    sent = {text(box[0], "Номер"): box[0] for box in containers}
    target = next(o for o in orders if not (o.paid or o.delivery_allowed or o.canceled))
    reply = reply_of_1c(tmp_path, sent[target.number])

    result = make_client().exchange_orders(version="3.1", send=reply)
    assert containers_of(result.document) == []  # confirmed the first time: not again
    assert result.errors == []
    target.refresh_from_db()
    local_time = timezone.make_aware
    assert (target.paid, target.paid_at, target.payment_number_1c) == (
        True,
        local_time(dt.datetime(2025, 10, 15, 9, 12, 40)),
        "00ЦБ-000342",
    )
    assert (target.delivery_allowed, target.shipped_at, target.shipment_number_1c) == (
        True,
        local_time(dt.datetime(2025, 10, 15, 14, 5)),
        "РТУ-000518",
    )
    assert (target.number_1c, target.posted_1c) == ("ЗК-000217", True)
    assert not any(order.due_for_1c for order in Order.objects.all())

    result = make_client().exchange_orders(version="3.1", send=reply)  # 1C sends it again
    assert containers_of(result.document) == [] and result.errors == []
    again = Order.objects.get(pk=target.pk)
    assert (again.version, again.paid_at, again.shipped_at) == (
        target.version,
        target.paid_at,
        target.shipped_at,
    )


# -- rights and the command -------------------------------------------------------------


def test_a_user_without_rights(exchange_url: str, orders: list[Order]) -> None:
    from django.contrib.auth.models import User

    User.objects.create_user("shop-manager", password="pw-менеджер")
    client = ExchangeClient(exchange_url, "shop-manager", "pw-менеджер", timeout=30)
    with pytest.raises(ExchangeFailure) as raised:
        client.exchange_orders()
    assert raised.value.mode == "checkauth"
    assert "У Вас нет прав для обмена" in raised.value.message
    assert all(order.due_for_1c for order in Order.objects.all())


def test_the_command(
    exchange_url: str, orders: list[Order], make_client: MakeClient, tmp_path: Path
) -> None:
    saved = tmp_path / "query.xml"
    unknown = file_of_1c(tmp_path, [status_document("x-1", "ЗК-404", {"Проведен": "true"})])
    out = io.StringIO()
    call_command(
        "cml_exchange_client",
        exchange_url,
        "--user",
        USER,
        "--password",
        PASSWORD,
        "--orders",
        "--schema-version",
        "2.08",
        "--save-query",
        str(saved),
        "--send-orders",
        str(unknown),
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "checkauth: вход выполнен"
    assert lines[1].startswith("init: zip=") and lines[1].endswith(", версия схемы 2.08")
    assert lines[2].startswith("query: получено ") and lines[2].endswith(" XML")
    assert lines[3:6] == [
        f"Выгрузка сохранена в {saved}",
        f"Документов в выгрузке: {len(orders)}, из них заказов: {len(orders)}",
        "success: сайт отметил заказы полученными 1С",
    ]
    assert lines[6].startswith(f"Файл {unknown.name} отправлен: 1 часть, ")
    assert lines[7].startswith(f"Импорт {unknown.name}: готово (1 запрос, ")
    assert "ЗК-404" in lines[8] and "не найден" in lines[8]
    assert lines[-2:] == ["Ошибок при загрузке заказов: 1", "Обмен завершен."]
    assert len(documents_of(saved.read_bytes())) == len(orders)


def cast_log(client: ExchangeClient) -> Recorder:
    assert isinstance(client.log, Recorder)
    return client.log
