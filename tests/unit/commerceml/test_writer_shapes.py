"""The orders writer's shapes: XSD validity of 2.08 and 2.10, 1C-Bitrix's 2.05, 3.1's containers.

No database and no Django; the documents come from ``writer_cases.py``.
"""

import datetime as dt
import io

import pytest
from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Document,
    OrderLine,
)
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.writing.writer import (
    BITRIX_FORMATS,
    NAMESPACE,
    NAMESPACE_3,
    OrdersWriter,
)
from tests.paths import sample
from tests.unit.commerceml.writer_cases import (
    ENCODINGS,
    XSD_VERSIONS,
    buyer,
    child_tags,
    find,
    full_document,
    goods_line,
    local,
    schema,
    seller,
    subordinate_documents,
    write,
)

# --------------------------------------------------------------------------
# XSD validity of 2.08 and 2.10
# --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("version", XSD_VERSIONS)
def test_full_documents_validate_against_the_official_xsd(version, encoding):
    documents = [full_document("1001"), full_document("1002", lines=[goods_line(3)])]
    if version == "2.10":
        documents[0].subordinates = subordinate_documents("1001")
    data = write(documents, schema_version=version, encoding=encoding, namespace=NAMESPACE)

    xsd = schema(version)
    assert xsd.validate(etree.fromstring(data)), xsd.error_log
    assert b"xmlns=" in data.split(b">", 2)[1]  # declared once, on the root
    assert data.count(b"xmlns=") == 1


@pytest.mark.parametrize("version", XSD_VERSIONS)
def test_minimal_line_validates_with_the_required_empty_base_unit(version):
    document = full_document(lines=[OrderLine(id="x", name="Без единицы")])
    data = write([document], schema_version=version, namespace=NAMESPACE)
    root = etree.fromstring(data)
    xsd = schema(version)
    assert xsd.validate(root), xsd.error_log
    unit = find(root, f"{{{NAMESPACE}}}Документ/{{{NAMESPACE}}}Товары/{{{NAMESPACE}}}Товар")[2]
    assert local(unit) == T.BASE_UNIT and unit.text is None and not unit.attrib


@pytest.mark.parametrize("version", XSD_VERSIONS)
def test_a_company_and_a_person_validate(version):
    document = full_document(counterparties=[seller(), buyer()])
    data = write([document], schema_version=version, namespace=NAMESPACE)
    xsd = schema(version)
    assert xsd.validate(etree.fromstring(data)), xsd.error_log


@pytest.mark.parametrize("version", XSD_VERSIONS)
def test_no_bitrix_formats_on_xsd_versions(version):
    data = write([full_document()], schema_version=version, bitrix_formats=True)
    root = etree.fromstring(data)
    assert set(root.attrib) == {T.SCHEMA_VERSION, T.GENERATED_AT}
    assert root.get(T.SCHEMA_VERSION) == version
    assert root.get(T.GENERATED_AT) == "2024-03-01T12:30:45"


def test_fields_outside_the_xsd_are_written_only_when_set():
    plain = etree.fromstring(write([full_document()], schema_version="2.10"))
    extras = (T.VERSION, T.DELETION_MARK, T.NUMBER_1C, T.DATE_1C, T.BASIS)
    assert not set(extras) & set(child_tags(plain[0]))

    document = full_document(
        version="AAAAEAAAAAA=", deleted=True, number_1c="ТДЦУ-1", date_1c=dt.date(2024, 3, 1)
    )
    document.basis = "999"
    root = etree.fromstring(write([document], schema_version="2.10"))
    assert child_tags(root[0])[:8] == [
        T.ID, T.VERSION, T.DELETION_MARK, T.NUMBER, T.NUMBER_1C, T.DATE, T.DATE_1C, T.OPERATION
    ]  # fmt: skip
    assert root.findtext("Документ/Основание") == "999"


# --------------------------------------------------------------------------
# 2.05: 1C-Bitrix's shape
# --------------------------------------------------------------------------


