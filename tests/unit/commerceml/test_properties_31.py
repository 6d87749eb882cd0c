"""What a property is for, when a 3.1 file says it with the header before it.

CommerceML 3.1 (1C-Bitrix's exchange extension) has no ``ДляТоваров`` /
``ДляПредложений``: ``propertiesGoods`` files put the properties after a
``Каталог`` header, ``propertiesOffers`` after a ``ПакетПредложений`` one.
"""

from __future__ import annotations

import io

import pytest

from cml_exchange.commerceml import Property, read

HEADERS = {
    "catalog": "<Каталог><ИдКлассификатора>c</ИдКлассификатора></Каталог>",
    "package": "<ПакетПредложений><ИдКаталога>c</ИдКаталога></ПакетПредложений>",
    "none": "",
}


def properties(version: str, header: str, flags: str = "") -> list[tuple[bool | None, ...]]:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_3" ВерсияСхемы="{version}">'
        f"{HEADERS[header]}"
        "<Классификатор><Ид>c</Ид><Свойства>"
        f"<Свойство><Ид>p</Ид><Наименование>Цвет</Наименование>{flags}</Свойство>"
        "</Свойства></Классификатор></КоммерческаяИнформация>"
    ).encode()
    found = [e for e in read(io.BytesIO(xml), name="f.xml") if isinstance(e, Property)]
    return [(p.for_products, p.for_offers) for p in found]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("catalog", (True, None)), ("package", (None, True)), ("none", (None, None))],
)
def test_a_3_1_property_is_for_what_its_file_header_says(header, expected):
    assert properties("3.1", header) == [expected]


def test_a_flag_the_property_states_itself_wins():
    flags = "<ДляТоваров>false</ДляТоваров><ДляПредложений>true</ДляПредложений>"
    assert properties("3.1", "catalog", flags) == [(False, True)]


def test_a_2_x_file_is_read_as_it_says():
    assert properties("2.08", "package") == [(None, None)]
