"""Where elements stand: what the reader watches, and its clear failures for misplaced ones.

The reader tolerates unknown elements everywhere, but a container or a group
in the wrong place would be read into the wrong scope (products into one
catalog, their offers into another) or not at all, so it is refused with an
:class:`XmlParseError` naming the file, the line and the element's full path.
"""

from __future__ import annotations

from typing import Final, cast

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    KIND_CATALOG,
    KIND_CLASSIFIER,
    KIND_OFFER_CHANGES,
    KIND_OFFERS,
)
from cml_exchange.commerceml.errors import XmlParseError
from cml_exchange.commerceml.reading._xml import Element, children, first_child, local_name, text

#: The elements the parser reports to Python; everything else is handled
#: inside the entity that contains it, at C speed. Declared warehouses are read
#: from their ``Склады``, not their ``Склад``: most ``Склад`` elements are an
#: offer's stock, 2–3 an offer, which would be two events each for nothing.
WATCHED: Final = (
    T.ROOT,
    T.CLASSIFIER,
    T.CATALOG,
    T.OFFER_PACKAGE,
    T.OFFER_CHANGES,
    T.CONTAINER,
    T.DOCUMENT,
    T.COUNTERPARTIES,
    T.COUNTERPARTY,
    T.GROUPS,
    T.GROUP,
    T.PROPERTY,
    T.PRICE_TYPE,
    T.WAREHOUSES,
    T.UNIT_OF_MEASURE,
    T.CATEGORY,
    T.PRODUCT,
    T.OFFER,
)
#: The containers, and the kind of content each one means (``FileInfo.kinds``).
CONTAINER_KINDS: Final = {
    T.CLASSIFIER: KIND_CLASSIFIER,
    T.CATALOG: KIND_CATALOG,
    T.OFFER_PACKAGE: KIND_OFFERS,
    T.OFFER_CHANGES: KIND_OFFER_CHANGES,
}
#: The containers that declare price types and warehouses.
DECLARING: Final = (T.CLASSIFIER, T.OFFER_PACKAGE, T.OFFER_CHANGES)
#: The containers of offers.
PACKAGES: Final = (T.OFFER_PACKAGE, T.OFFER_CHANGES)
#: Containers read like top-level ones when they sit right inside a top-level
#: ``Классификатор`` (a public test generator writes ``Каталог`` there).
NESTABLE_IN_CLASSIFIER: Final = (T.CATALOG, T.OFFER_PACKAGE, T.OFFER_CHANGES)


def element_path(element: Element) -> str:
    """``КоммерческаяИнформация/Каталог/Товары/Товар``: local names from the root down.

    During iterparse an element's ancestors are always built, so the path is
    whole even when its siblings have already been released.
    """
    names = [local_name(cast(str, element.tag))]
    names.extend(local_name(cast(str, a.tag)) for a in element.iterancestors())
    return "/".join(reversed(names))


def _error(reason: str, element: Element, file: str) -> XmlParseError:
    return XmlParseError(reason, file=file, line=element.sourceline, element=element_path(element))


def misplaced_container(element: Element, file: str) -> XmlParseError:
    """The failure for a ``Классификатор``, ``Каталог`` or package that is not in the root."""
    name = local_name(cast(str, element.tag))
    parent = element.getparent()
    where = local_name(cast(str, parent.tag)) if parent is not None else T.ROOT
    return _error(
        f"Элемент {name} находится внутри элемента {where}, а должен стоять "
        f"в корне документа ({T.ROOT}); такой файл не может быть загружен",
        element,
        file,
    )


def misplaced_group(element: Element, file: str) -> XmlParseError:
    """The failure for a ``Группа`` in a ``Группы`` list outside the classifier's group tree.

    In a product's list (``Товар/Группы``) only group ``Ид`` elements may stand.
    """
    ancestors = element.iterancestors()
    product = next((a for a in ancestors if local_name(cast(str, a.tag)) == T.PRODUCT), None)
    if product is not None:
        id_element = first_child(product, T.ID)
        product_id = text(id_element) if id_element is not None else ""
        whose = f"товара {product_id}" if product_id else "товара без Ид"
        reason = (
            f"В списке групп {whose} стоит элемент {T.GROUP}, а там должны быть только "
            f"{T.ID} групп (сами группы описываются в {T.CLASSIFIER})"
        )
    else:
        reason = (
            f"Элемент {T.GROUP} стоит вне дерева групп классификатора: группы описываются "
            f"в {T.CLASSIFIER}/{T.GROUPS}, подгруппы — в {T.GROUPS} внутри своей группы"
        )
    return _error(reason, element, file)


def offer_rows(offer: Element) -> tuple[int, int]:
    """An offer's prices (``Цены/Цена``) and warehouse stock rows, as the reader finds them.

    Stock rows: ``Склад`` (and ``Склады``) with an ``ИдСклада`` attribute,
    ``Склады/Склад`` likewise, and ``Остатки/Остаток/Склад``. They feed the
    importer's reconciliation of what was written against what the file held.
    Plain loops: the scan and the reader count every offer of a file.
    """
    prices = stock = 0
    for tag, child in children(offer):
        if tag == T.PRICES:
            for price_tag, _price in children(child):
                prices += price_tag == T.PRICE
        elif tag == T.WAREHOUSE or tag == T.WAREHOUSES:
            stock += bool((child.get(T.WAREHOUSE_ID_ATTR) or "").strip())
            if tag == T.WAREHOUSES:
                for inner_tag, inner in children(child):
                    if inner_tag == T.WAREHOUSE and (inner.get(T.WAREHOUSE_ID_ATTR) or "").strip():
                        stock += 1
        elif tag == T.RESTS:
            for rest_tag, rest in children(child):
                if rest_tag == T.REST:
                    for warehouse_tag, _warehouse in children(rest):
                        stock += warehouse_tag == T.WAREHOUSE
    return prices, stock