def bitrix_sample() -> etree._Element:
    return etree.parse(str(sample("dobromyslov__commerceml-parser__data__bitrix"))).getroot()


def test_bitrix_root_attributes_on_2_05():
    root = etree.fromstring(write([full_document()]))
    assert list(root.attrib.items()) == [
        (T.SCHEMA_VERSION, "2.05"),
        (T.GENERATED_AT, "2024-03-01T12:30:45"),
        *BITRIX_FORMATS,
    ]
    reference = bitrix_sample()
    assert {name: reference.get(name) for name, _ in BITRIX_FORMATS} == dict(BITRIX_FORMATS)


def test_bitrix_formats_can_be_switched_off():
    root = etree.fromstring(write([full_document()], bitrix_formats=False))
    assert set(root.attrib) == {T.SCHEMA_VERSION, T.GENERATED_AT}


def test_2_05_follows_the_order_of_bitrix_answer():
    reference = find(bitrix_sample(), T.DOCUMENT)
    ours = find(etree.fromstring(write([full_document()])), T.DOCUMENT)

    pairs = [
        (ours, reference),
        (find(ours, "Контрагенты/Контрагент"), find(reference, "Контрагенты/Контрагент")),
        (find(ours, "Товары/Товар[2]"), find(reference, "Товары/Товар")),
    ]
    for our_element, their_element in pairs:
        our_tags, their_tags = child_tags(our_element), child_tags(their_element)
        # The elements both have come in the same order.
        assert [tag for tag in our_tags if tag in their_tags] == [
            tag for tag in their_tags if tag in our_tags
        ], local(our_element)
    line = find(ours, "Товары/Товар[2]")
    assert child_tags(line)[:5] == [T.ID, T.CATALOG_ID, T.ARTICLE, T.NAME, T.BASE_UNIT]
    assert child_tags(line).index(T.REQUISITES) > child_tags(line).index(T.AMOUNT)
    unit = find(line, T.BASE_UNIT)
    assert dict(unit.attrib) == dict(find(reference, "Товары/Товар/БазоваяЕдиница").attrib)
    assert unit.text == "шт"


def test_2_05_delivery_line_and_requisites():
    root = etree.fromstring(write([full_document()]))
    first = find(root, "Документ/Товары/Товар")
    assert first.findtext(T.ID) == "ORDER_DELIVERY"
    assert first.findtext(T.NAME) == "Доставка заказа"
    assert first.findtext(T.QUANTITY) == "1"
    kinds = {
        item.findtext(T.NAME): item.findtext(T.VALUE)
        for item in first.iterfind("ЗначенияРеквизитов/ЗначениеРеквизита")
    }
    assert kinds == {"ВидНоменклатуры": "Услуга", "ТипНоменклатуры": "Услуга"}
    names = [
        item.findtext(T.NAME)
        for item in root.iterfind("Документ/ЗначенияРеквизитов/ЗначениеРеквизита")
    ]
    assert names == ["Заказ оплачен", "Статус заказа", "Комментарии покупателя"]


def test_2_05_representatives_are_wrapped_as_bitrix_does():
    root = etree.fromstring(write([full_document()]))
    representative = find(root, "Документ/Контрагенты/Контрагент/Представители/Представитель")
    assert child_tags(representative) == [T.COUNTERPARTY]
    assert child_tags(representative[0]) == [T.RELATION, T.ID, T.NAME]


@pytest.mark.parametrize("version", ["2.05", "2.08"])
def test_subordinates_are_not_written_before_2_10(version):
    document = full_document(subordinates=subordinate_documents())
    root = etree.fromstring(write([document], schema_version=version))
    assert root.find("Документ/ПодчиненныеДокументы") is None


def test_subordinates_are_nested_in_2_10():
    document = full_document(subordinates=subordinate_documents())
    root = etree.fromstring(write([document], schema_version="2.10"))
    nested = root.findall("Документ/ПодчиненныеДокументы/ПодчиненныйДокумент")
    assert [item.findtext(T.OPERATION) for item in nested] == [
        T.OPERATION_CASHLESS_PAYMENT,
        T.OPERATION_SHIPMENT,
    ]
    assert child_tags(nested[1])[:4] == [T.ID, T.NUMBER, T.DATE, T.OPERATION]
    assert T.COUNTERPARTIES not in child_tags(nested[1])  # optional in a subordinate


