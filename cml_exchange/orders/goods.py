"""1C's goods lines as an order takes them: quantity, price, sum and discount.

What 1C leaves out of a line is made as the site writes it (a sum from the
price and quantity, less the discounts in it; a price from the sum), money is
compared to the kopeck as 1C keeps it, and a document whose numbers the
order's columns cannot hold is named before anything of it is written. Both
orders adapters (the app's and django-oscar's) compare 1C's goods by these.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from cml_exchange.commerceml.entities import OrderLine as LineEntity
from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.commerceml.values import decimal_problem, excerpt, format_decimal
from cml_exchange.models.base import DECIMAL_PLACES, MAX_DIGITS

KOPECK = Decimal("0.01")


def rows_differ(site: list[tuple[Any, ...]], sent: list[tuple[Any, ...]], *, width: int) -> bool:
    """Whether 1C's goods rows differ from the site's, in any order.

    Compared by their first ``width`` values, then by the one after, where 1C
    gives it (``None``: 1C did not write it).
    """
    site = sorted(site, key=lambda row: row[:width])
    sent = sorted(sent, key=lambda row: row[:width])
    if [row[:width] for row in site] != [row[:width] for row in sent]:
        return True
    return any(
        theirs is not None and ours != theirs
        for (*_, ours), (*_, theirs) in zip(site, sent, strict=True)
    )


def kopecks(value: Decimal) -> Decimal:
    """A sum of money to the kopeck, as 1C keeps it: what two sums are compared by.

    A value too long to round (beyond any column; refused before it is written)
    is given back as it is.
    """
    try:
        return value.quantize(KOPECK, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return value


def line_sum(line: LineEntity) -> Decimal | None:
    """A line's sum: its ``Сумма``, else its price times its quantity less the discounts in it.

    ``None`` when 1C gave neither sum nor price.
    """
    if line.amount is not None:
        return line.amount
    if line.price is None:
        return None
    included = (d.amount for d in line.discounts if d.amount is not None and d.included)
    return line.price * line_quantity(line) - sum(included, Decimal(0))


def unfit_number(changes: OrderChanges) -> str | None:
    """What in the document does not fit the order's number columns, in 1C's words, if anything.

    The values checked are those the document would write: a line's price, sum
    and discount as :mod:`~cml_exchange.orders.apply` makes them when 1C leaves
    one out, and the total as it sums it.
    """
    values: list[tuple[str, Decimal | None]] = [("стоимость доставки", changes.delivery_price)]
    amounts: list[Decimal] = []
    for line in changes.lines or ():
        name = line.name or line.id
        amount = line_amount(line)
        amounts.append(amount)
        values += [
            (f"цена товара «{name}»", line_price(line)),
            (f"количество товара «{name}»", line_quantity(line)),
            (f"сумма товара «{name}»", amount),
            (f"скидка на товар «{name}»", line_discount(line)),
        ]
    if changes.total is not None or amounts:
        total = changes.total
        if total is None:
            total = sum(amounts, changes.delivery_price or Decimal(0))
        values.append(("сумма документа", total))
    for label, value in values:
        if value is None:
            continue
        problem = decimal_problem(value, MAX_DIGITS, DECIMAL_PLACES)
        if problem is not None:
            shown = format_decimal(value) if value.is_finite() and value.adjusted() < 40 else value
            return f"{label} «{excerpt(str(shown))}» {problem}"
    return None


def line_quantity(line: LineEntity) -> Decimal:
    """``Количество``, one piece when 1C leaves it out."""
    return line.quantity if line.quantity is not None else Decimal(1)


def line_amount(line: LineEntity) -> Decimal:
    """The sum the line is written with: :func:`line_sum`, else price × quantity."""
    found = line_sum(line)
    return found if found is not None else line_price(line) * line_quantity(line)


def line_discount(line: LineEntity) -> Decimal:
    """1C's ``Скидки`` of the line; without them, what its sum is below its price's worth."""
    if line.discounts:
        return sum((d.amount for d in line.discounts if d.amount is not None), Decimal(0))
    if line.amount is None or line.price is None:
        return Decimal(0)
    return max(Decimal(0), kopecks(line.price * line_quantity(line) - line.amount))


def line_price(line: LineEntity) -> Decimal:
    """``ЦенаЗаЕдиницу``, else the sum over the quantity, else zero."""
    if line.price is not None:
        return line.price
    if line.amount is not None and line.quantity:
        return line.amount / line.quantity
    return Decimal(0)
