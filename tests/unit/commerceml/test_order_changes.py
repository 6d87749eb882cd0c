"""What each real 1C → site orders file says happened, reduced to OrderChanges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cml_exchange.commerceml.entities import Document, Requisite
from cml_exchange.commerceml.reading.order_changes import (
    OrderChanges,
    apply_subordinate,
    is_order,
    read_changes,
)
from cml_exchange.commerceml.reading.reader import read
from tests.paths import DATA_DIR, sample


def changes_of(name: str) -> list[OrderChanges]:
    return [read_changes(e) for e in read(sample(name)) if isinstance(e, Document)]


def test_bitrix_echo_to_xml_is_paid_shipped_and_final() -> None:
    (changes,) = changes_of("carono__yii2-1c-exchange__files__xml__to")
    assert changes.id == "20"
    assert changes.number == "20"
    assert changes.paid is True
    assert changes.paid_at == dt.datetime(2007, 10, 16, 15, 44, 47)
    assert changes.payment_number == "ТК000000026"
    assert changes.shipped is True
    assert changes.shipped_at == dt.datetime(2007, 10, 16, 15, 51, 27)
    assert changes.canceled is False
    assert (changes.status_code, changes.status_name) == ("F", "Доставлен")
    assert changes.delivery_price == Decimal("348.00")
    assert [line.id for line in changes.lines or []] == ["cbcf498f-55bc-11d9-848a-00112f43529a"]


def test_unf_order_with_payment_and_shipment_by_1c() -> None:
    (changes,) = changes_of("dicrtarasov")
    assert changes.id == "24c82d03-7149-11eb-80c0-7085c2ddb497"
    assert changes.number == "13838"
    assert changes.number_1c == "СА-013838"
    assert changes.date_1c == dt.date(2021, 2, 17)
    assert changes.posted is True
    assert changes.canceled is False
    assert changes.paid is True
    assert changes.paid_at == dt.datetime(2021, 2, 18, 9, 49, 2)  # 1C wrote "T9:49:02"
    assert changes.payment_number == "НФНФ-000001"
    assert changes.shipped is True
    assert changes.shipment_number == "НФНФ-000001"
    assert (changes.status_code, changes.status_name) == (None, "Отправлен")
    assert changes.delivery_price == Decimal("405")
    (line,) = changes.lines or []
    assert (line.id, line.quantity, line.price) == (
        "f37c0c86-28f7-11e2-8783-001d607b58e2",
        Decimal("3"),
        Decimal("370"),
    )


def test_ut11_documents_carry_status_ids_and_versions() -> None:
    first, second = changes_of("ArgentCrusade")
    assert (first.id, first.version, first.number_1c) == ("142", "AAAAEAAAAAA=", "ТДЦУ-000001")
    assert first.status_code == "P"
    assert (first.payment_number, first.shipment_number) == ("ТДЦУ-000001", "ТДЦУ-000003")
    assert first.shipped_at == dt.datetime(2015, 6, 29, 17, 32, 27)
    assert first.delivery_price == Decimal(0)  # no delivery line: none
    assert second.paid is True and second.shipped is None
    assert second.delivery_price == Decimal("500")


def test_status_only_updates_have_no_lines() -> None:
    full, status_only, other = changes_of("irpsv__commerceml__tests__assets__off-doc-1c__orders")
    assert full.lines is not None and full.paid is None and full.shipped is None
    assert (full.status_code, full.status_name) == ("N", "Принят")
    assert status_only.lines is None and other.lines is None
    assert (status_only.number_1c, status_only.posted) == ("MM92", True)
    assert status_only.status_name == "Открыт"
    assert status_only.canceled is False


def test_deletion_mark_cancels_with_reason() -> None:
    document = Document(
        id="7",
        requisites=[
            Requisite(name="ПометкаУдаления", value="true"),
            Requisite(name="Причина отмены", value="Покупатель передумал"),
        ],
    )
    changes = read_changes(document)
    assert changes.canceled is True
    assert changes.cancel_reason == "Покупатель передумал"


def test_a_document_silent_on_payment_changes_nothing_of_it() -> None:
    changes = read_changes(Document(id="8", requisites=[Requisite(name="Оплачен", value="false")]))
    assert changes.paid is None
    assert changes.canceled is None


def test_2_10_subordinate_payment_and_shipment_fold_into_the_order() -> None:
    order = Document(id="9", operation="Заказ товара")
    payment = Document(
        id="p1",
        number="ОПЛ-1",
        date=dt.date(2026, 11, 21),
        time=dt.time(10, 0),
        operation="Выплата безналичных денег",
        basis="9",
        requisites=[Requisite(name="Проведен", value="true")],
    )
    draft_shipment = Document(
        id="s1",
        operation="Отпуск товара",
        basis="9",
        requisites=[Requisite(name="Проведен", value="false")],
    )
    order.subordinates = [payment, draft_shipment]
    changes = read_changes(order)
    assert (changes.paid, changes.paid_at, changes.payment_number) == (
        True,
        dt.datetime(2026, 11, 21, 10, 0),
        "ОПЛ-1",
    )
    assert changes.shipped is None  # a shipment not posted in 1C is not a shipment

    alone = OrderChanges(id="9")
    apply_subordinate(
        alone, Document(id="s2", operation="Отпуск товара", basis="9", number_1c="РТУ-5")
    )
    assert (alone.shipped, alone.shipment_number) == (True, "РТУ-5")
    assert not is_order(payment) and is_order(order)


# -- CommerceML 3.1: payment and shipment beside the order, in its Контейнер -----------

CML31_FROM_1C = DATA_DIR / "cml31" / "orders_from_1c.xml"


def test_3_1_payment_and_shipment_carry_the_state_with_1c_dates_and_numbers() -> None:
    order, payment, shipment = [e for e in read(CML31_FROM_1C) if isinstance(e, Document)]
    assert all(document.in_container for document in (order, payment, shipment))
    changes = read_changes(order)
    assert (changes.id, changes.version) == ("1001", "AAAAAAAAAGQ=")
    assert (changes.number_1c, changes.date_1c, changes.posted) == (
        "ЗК-000217",
        dt.date(2025, 10, 14),
        True,
    )
    assert changes.paid is None and changes.shipped is None  # not on the order itself
    for subordinate in (payment, shipment):
        assert subordinate.basis == "1001" and not is_order(subordinate)
        apply_subordinate(changes, subordinate)
    assert (changes.paid, changes.paid_at, changes.payment_number) == (
        True,
        dt.datetime(2025, 10, 15, 9, 12, 40),  # Дата оплаты по 1С, not the document's Дата
        "00ЦБ-000342",
    )
    assert (changes.shipped, changes.shipped_at, changes.shipment_number) == (
        True,
        dt.datetime(2025, 10, 15, 14, 5),
        "РТУ-000518",
    )
    assert changes.tracking_number == "80097215436718"  # Идентификатор отправления


def test_a_canceled_or_unshipped_subordinate_changes_nothing() -> None:
    for operation, flag in (
        ("Выплата безналичных денег", ("Отменен", "true")),
        ("Отпуск товара", ("Отменен", "true")),
        ("Отпуск товара", ("Отгружен", "false")),
    ):
        changes = OrderChanges(id="9")
        document = Document(
            id="d",
            operation=operation,
            basis="9",
            requisites=[Requisite(name=flag[0], value=flag[1])],
        )
        apply_subordinate(changes, document)
        assert (changes.paid, changes.shipped) == (None, None), (operation, flag)


def test_without_1c_requisites_a_subordinate_is_dated_by_its_date_1c() -> None:
    changes = OrderChanges(id="9")
    payment = Document(
        id="p",
        number="5",
        number_1c="ПКО-5",
        date=dt.date(2026, 1, 1),
        date_1c=dt.date(2026, 1, 2),
        time=dt.time(8, 30),
        operation="Выплата наличных денег",
        basis="9",
    )
    apply_subordinate(changes, payment)
    assert (changes.paid_at, changes.payment_number) == (dt.datetime(2026, 1, 2, 8, 30), "ПКО-5")


def test_a_returned_payment_refunds_and_a_draft_return_changes_nothing() -> None:
    returned = [
        Requisite(name="Оплачен", value="true"),
        Requisite(name="ПризнакВозврата", value="true"),
        Requisite(name="Причина к Возврату", value="Брак"),
    ]
    changes = OrderChanges(id="9")
    apply_subordinate(
        changes,
        Document(id="p", operation="Выплата безналичных денег", basis="9", requisites=returned),
    )
    assert (changes.paid, changes.refunded, changes.refund_reason) == (None, True, "Брак")

    draft = OrderChanges(id="9")
    apply_subordinate(
        draft,
        Document(
            id="p",
            operation="Выплата безналичных денег",
            basis="9",
            requisites=[*returned, Requisite(name="Проведен", value="false")],
        ),
    )
    assert (draft.paid, draft.refunded) == (None, None)