# --------------------------------------------------------------------------
# 3.1: a Контейнер per order, payments and shipments beside the order
# --------------------------------------------------------------------------


def test_3_1_puts_each_order_and_its_subordinates_in_a_container():
    first = full_document("1001", subordinates=subordinate_documents("1001"))
    second = full_document("1002")
    root = etree.fromstring(write([first, second], schema_version="3.1"))

    assert root.get(T.SCHEMA_VERSION) == "3.1"
    assert etree.QName(root).namespace is None  # as 1C-Bitrix writes it
    assert [(name, root.get(name)) for name, _ in BITRIX_FORMATS] == list(BITRIX_FORMATS)
    assert child_tags(root) == [T.CONTAINER, T.CONTAINER]
    order, payment, shipment = root[0]
    assert child_tags(root[0]) == [T.DOCUMENT] * 3
    assert [child_tags(document) for document in root[1]] == [child_tags(order)]
    assert [element.findtext(T.OPERATION) for element in root[0]] == [
        T.OPERATION_ORDER,
        T.OPERATION_CASHLESS_PAYMENT,
        T.OPERATION_SHIPMENT,
    ]
    assert order.find(T.SUBORDINATE_DOCUMENTS) is None and order.find(T.BASIS) is None
    assert [payment.findtext(T.BASIS), shipment.findtext(T.BASIS)] == ["1001", "1001"]
    assert [payment.findtext(T.ID), shipment.findtext(T.ID)] == ["1001-payment", "1001-shipment"]
    # A whole Документ: the elements a subordinate may leave out are there.
    assert child_tags(shipment)[:10] == [
        T.ID, T.NUMBER, T.DATE, T.OPERATION, T.BASIS, T.ROLE, T.CURRENCY, T.EXCHANGE_RATE,
        T.AMOUNT, T.COUNTERPARTIES,
    ]  # fmt: skip


def test_3_1_always_has_containers_and_a_namespace_only_when_asked():
    data = write([full_document("1")], schema_version="3.1", container=False, namespace=NAMESPACE_3)
    root = etree.fromstring(data)
    assert etree.QName(root).namespace == NAMESPACE_3 and data.count(b"xmlns=") == 1
    assert [local(child) for child in root] == [T.CONTAINER]
    assert [local(child) for child in root[0]] == [T.DOCUMENT]


def test_3_1_refuses_a_subordinate_of_another_order_and_writes_nothing_of_it():
    stream = io.BytesIO()
    with OrdersWriter(stream, schema_version="3.1") as writer:
        writer.write(full_document("1"))
        with pytest.raises(WriterError, match="в Контейнер документа 2"):
            writer.write(full_document("2", subordinates=[Document(id="p", basis="9")]))
        writer.write(full_document("3", subordinates=subordinate_documents("3")))
    root = etree.fromstring(stream.getvalue())
    assert [[item.findtext(T.ID) for item in box] for box in root] == [
        ["1"],
        ["3", "3-payment", "3-shipment"],
    ]


def test_minimal_document_has_only_required_elements():
    root = etree.fromstring(write([Document(id="5")]))
    document = find(root, T.DOCUMENT)
    assert child_tags(document) == [
        T.ID, T.NUMBER, T.DATE, T.OPERATION, T.ROLE, T.CURRENCY, T.EXCHANGE_RATE, T.AMOUNT,
        T.COUNTERPARTIES,
    ]  # fmt: skip
    assert [element.text for element in document][1:] == [None] * 8


def test_no_lines_means_no_goods_element_but_an_empty_list_is_kept():
    root = etree.fromstring(write([full_document(lines=None), full_document(lines=[])]))
    first, second = root.findall(T.DOCUMENT)
    assert first.find(T.PRODUCTS) is None
    assert len(find(second, T.PRODUCTS)) == 0
