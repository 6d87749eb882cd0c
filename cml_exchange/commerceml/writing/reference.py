"""The reference lists the site sends 1C at ``type=sale&mode=info``, in 1C-Bitrix's shape.

1C's exchange module asks for the site's order statuses, payment systems and
delivery services, to match them with its own. The answer is the
``Справочник`` 1C-Bitrix writes: windows-1251, tab-indented, each entry an
``Элемент`` with its ``Ид`` and ``Название``::

    <?xml version="1.0" encoding="windows-1251"?>
    <Справочник>
        <Cтатусы>
            <Элемент>
                <Ид>N</Ид>
                <Название>Принят</Название>
            </Элемент>
        </Cтатусы>
        <ПлатежныеСистемы>…</ПлатежныеСистемы>
        <СлужбыДоставки>…</СлужбыДоставки>
    </Справочник>

No Django here: the caller gathers the lists (the orders exchange asks the
shop's orders adapter) and hands over plain ``(id, name)`` pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from lxml import etree

#: The tags of 1C-Bitrix's answer. The first letter of ``Cтатусы`` is a Latin C,
#: as in Bitrix's language file; 1C's module expects exactly that.
INFO_ROOT: Final = "Справочник"
INFO_STATUSES: Final = "\u0043татусы"
INFO_PAYMENT_SYSTEMS: Final = "ПлатежныеСистемы"
INFO_DELIVERY_SERVICES: Final = "СлужбыДоставки"
INFO_ELEMENT: Final = "Элемент"
INFO_ID: Final = "Ид"
INFO_NAME: Final = "Название"

#: An entry of a list: the id 1C knows it by, and its name.
Entry = tuple[str, str]


def write_reference(
    statuses: Iterable[Entry],
    payment_systems: Iterable[Entry],
    delivery_services: Iterable[Entry],
) -> bytes:
    """The ``mode=info`` answer for the given lists, as a whole windows-1251 file."""
    root = etree.Element(INFO_ROOT)
    for tag, entries in (
        (INFO_STATUSES, statuses),
        (INFO_PAYMENT_SYSTEMS, payment_systems),
        (INFO_DELIVERY_SERVICES, delivery_services),
    ):
        _entries(etree.SubElement(root, tag), entries)
    etree.indent(root, space="\t")
    body = etree.tostring(root, encoding="windows-1251", xml_declaration=False)
    return b'<?xml version="1.0" encoding="windows-1251"?>\n' + body + b"\n"


def _entries(parent: etree._Element, entries: Iterable[Entry]) -> None:
    for entry_id, name in entries:
        element = etree.SubElement(parent, INFO_ELEMENT)
        etree.SubElement(element, INFO_ID).text = entry_id
        etree.SubElement(element, INFO_NAME).text = name
