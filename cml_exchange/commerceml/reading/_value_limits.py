"""What the columns the importer writes can hold, and how one value is checked against them.

The scan's vocabulary: the columns it checks (``"Model.field"``, with how
1C's user calls each value), the limits the importer gives
(:class:`ValueLimits`), the problems it reports (:class:`ValueProblem`), and
:class:`ValueChecks`, which checks one text or number and records a problem.
What is checked where is in ``_value_checks`` (the classifier and the
containers) and ``_value_checks_items`` (products and offers).

Django-free: the limits come in as :class:`ValueLimits`, which the importer
builds from its models (``cml_exchange.importer.limits``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, cast

from cml_exchange.commerceml.reading._xml import Element, local_name
from cml_exchange.commerceml.values import (
    MAX_FRACTION_DIGITS,
    decimal_problem,
    excerpt,
    parse_decimal,
)

#: The text columns the scan checks, ``"Model.field"``, with how 1C's user calls the value.
TEXT_COLUMNS: Final[Mapping[str, str]] = {
    "Classifier.external_id": "Ид классификатора",
    "Classifier.name": "наименование классификатора",
    "Catalog.external_id": "Ид каталога",
    "Catalog.name": "наименование каталога",
    "Group.external_id": "Ид группы",
    "Group.name": "наименование группы",
    "Group.version": "номер версии группы",
    "Property.external_id": "Ид свойства",
    "Property.name": "наименование свойства",
    "Property.value_type": "тип значений свойства",
    "Property.version": "номер версии свойства",
    "PropertyOption.external_id": "Ид значения справочника",
    "PropertyOption.value": "значение справочника",
    "PriceType.external_id": "Ид типа цены",
    "PriceType.name": "наименование типа цены",
    "PriceType.currency": "валюта типа цены",
    "PriceType.tax_name": "налог типа цены",
    "Warehouse.external_id": "Ид склада",
    "Warehouse.name": "наименование склада",
    "Unit.code": "код единицы измерения",
    "Unit.external_id": "Ид единицы измерения",
    "Unit.name_full": "полное наименование единицы измерения",
    "Unit.name_short": "краткое наименование единицы измерения",
    "Unit.international_abbr": "международное сокращение единицы измерения",
    "Category.external_id": "Ид категории",
    "Category.name": "наименование категории",
    "Product.external_id": "Ид товара",
    "Product.name": "наименование товара",
    "Product.code": "код товара",
    "Product.article": "артикул товара",
    "Product.barcode": "штрихкод товара",
    "Product.manufacturer": "изготовитель товара",
    "Product.country": "страна товара",
    "Product.version": "номер версии товара",
    "ProductRequisite.name": "наименование реквизита товара",
    "ProductTax.name": "наименование налога товара",
    "ProductTax.rate": "ставка налога товара",
    "ProductImage.source_path": "путь к картинке",
    "ProductImage.caption": "описание картинки",
    "Offer.external_id": "Ид предложения",
    "Offer.name": "наименование предложения",
    "Offer.barcode": "штрихкод предложения",
    "Offer.article": "артикул предложения",
    "Offer.code": "код предложения",
    "Offer.version": "номер версии предложения",
    "OfferCharacteristic.external_id": "Ид характеристики",
    "OfferCharacteristic.name": "наименование характеристики",
    "OfferCharacteristic.value": "значение характеристики",
    "Price.currency": "валюта цены",
    "Price.unit": "единица цены",
    "Price.presentation": "представление цены",
}
#: The number columns the scan checks, as :data:`TEXT_COLUMNS`.
NUMBER_COLUMNS: Final[Mapping[str, str]] = {
    "Product.weight": "вес товара",
    "Offer.quantity": "количество",
    "Stock.quantity": "остаток на складе",
    "Price.value": "цена",
    "Price.coefficient": "коэффициент цены",
}
#: A number as 1C writes nearly all of them: a sign, whole digits (group 2), a fraction (3).
_PLAIN_NUMBER = re.compile(r"\s*(-?)([0-9]+)(?:[.,]([0-9]*))?\s*")
#: The length limit of a column that has none.
_NO_LIMIT = sys.maxsize
#: Problems a scan keeps in full (all are counted).
MAX_PROBLEMS = 100


@dataclass(frozen=True, slots=True)
class ValueLimits:
    """What the columns the importer writes can hold, keyed ``"Model.field"``.

    ``lengths``: characters of a text column; ``decimals``: ``(max_digits,
    decimal_places)`` of a number column; ``not_negative``: number columns
    where a value below zero is refused; ``numbers_only``: number columns
    where text that is not a number (``NaN``, ``abc``) is refused, where
    elsewhere the reader warns (``bad_number``) and leaves the value out.
    A column not named is not checked, so ``ValueLimits()`` checks nothing.
    """

    lengths: Mapping[str, int] = field(default_factory=dict)
    decimals: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    not_negative: frozenset[str] = frozenset()
    numbers_only: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """A value that cannot be stored: what is wrong, whose it is and where it is in the file.

    ``message`` and ``owner`` are Russian (``цена «1e30» больше допустимого (…)``,
    ``предложение «p-2»``; no owner when the value is the item's own ``Ид``);
    ``element`` is the path below the root
    (``ПакетПредложений/Предложения/Предложение/Цены/Цена/ЦенаЗаЕдиницу``),
    ending in ``/@name`` for an attribute.
    """

    column: str
    message: str
    owner: str
    line: int | None
    element: str


def _path(element: Element) -> str:
    names = []
    current: Element | None = element
    while current is not None and current.getparent() is not None:
        names.append(local_name(cast(str, current.tag)))
        current = current.getparent()
    return "/".join(reversed(names))


def _plain_fits(raw: str, digits: int, signed: bool) -> bool:
    """Whether ``raw`` is a plain number that surely fits (``False``: look closer).

    Plain: digits, at most one point or comma, a minus where ``signed``;
    fewer whole digits than ``digits``, the column's digits before the point.
    """
    plain = _PLAIN_NUMBER.fullmatch(raw)
    return (
        plain is not None
        and len(plain[2]) < digits
        and len(plain[3] or "") <= MAX_FRACTION_DIGITS
        and (signed or not plain[1])
    )


def fields_by_name(element: Element) -> dict[str, Element]:
    """The element's children by local name; of several with one name, the last."""
    fields = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            fields[local_name(tag)] = child
    return fields


class ValueChecks:
    """Checks single values against ``limits`` and collects the problems.

    ``problems`` keeps the first :data:`MAX_PROBLEMS`, ``count`` counts all.
    """

    def __init__(self, limits: ValueLimits) -> None:
        self.limits = limits
        self.problems: list[ValueProblem] = []
        self.count = 0

    # -- reporting --------------------------------------------------------------

    def report(
        self, column: str, message: str, owner: str, element: Element, attribute: str | None
    ) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            path = _path(element) + (f"/@{attribute}" if attribute else "")
            self.problems.append(ValueProblem(column, message, owner, element.sourceline, path))

    def text(
        self,
        column: str,
        value: str | None,
        element: Element,
        owner: str,
        attribute: str | None = None,
    ) -> None:
        """Check a text value (trimmed, as the reader trims it) against its column."""
        limit = self.limits.lengths.get(column)
        if value and limit is not None and len(value) > limit:
            message = (
                f"{TEXT_COLUMNS[column]} длиннее {limit} символов ({len(value)}): "
                f"«{excerpt(value)}»"
            )
            self.report(column, message, owner, element, attribute)

    def own_text(self, column: str, element: Element, owner: str) -> None:
        """Check an element's own text against its column (at once, if it is short)."""
        raw = element.text
        if raw is not None and len(raw) > self.limits.lengths.get(column, _NO_LIMIT):
            self.text(column, raw.strip(), element, owner)

    def child_text(self, column: str, fields: Mapping[str, Element], tag: str, owner: str) -> None:
        """Check the text of the child ``tag`` in ``fields`` (:func:`fields_by_name`), if any."""
        if tag in fields:
            self.own_text(column, fields[tag], owner)

    def number(
        self, column: str, element: Element, owner: str, attribute: str | None = None
    ) -> bool:
        """Check a number element (or attribute); whether the reader takes a value from it."""
        raw = element.get(attribute) if attribute else element.text
        if raw is None:
            return False
        limits = self.limits
        decimals = limits.decimals.get(column)
        digits = decimals[0] - decimals[1] if decimals is not None else _NO_LIMIT
        if _plain_fits(raw, digits, column not in limits.not_negative):
            return True  # the usual case, decided without building a Decimal
        if not raw.strip():
            return False
        shown = excerpt(raw.strip())
        label = NUMBER_COLUMNS[column]
        value = parse_decimal(raw)
        if value is None:
            if column in limits.numbers_only:
                self.report(column, f"{label} «{shown}» — не число", owner, element, attribute)
            return False
        problem = decimal_problem(value, *decimals) if decimals is not None else None
        if problem is not None:
            self.report(column, f"{label} «{shown}» {problem}", owner, element, attribute)
        elif value < 0 and column in limits.not_negative:
            self.report(column, f"{label} «{shown}» меньше нуля", owner, element, attribute)
        return True
