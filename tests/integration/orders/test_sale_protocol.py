"""``type=sale`` over HTTP as 1C speaks it: replies byte for byte, the race, the failures."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from lxml import etree

from cml_exchange.client import ExchangeClient
from cml_exchange.commerceml.entities import Document
from cml_exchange.commerceml.reading.reader import read
from cml_exchange.models import ExchangeFile, ExchangeSettings, Order, OrderExport, OrderLine
from cml_exchange.protocol.replies import FILE_BLOCK_SIZE, SUCCESS, XML_CONTENT_TYPE, Reply
from tests.factories import OrderFactory, PaymentMethodFactory
from tests.integration.protocol.exchange import get, import_reply, new_1c, post, stored
from tests.paths import sample

pytestmark = pytest.mark.django_db


def sent(onec: ExchangeClient) -> list[str]:
    """``query``, read back: the numbers of the orders in the answer."""
    reply = onec.query()
    documents = read(io.BytesIO(reply), name="query.xml")
    return [entity.number or "" for entity in documents if isinstance(entity, Document)]


def test_checkauth_is_four_lines_without_a_timestamp(admin_user: User) -> None:
    reply = get(new_1c(), "checkauth", kind="sale")
    lines = reply.decode("cp1251").split("\n")
    assert len(lines) == 5 and lines[4] == ""  # four lines, each ending in LF
    assert lines[0] == "success" and lines[1] == "CML_EXCHANGE_SESSION"
    assert lines[3].startswith("sessid=")


def test_checkauth_refuses_a_user_without_the_orders_rights() -> None:
    User.objects.create_user("manager", password="secret")
    reply = get(new_1c("manager"), "checkauth", kind="sale")
    assert reply == "failure\nУ Вас нет прав для обмена. Проверьте настройки компонента.".encode(
        "cp1251"
    )


def test_a_member_of_the_orders_groups_may_exchange_orders() -> None:
    user = User.objects.create_user("manager", password="secret")
    group = Group.objects.create(name="1C")
    user.groups.add(group)
    ExchangeSettings.load().sale_groups.add(group)
    assert get(new_1c("manager"), "checkauth", kind="sale").startswith(b"success\n")


def test_init_adds_sessid_and_version_only_when_1c_sent_a_version(
    admin_user: User, upload_root: object
) -> None:
    onec = new_1c()
    auth = onec.checkauth("sale")
    assert get(onec, "init") == b"zip=yes\nfile_limit=204800\n"
    for asked, answered in (("2.05", "2.05"), ("2.09", "2.08"), ("2.10", "2.10"), ("3.1", "2.10")):
        reply = get(onec, "init", version=asked).decode("cp1251")
        # Bitrix ends this answer with a line break, unlike the catalog's.
        assert reply == f"zip=yes\nfile_limit=204800\n{auth.sessid}\nversion={answered}\n"


def choose_3_1() -> None:
    """The shop owner picks CommerceML 3.1 in the exchange settings."""
    settings = ExchangeSettings.load()
    settings.schema_version = ExchangeSettings.SchemaVersion.V3_1
    settings.save()


def test_init_with_the_3_1_setting_answers_3_1_to_a_1c_asking_3_or_more(
    admin_user: User, upload_root: object
) -> None:
    choose_3_1()
    onec = new_1c()
    auth = onec.checkauth("sale")
    assert get(onec, "init") == b"zip=yes\nfile_limit=204800\n"  # no version: two lines, as ever
    answers = (("2.05", "2.05"), ("2.09", "2.08"), ("2.10", "2.10"), ("3", "3.1"), ("3.1", "3.1"))
    for asked, answered in answers:
        reply = get(onec, "init", version=asked)
        assert reply == f"zip=yes\nfile_limit=204800\n{auth.sessid}\nversion={answered}\n".encode()


def containers(document: bytes) -> list[list[tuple[str, str, str | None]]]:
    """A 3.1 answer as ``[(ХозОперация, Ид, Основание) of each Документ]`` per ``Контейнер``."""
    root = etree.fromstring(document)
    assert root.tag == "КоммерческаяИнформация" and root.get("ВерсияСхемы") == "3.1"
    assert [child.tag for child in root] == ["Контейнер"] * len(root)
    return [
        [
            (
                item.findtext("ХозОперация") or "",
                item.findtext("Ид") or "",
                item.findtext("Основание"),
            )
            for item in box
            if item.tag == "Документ"
        ]
        for box in root
    ]


def test_a_3_1_query_puts_each_order_with_its_payment_and_shipment_in_a_container(
    admin_user: User, upload_root: object
) -> None:
    choose_3_1()
    first = OrderFactory.create(number="1")
    card = PaymentMethodFactory.create(code="4", name="Картой на сайте", cash=False)
    second = OrderFactory.create(number="2", payment_method=card, paid=True, delivery_allowed=True)
    onec = new_1c()
    onec.checkauth("sale")
    assert onec.init("sale", version="3.1").version == "3.1"
    response = onec.request("query")
    assert response.headers["Content-Type"] == "application/xml; charset=windows-1251"
    assert containers(response.body) == [
        [
            ("Заказ товара", str(order.pk), None),
            (payment, f"{order.pk}-payment", str(order.pk)),
            ("Отпуск товара", f"{order.pk}-shipment", str(order.pk)),
        ]
        for order, payment in (
            (first, "Выплата наличных денег"),
            (second, "Выплата безналичных денег"),
        )
    ]
    assert get(onec, "success") == b"success\n"
    assert containers(onec.query()) == []  # confirmed: an empty document, not sent again


def test_a_2_x_1c_of_a_3_1_shop_gets_the_2_x_it_asked_for(
    admin_user: User, upload_root: object
) -> None:
    choose_3_1()
    OrderFactory.create(number="1")
    onec = new_1c()
    onec.checkauth("sale")
    onec.init("sale", version="2.08")
    root = etree.fromstring(onec.query())
    assert root.get("ВерсияСхемы") == "2.08"
    assert [child.tag for child in root] == ["Документ"]


@pytest.mark.parametrize("setting_at_init", ["2", "3.1"])
def test_query_writes_the_schema_init_answered_though_the_settings_changed_between(
    admin_user: User, upload_root: object, setting_at_init: str
) -> None:
    """1C reads the orders by the version ``init`` told it, not by the settings of later."""
    settings = ExchangeSettings.load()
    settings.schema_version = setting_at_init
    settings.save()
    OrderFactory.create(number="1")
    onec = new_1c()
    onec.checkauth("sale")
    told = onec.init("sale", version="3.1").version
    assert told == ("3.1" if setting_at_init == "3.1" else "2.10")
    settings.schema_version = "2" if setting_at_init == "3.1" else "3.1"  # the owner switches
    settings.save()
    root = etree.fromstring(onec.query())
    assert root.get("ВерсияСхемы") == told
    tags = {child.tag for child in root}
    assert tags == ({"Контейнер"} if told == "3.1" else {"Документ"})


def test_query_answers_xml_with_its_length(sale: ExchangeClient) -> None:
    OrderFactory.create(number="A-1")
    response = sale.request("query")
    assert response.headers["Content-Type"] == "application/xml; charset=windows-1251"
    assert int(response.headers["Content-Length"]) == len(response.body)
    assert 'ВерсияСхемы="2.08"'.encode("cp1251") in response.body


def test_a_long_answer_is_streamed_from_its_file_in_large_blocks(tmp_path: Path) -> None:
    """Never read whole (a 60 MiB query), nor in Django's 4 KiB pieces (15,000 writes)."""
    document = tmp_path / "query.xml"
    content = bytes(range(256)) * (5 * FILE_BLOCK_SIZE // 256 + 3)
    document.write_bytes(content)
    response = Reply(b"", SUCCESS, file=document, content_type=XML_CONTENT_TYPE).response()
    blocks = [bytes(block) for block in response.streaming_content]  # type: ignore[attr-defined]
    response.close()
    assert b"".join(blocks) == content
    assert [len(block) for block in blocks] == [FILE_BLOCK_SIZE] * 5 + [768]


def test_success_marks_exactly_what_the_last_query_sent(sale: ExchangeClient) -> None:
    first = OrderFactory.create(number="1")
    assert sent(sale) == ["1"]
    assert sent(sale) == ["1"]  # repeated without success: the same orders again
    assert get(sale, "success") == b"success\n"
    assert sent(sale) == []  # confirmed: not again
    second = OrderFactory.create(number="2")
    assert sent(sale) == ["2"]
    first.comment = "изменён после выгрузки"
    first.save()  # changed between query and success
    assert get(sale, "success") == b"success\n"
    assert sent(sale) == ["1"]  # so it goes out again; "2" does not
    assert get(sale, "success") == b"success\n"
    assert sent(sale) == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.due_for_1c and not second.due_for_1c


def test_a_line_change_after_the_query_sends_the_order_again(sale: ExchangeClient) -> None:
    order = OrderFactory.create(number="7")
    assert sent(sale) == ["7"]
    line = order.lines.first()
    assert line is not None
    line.quantity = Decimal(5)
    line.save()
    get(sale, "success")
    assert sent(sale) == ["7"]


def test_a_failed_session_resends_everything_next_time(sale: ExchangeClient) -> None:
    OrderFactory.create(number="1")
    assert sent(sale) == ["1"]  # 1C failed before success
    again = new_1c()
    again.checkauth("sale")
    again.init("sale", version="2.08")
    assert sent(again) == ["1"]
    assert get(again, "success") == b"success\n"
    assert sent(again) == []
    assert OrderExport.objects.filter(confirmed__isnull=False).count() == 1


def test_success_twice_confirms_once(sale: ExchangeClient) -> None:
    OrderFactory.create(number="1")
    sent(sale)
    assert get(sale, "success") == b"success\n"
    order = Order.objects.get()
    order.save()  # a change after the confirmation
    assert get(sale, "success") == b"success\n"  # must not swallow that change
    assert sent(sale) == ["1"]


def test_file_and_import_apply_1c_changes_and_report_unknown_orders(sale: ExchangeClient) -> None:
    OrderFactory.create(id=142, number="142", lines=[])
    data = sample("ArgentCrusade").read_bytes()
    assert sale.upload("orders.xml", data, chunk=4096).lines == ()  # each part: success alone
    assert Order.objects.get(pk=142).paid is False  # stored, not yet applied
    reply = import_reply(sale, "orders.xml")
    assert reply == "success\nЗаказ №235 на сайте не найден.\n".encode("cp1251")
    assert Order.objects.get(pk=142).paid is True


def test_import_resumes_where_the_last_step_stopped(sale: ExchangeClient) -> None:
    for pk in (36, 92, 93):
        OrderFactory.create(id=pk, number=str(pk), lines=[])
    orders = sample("irpsv__commerceml__tests__assets__off-doc-1c__orders").read_bytes()
    assert post(sale, "orders.xml", orders) == b"success\n"
    # A step that stopped after the first two documents (in another process, say).
    ExchangeFile.objects.filter(name=stored(sale, "orders.xml")).update(position=2)
    assert get(sale, "import", filename="orders.xml") == b"success\n"
    assert dict(Order.objects.values_list("pk", "number_1c")) == {36: "", 92: "", 93: "MM93"}
    assert ExchangeFile.objects.get(name=stored(sale, "orders.xml")).imported is not None
    assert get(sale, "import", filename="orders.xml") == b"success\n"  # done: nothing again


def test_old_protocol_imports_the_file_at_once(admin_user: User, upload_root: object) -> None:
    onec = new_1c()
    onec.checkauth("sale")
    onec.init("sale")  # no version: the old protocol
    OrderFactory.create(id=20, number="20", lines=[])
    reply = post(onec, "to.xml", sample("carono__yii2-1c-exchange__files__xml__to").read_bytes())
    assert reply == b"success\n"
    assert Order.objects.get(pk=20).paid


def old_protocol_exchange(file_limit: int) -> ExchangeClient:
    ExchangeSettings.load()
    ExchangeSettings.objects.update(file_limit=file_limit)
    onec = new_1c()
    onec.checkauth("sale")
    onec.init("sale")  # no version: the old protocol
    return onec


def parts(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


def test_old_protocol_applies_a_file_sent_in_parts_once_its_last_part_is_in(
    admin_user: User, upload_root: object
) -> None:
    """1C splits a file larger than ``file_limit``; each part but the last is just stored.

    1-C-Bitrix answers ``success`` to every part; refusing the first as a cut-off
    file made 1C abort, so an orders file over ``file_limit`` never got through.
    """
    OrderFactory.create(id=142, number="142", lines=[])
    onec = old_protocol_exchange(file_limit=4096)
    *first, last = parts(sample("ArgentCrusade").read_bytes(), 4096)
    for part in first:
        assert post(onec, "orders.xml", part) == b"success\n"
        assert not Order.objects.get(pk=142).paid  # nothing applied from a part
    reply = post(onec, "orders.xml", last)
    assert reply == "success\nЗаказ №235 на сайте не найден.\n".encode("cp1251")
    assert Order.objects.get(pk=142).paid


def test_old_protocol_applies_an_archive_sent_in_parts_once_its_last_part_is_in(
    admin_user: User, upload_root: object
) -> None:
    OrderFactory.create(id=142, number="142", lines=[])
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:  # stored, not deflated: several parts
        archive.writestr("orders.xml", sample("ArgentCrusade").read_bytes())
    onec = old_protocol_exchange(file_limit=4096)
    *first, last = parts(packed.getvalue(), 4096)
    assert first
    assert [post(onec, "orders.zip", part) for part in first] == [b"success\n"] * len(first)
    reply = post(onec, "orders.zip", last)
    assert reply == "success\nЗаказ №235 на сайте не найден.\n".encode("cp1251")
    assert Order.objects.get(pk=142).paid


def test_old_protocol_refuses_a_cut_off_file_whose_last_part_is_in(
    admin_user: User, upload_root: object
) -> None:
    """A part shorter than ``file_limit`` is the file's last: a file still cut off is broken."""
    OrderFactory.create(id=142, number="142", lines=[])
    onec = old_protocol_exchange(file_limit=4096)
    data = sample("ArgentCrusade").read_bytes()
    *first, last = parts(data[: len(data) - 200], 4096)
    assert len(last) < 4096
    for part in first:
        assert post(onec, "orders.xml", part) == b"success\n"
    reply = post(onec, "orders.xml", last).decode("cp1251")
    assert reply.startswith("failure\nФайл оборван"), reply
    assert not Order.objects.get(pk=142).paid


def test_a_malformed_file_fails_and_changes_nothing(sale: ExchangeClient) -> None:
    OrderFactory.create(id=142, number="142", lines=[])
    data = sample("ArgentCrusade").read_bytes()
    post(sale, "orders.xml", data[: len(data) - 200])  # cut off: the first order is whole
    reply = get(sale, "import", filename="orders.xml").decode("cp1251")
    assert reply.startswith("failure\n")
    assert "orders.xml" in reply
    assert not Order.objects.get(pk=142).paid


def test_import_of_a_file_never_uploaded_fails(sale: ExchangeClient) -> None:
    assert get(sale, "import", filename="orders.xml") == "failure\nФайл для импорта пуст.".encode(
        "cp1251"
    )


def test_an_archive_of_orders_is_unpacked_and_applied(sale: ExchangeClient) -> None:
    OrderFactory.create(id=20, number="20", lines=[])
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        to_xml = sample("carono__yii2-1c-exchange__files__xml__to").read_bytes()
        archive.writestr("orders.xml", to_xml)
    post(sale, "orders.zip", packed.getvalue())
    assert import_reply(sale, "orders.xml") == b"success\n"
    assert Order.objects.get(pk=20).paid


def test_without_the_session_cookie_nothing_is_answered_but_failure(
    admin_user: User, upload_root: object
) -> None:
    OrderFactory.create(number="1")
    stranger = new_1c()  # no checkauth: neither cookie nor sessid
    assert get(stranger, "query", kind="sale").startswith(b"failure\n")
    assert get(stranger, "success", kind="sale").startswith(b"failure\n")
    assert not OrderExport.objects.exists()


def test_a_stolen_cookie_without_sessid_is_refused_once_sessid_was_seen(
    sale: ExchangeClient,
) -> None:
    sale.query()  # with sessid: from now on it is required
    assert sale.request("success", sessid="").body == (
        "failure\nОшибка проверки источника запроса. Обновите модуль обмена.".encode("cp1251")
    )


def test_info_lists_statuses_payment_systems_and_delivery_services(sale: ExchangeClient) -> None:
    OrderFactory.create()
    reply = get(sale, "info")
    text = reply.decode("cp1251")
    assert text.startswith('<?xml version="1.0" encoding="windows-1251"?>\n<Справочник>')
    assert "<\u0043татусы>" in text  # the Latin C of 1C-Bitrix
    assert "<Элемент>\n\t\t\t<Ид>N</Ид>" in text
    assert "<ПлатежныеСистемы>" in text and "<Ид>2</Ид>" in text
    assert "<СлужбыДоставки>" in text and "<Название>Курьер</Название>" in text


def test_unknown_mode_of_sale(sale: ExchangeClient) -> None:
    assert get(sale, "deactivate") == "failure\nНеизвестная команда.".encode("cp1251")


def test_lines_saved_by_the_site_raise_the_version() -> None:
    order = OrderFactory.create()
    before = Order.objects.get(pk=order.pk).version
    OrderLine.objects.filter(order=order).first().delete()  # type: ignore[union-attr]
    assert Order.objects.get(pk=order.pk).version == before + 1
