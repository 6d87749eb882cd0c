"""Builder for an offer (``Предложение``), in both packages and change packages."""

from __future__ import annotations

from decimal import Decimal

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Offer, Price, StockRow, Unit
from cml_exchange.commerceml.reading._build_common import (
    base_unit,
    characteristics,
    property_values,
    read_merged,
)
from cml_exchange.commerceml.reading._xml import (
    LOCAL_NAMES,
    Element,
    Warn,
    children,
    fields_of,
    name_of,
    number,
    optional_text,
    text,
)
from cml_exchange.commerceml.values import parse_decimal

_OFFER_FIELDS = fields_of(
    Offer,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.VERSION: ("version", optional_text),
        T.ARTICLE: ("article", optional_text),
        T.CODE: ("code", optional_text),
        T.BASE_UNIT: ("base_unit", base_unit),
        T.CHARACTERISTICS: ("characteristics", characteristics),
        T.PROPERTY_VALUES: ("property_values", property_values),
    },
)


def offer(element: Element, warn: Warn) -> Offer:
    """Read one ``Предложение``; the caller skips one without an ``Ид`` (an empty offer).

    See :func:`offer_and_rows`, which also counts the element's rows.
    """
    return offer_and_rows(element, warn)[0]


def offer_and_rows(element: Element, warn: Warn) -> tuple[Offer, tuple[int, int]]:
    """Read one ``Предложение``, and count its prices and stock rows as the scan does.

    The counts are :func:`~cml_exchange.commerceml.reading._structure.offer_rows`'s
    (every ``Цены/Цена``; every ``Склад``/``Склады`` with an ``ИдСклада`` and every
    ``Остатки/Остаток/Склад``), taken on the same walk: an offer built with fewer
    rows than it holds, and no warning, lost one it could not read (a warehouse
    without a quantity), or had its prices in two ``Цены``, of which the last is kept.
    The offer is :func:`offer`'s.

    Stock is gathered from every form 1C writes: ``<Склад ИдСклада КоличествоНаСкладе/>``
    attributes (2.06+), nested ``Остатки/Остаток/Склад/(Ид, Количество)``
    (2.09 packages), and the ``Склады`` block of ``ИзмененияПакетаПредложений``.
    ``stock`` stays ``None`` when the offer carries none of them, so a
    ``prices___`` file does not erase stock.

    ``quantity`` is the offer's total: its own ``Количество``, or else, as
    Bitrix reads it, a warehouse-less ``Остаток/Количество`` or a bare
    ``<Остаток>66</Остаток>`` (the last one wins). Such a total says nothing
    about warehouses: when ``Остатки`` holds no warehouse rows besides it,
    ``stock`` stays ``None`` and the stored rows are left as they are.
    """
    found = Offer(id="")
    characteristic_id = None
    stock: list[StockRow] | None = None
    rest_total: Decimal | None = None
    prices_met = stock_met = 0
    names = LOCAL_NAMES
    for child in element:
        tag = names.get(child.tag) or name_of(child)
        field = _OFFER_FIELDS.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
        elif tag == T.CHARACTERISTIC_ID:
            characteristic_id = optional_text(child)
        elif tag == T.PRICES:
            found.prices, met = _prices(child, warn, found.id)
            prices_met += met
        elif tag == T.QUANTITY:
            found.quantity = number(child, warn, found.id or None)
        elif tag == T.WAREHOUSE:
            row, met = _attribute_stock(child, warn, found.id)
            stock = _add(stock, row)
            stock_met += met
        elif tag == T.WAREHOUSES:
            # ИзмененияПакетаПредложений (2.07+ XSD): <Склады ИдСклада=… КоличествоНаСкладе=…/>,
            # one element per warehouse; also accepted with <Склад …/> children.
            row, met = _attribute_stock(child, warn, found.id)
            stock = _add(stock if stock is not None else [], row)
            stock_met += met
            for inner_tag, inner in children(child):
                if inner_tag == T.WAREHOUSE:
                    row, met = _attribute_stock(inner, warn, found.id)
                    stock = _add(stock, row)
                    stock_met += met
        elif tag == T.UNIT_CODE:
            code = optional_text(child)
            if code:
                found.base_unit = found.base_unit or Unit(code=code)
        elif tag == T.RESTS:
            rows, total, met = _nested_stock(child, warn, found.id)
            stock_met += met
            if rows or total is None:
                stock = (stock or []) + rows
            if total is not None:
                rest_total = total
        else:
            read_merged(found, tag, child)
    if found.quantity is None:
        found.quantity = rest_total
    found.id = offer_id(found.id, characteristic_id)
    found.stock = stock
    return found, (prices_met, stock_met)


