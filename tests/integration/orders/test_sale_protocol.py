"""``type=sale`` over HTTP as 1C speaks it: replies byte for byte, the race, the failures."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from cml_exchange.commerceml.entities import Document
from cml_exchange.commerceml.reading.reader import read
from cml_exchange.models import ExchangeFile, ExchangeSettings, Order, OrderExport, OrderLine
from tests.factories import OrderFactory
from tests.integration.protocol.exchange import URL, OneC, body
from tests.paths import sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(client: Client, admin_user: User, upload_root: object) -> OneC:
    """1C after checkauth and an init with a version, as modern modules do."""
    onec = OneC(client, kind="sale")
    assert onec.checkauth().startswith(b"success\n")
    assert onec.get("init", version="2.08").startswith(b"zip=")
    return onec


def sent(onec: OneC) -> list[str]:
    """``query``, read back: the numbers of the orders in the answer."""
    reply = onec.get("query")
    documents = read(io.BytesIO(reply), name="query.xml")
    return [entity.number or "" for entity in documents if isinstance(entity, Document)]


def test_checkauth_is_four_lines_without_a_timestamp(client: Client, admin_user: User) -> None:
    reply = OneC(client, kind="sale").checkauth()
    lines = reply.decode("cp1251").split("\n")
    assert len(lines) == 5 and lines[4] == ""  # four lines, each ending in LF
    assert lines[0] == "success" and lines[1] == "CML_EXCHANGE_SESSION"
    assert lines[3].startswith("sessid=")


def test_checkauth_refuses_a_user_without_the_orders_rights(client: Client) -> None:
    User.objects.create_user("manager", password="secret")
    reply = OneC(client, kind="sale").checkauth("manager", "secret")
    assert reply == "failure\nУ Вас нет прав для обмена. Проверьте настройки компонента.".encode(
        "cp1251"
    )


def test_a_member_of_the_orders_groups_may_exchange_orders(client: Client) -> None:
    user = User.objects.create_user("manager", password="secret")
    group = Group.objects.create(name="1C")
    user.groups.add(group)
    ExchangeSettings.load().sale_groups.add(group)
    assert OneC(client, kind="sale").checkauth("manager", "secret").startswith(b"success\n")


def test_init_adds_sessid_and_version_only_when_1c_sent_a_version(
    client: Client, admin_user: User, upload_root: object
) -> None:
    onec = OneC(client, kind="sale")
    onec.checkauth()
    assert onec.get("init") == b"zip=yes\nfile_limit=204800\n"
    for asked, answered in (("2.05", "2.05"), ("2.09", "2.08"), ("2.10", "2.10"), ("3.1", "2.10")):
        reply = onec.get("init", version=asked).decode("cp1251")
        # Bitrix ends this answer with a line break, unlike the catalog's.
        assert reply == f"zip=yes\nfile_limit=204800\n{onec.sessid}\nversion={answered}\n"


def test_query_answers_xml_with_its_length(sale: OneC) -> None:
    OrderFactory.create(number="A-1")
    response = sale.client.get(f"{URL}?type=sale&mode=query&{sale.sessid}")
    content = body(response)
    assert response["Content-Type"] == "application/xml; charset=windows-1251"
    assert int(response["Content-Length"]) == len(content)
    assert 'ВерсияСхемы="2.08"'.encode("cp1251") in content


def test_success_marks_exactly_what_the_last_query_sent(sale: OneC) -> None:
    first = OrderFactory.create(number="1")
    assert sent(sale) == ["1"]
    assert sent(sale) == ["1"]  # repeated without success: the same orders again
    assert sale.get("success") == b"success\n"
    assert sent(sale) == []  # confirmed: not again
    second = OrderFactory.create(number="2")
    assert sent(sale) == ["2"]
    first.comment = "изменён после выгрузки"
    first.save()  # changed between query and success
    assert sale.get("success") == b"success\n"
    assert sent(sale) == ["1"]  # so it goes out again; "2" does not
    assert sale.get("success") == b"success\n"
    assert sent(sale) == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.due_for_1c and not second.due_for_1c


def test_a_line_change_after_the_query_sends_the_order_again(sale: OneC) -> None:
    order = OrderFactory.create(number="7")
    assert sent(sale) == ["7"]
    line = order.lines.first()
    assert line is not None
    line.quantity = Decimal(5)
    line.save()
    sale.get("success")
    assert sent(sale) == ["7"]


def test_a_failed_session_resends_everything_next_time(
    client: Client, admin_user: User, upload_root: object, sale: OneC
) -> None:
    OrderFactory.create(number="1")
    assert sent(sale) == ["1"]  # 1C failed before success
    again = OneC(Client(), kind="sale")
    again.checkauth()
    again.get("init", version="2.08")
    assert sent(again) == ["1"]
    assert again.get("success") == b"success\n"
    assert sent(again) == []
    assert OrderExport.objects.filter(confirmed__isnull=False).count() == 1


def test_success_twice_confirms_once(sale: OneC) -> None:
    OrderFactory.create(number="1")
    sent(sale)
    assert sale.get("success") == b"success\n"
    order = Order.objects.get()
    order.save()  # a change after the confirmation
    assert sale.get("success") == b"success\n"  # must not swallow that change
    assert sent(sale) == ["1"]


def test_file_and_import_apply_1c_changes_and_report_unknown_orders(sale: OneC) -> None:
    OrderFactory.create(id=142, number="142", lines=[])
    data = sample("ArgentCrusade").read_bytes()
    sale.upload("orders.xml", data, chunk=4096)
    assert Order.objects.get(pk=142).paid is False  # stored, not yet applied
    reply = sale.import_file("orders.xml")
    assert reply == "success\nЗаказ №235 на сайте не найден.\n".encode("cp1251")
    assert Order.objects.get(pk=142).paid is True


def test_import_resumes_where_the_last_step_stopped(sale: OneC) -> None:
    for pk in (36, 92, 93):
        OrderFactory.create(id=pk, number=str(pk), lines=[])
    orders = sample("irpsv__commerceml__tests__assets__off-doc-1c__orders").read_bytes()
    assert sale.post("orders.xml", orders) == b"success\n"
    # A step that stopped after the first two documents (in another process, say).
    ExchangeFile.objects.filter(name=sale.stored("orders.xml")).update(position=2)
    assert sale.get("import", filename="orders.xml") == b"success\n"
    assert dict(Order.objects.values_list("pk", "number_1c")) == {36: "", 92: "", 93: "MM93"}
    assert ExchangeFile.objects.get(name=sale.stored("orders.xml")).imported is not None
    assert sale.get("import", filename="orders.xml") == b"success\n"  # done: nothing again


def test_old_protocol_imports_the_file_at_once(
    client: Client, admin_user: User, upload_root: object
) -> None:
    onec = OneC(client, kind="sale")
    onec.checkauth()
    onec.get("init")  # no version: the old protocol
    OrderFactory.create(id=20, number="20", lines=[])
    reply = onec.post("to.xml", sample("carono__yii2-1c-exchange__files__xml__to").read_bytes())
    assert reply == b"success\n"
    assert Order.objects.get(pk=20).paid


def test_a_malformed_file_fails_and_changes_nothing(sale: OneC) -> None:
    OrderFactory.create(id=142, number="142", lines=[])
    data = sample("ArgentCrusade").read_bytes()
    sale.post("orders.xml", data[: len(data) - 200])  # cut off: the first order is whole
    reply = sale.get("import", filename="orders.xml").decode("cp1251")
    assert reply.startswith("failure\n")
    assert "orders.xml" in reply
    assert not Order.objects.get(pk=142).paid


def test_import_of_a_file_never_uploaded_fails(sale: OneC) -> None:
    assert sale.get("import", filename="orders.xml") == "failure\nФайл для импорта пуст.".encode(
        "cp1251"
    )


def test_an_archive_of_orders_is_unpacked_and_applied(sale: OneC) -> None:
    OrderFactory.create(id=20, number="20", lines=[])
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        to_xml = sample("carono__yii2-1c-exchange__files__xml__to").read_bytes()
        archive.writestr("orders.xml", to_xml)
    sale.post("orders.zip", packed.getvalue())
    assert sale.import_file("orders.xml") == b"success\n"
    assert Order.objects.get(pk=20).paid


def test_without_the_session_cookie_nothing_is_answered_but_failure(
    admin_user: User, upload_root: object
) -> None:
    OrderFactory.create(number="1")
    stranger = OneC(Client(), kind="sale")
    assert stranger.get("query").startswith(b"failure\n")
    assert stranger.get("success").startswith(b"failure\n")
    assert not OrderExport.objects.exists()


def test_a_stolen_cookie_without_sessid_is_refused_once_sessid_was_seen(sale: OneC) -> None:
    sale.get("query")  # with sessid: from now on it is required
    sessid, sale.sessid = sale.sessid, ""
    assert sale.get("success") == (
        "failure\nОшибка проверки источника запроса. Обновите модуль обмена.".encode("cp1251")
    )
    sale.sessid = sessid


def test_info_lists_statuses_payment_systems_and_delivery_services(sale: OneC) -> None:
    OrderFactory.create()
    reply = sale.get("info")
    text = reply.decode("cp1251")
    assert text.startswith('<?xml version="1.0" encoding="windows-1251"?>\n<Справочник>')
    assert "<\u0043татусы>" in text  # the Latin C of 1C-Bitrix
    assert "<Элемент>\n\t\t\t<Ид>N</Ид>" in text
    assert "<ПлатежныеСистемы>" in text and "<Ид>2</Ид>" in text
    assert "<СлужбыДоставки>" in text and "<Название>Курьер</Название>" in text


def test_unknown_mode_of_sale(sale: OneC) -> None:
    assert sale.get("deactivate") == "failure\nНеизвестная команда.".encode("cp1251")


def test_lines_saved_by_the_site_raise_the_version() -> None:
    order = OrderFactory.create()
    before = Order.objects.get(pk=order.pk).version
    OrderLine.objects.filter(order=order).first().delete()  # type: ignore[union-attr]
    assert Order.objects.get(pk=order.pk).version == before + 1