def offer_id(own_id: str, characteristic_id: str | None) -> str:
    """An offer's id: its ``Ид``, with its ``ИдХарактеристики`` after a "#" if it has none."""
    if characteristic_id and "#" not in own_id:
        return f"{own_id}#{characteristic_id}"
    return own_id


def _add(stock: list[StockRow] | None, row: StockRow | None) -> list[StockRow] | None:
    if row is None:
        return stock
    if stock is None:
        stock = []
    stock.append(row)
    return stock


def _attribute_stock(element: Element, warn: Warn, offer_id: str) -> tuple[StockRow | None, int]:
    """A ``Склад``/``Склады`` with an ``ИдСклада``: its row, if it has a quantity, and 1."""
    warehouse_id = (element.get(T.WAREHOUSE_ID_ATTR) or "").strip()
    if not warehouse_id:
        return None, 0
    raw = element.get(T.WAREHOUSE_QUANTITY_ATTR)
    quantity = parse_decimal(raw)
    if quantity is None:
        if raw and raw.strip():
            warn(
                "bad_number",
                f"Не удалось прочитать остаток «{raw.strip()[:40]}» на складе {warehouse_id}.",
                offer_id,
            )
        return None, 1
    return StockRow(warehouse_id=warehouse_id, quantity=quantity), 1


def _nested_stock(
    element: Element, warn: Warn, offer_id: str
) -> tuple[list[StockRow], Decimal | None, int]:
    """Read ``Остатки``: the warehouse rows, the total of a warehouse-less ``Остаток``.

    ``Остаток/Склад/(Ид, Количество)`` is a warehouse row (one without an
    ``Ид`` is skipped, as Bitrix skips it); ``Остаток/Количество`` and a bare
    ``<Остаток>66</Остаток>`` are the offer's total, the last one winning.
    The third value is how many ``Остаток/Склад`` there were, read or not.
    """
    rows: list[StockRow] = []
    total: Decimal | None = None
    met = 0
    for rest_tag, rest in children(element):
        if rest_tag != T.REST:
            continue
        if len(rest) == 0:
            if optional_text(rest) is not None:
                total = _or(number(rest, warn, offer_id), total)
            continue
        for tag, child in children(rest):
            if tag == T.QUANTITY:
                total = _or(number(child, warn, offer_id), total)
            elif tag == T.WAREHOUSE:
                met += 1
                row = _warehouse_row(child, warn, offer_id)
                if row is not None:
                    rows.append(row)
    return rows, total, met


def _or(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """``value``, unless it is unreadable (``None``): then what was read before."""
    return previous if value is None else value


def _warehouse_row(element: Element, warn: Warn, offer_id: str) -> StockRow | None:
    """``Склад/(Ид, Количество)`` inside an ``Остаток``; ``None`` without a usable pair."""
    warehouse_id = ""
    quantity = None
    for tag, child in children(element):
        if tag == T.ID:
            warehouse_id = text(child)
        elif tag == T.QUANTITY:
            quantity = number(child, warn, offer_id)
    if warehouse_id and quantity is not None:
        return StockRow(warehouse_id=warehouse_id, quantity=quantity)
    return None


def _prices(element: Element, warn: Warn, offer_id: str) -> tuple[list[Price], int]:
    """Read ``Цены``; a price without a price type is skipped, one without a value is kept.

    Also how many ``Цена`` there were, read or not.
    """
    result = []
    met = 0
    names = LOCAL_NAMES
    for item in element:
        if (names.get(item.tag) or name_of(item)) != T.PRICE:
            continue
        met += 1
        price = _price(item, warn, offer_id)
        if not price.price_type_id:
            warn("incomplete_price", "Цена без типа цены (ИдТипаЦены) пропущена.", offer_id)
            continue
        result.append(price)
    return result, met


def _price(element: Element, warn: Warn, offer_id: str) -> Price:
    """One ``Цена``; of two children with one name, the last wins.

    Its children are matched one by one rather than through :func:`fill_numbers`'s
    tables: three or four prices an offer make this one of the reader's hottest loops.
    """
    price = Price(price_type_id="", value=None)
    names = LOCAL_NAMES
    for child in element:
        tag = names.get(child.tag) or name_of(child)
        if tag == T.PRICE_TYPE_ID:
            price.price_type_id = text(child)
        elif tag == T.PRICE_PER_UNIT:
            price.value = number(child, warn, offer_id)
        elif tag == T.CURRENCY:
            price.currency = optional_text(child)
        elif tag == T.PRESENTATION:
            price.presentation = optional_text(child)
        elif tag == T.UNIT:
            price.unit = optional_text(child)
        elif tag == T.COEFFICIENT:
            price.coefficient = number(child, warn, offer_id)
    return price
