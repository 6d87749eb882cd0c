"""Builders for the ``Классификатор`` and the container headers."""

from __future__ import annotations

from typing import cast

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    VALUE_TYPE_STRING,
    Catalog,
    Category,
    Classifier,
    Group,
    OfferPackage,
    PriceType,
    Property,
    PropertyOption,
    Unit,
    Warehouse,
)
from cml_exchange.commerceml.reading._build_common import unit_entry
from cml_exchange.commerceml.reading._xml import (
    Element,
    Warn,
    bool_text,
    children,
    description,
    fields_of,
    fill,
    first_child,
    flag,
    ids,
    local_name,
    optional_text,
    text,
)
from cml_exchange.commerceml.values import parse_bool


def only_changes(element: Element) -> bool:
    """``СодержитТолькоИзменения`` on a container; absent means a full package."""
    return parse_bool(element.get(T.ONLY_CHANGES)) is True


_CLASSIFIER_FIELDS = fields_of(Classifier, {T.ID: ("id", text), T.NAME: ("name", text)})
_CATALOG_FIELDS = fields_of(
    Catalog,
    {
        T.ID: ("id", text),
        T.CLASSIFIER_ID: ("classifier_id", optional_text),
        T.NAME: ("name", text),
        T.DESCRIPTION: ("description", description),
    },
)
_OFFER_PACKAGE_FIELDS = fields_of(
    OfferPackage,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.CATALOG_ID: ("catalog_id", optional_text),
        T.CLASSIFIER_ID: ("classifier_id", optional_text),
    },
)


def classifier_header(element: Element) -> Classifier:
    found = Classifier(id="", only_changes=only_changes(element))
    return fill(found, element, _CLASSIFIER_FIELDS)


def catalog_header(element: Element) -> Catalog:
    return fill(Catalog(id="", only_changes=only_changes(element)), element, _CATALOG_FIELDS)


def offer_package_header(element: Element, *, changes: bool) -> OfferPackage:
    found = OfferPackage(id="", changes=changes, only_changes=changes or only_changes(element))
    return fill(found, element, _OFFER_PACKAGE_FIELDS)


def container_header(
    element: Element, outer: Classifier | None
) -> Classifier | Catalog | OfferPackage:
    """The header of a ``Классификатор``, ``Каталог`` or (changes) package, from its element.

    A catalog or package nested in the classifier ``outer`` belongs to it
    when it names no ``ИдКлассификатора`` of its own.
    """
    name = local_name(cast(str, element.tag))
    if name == T.CLASSIFIER:
        return classifier_header(element)
    header: Catalog | OfferPackage
    if name == T.CATALOG:
        header = catalog_header(element)
    else:
        header = offer_package_header(element, changes=name == T.OFFER_CHANGES)
    nested = any(local_name(cast(str, a.tag)) == T.CLASSIFIER for a in element.iterancestors())
    if nested and header.classifier_id is None and outer is not None and outer.id:
        header.classifier_id = outer.id  # nested, and naming no classifier: the outer one's
    return header


_GROUP_FIELDS = fields_of(
    Group,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.VERSION: ("version", optional_text),
        T.DELETION_MARK: ("deleted", flag),
    },
)


def group_fields(element: Element, group: Group) -> None:
    """Fill ``group`` from the simple children of a ``Группа`` read so far."""
    fill(group, element, _GROUP_FIELDS)


_OPTION_FIELDS = fields_of(
    PropertyOption,
    {T.VALUE_ID: ("id", text), T.ID: ("id", text), T.VALUE: ("value", text)},
)


def _options(element: Element, warn: Warn, property_id: str) -> list[PropertyOption]:
    """Read ``Справочник`` (1C) or ``Вариант`` (1C-Bitrix) entries; empty ones are skipped."""
    result = []
    for entry_tag, entry in children(element):
        if entry_tag not in (T.DIRECTORY, T.OPTION):
            continue
        option = fill(PropertyOption(id="", value=""), entry, _OPTION_FIELDS)
        if option.id:
            result.append(option)
        else:
            warn("empty_option", "", property_id)
    return result


def value_type(element: Element) -> str:
    """A property's ``ТипЗначений``; a string when it is empty."""
    return text(element) or VALUE_TYPE_STRING


_PROPERTY_FIELDS = fields_of(
    Property,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.VALUE_TYPE: ("value_type", value_type),
        T.FOR_PRODUCTS: ("for_products", bool_text),
        T.FOR_OFFERS: ("for_offers", bool_text),
        T.REQUIRED: ("required", bool_text),
        T.MULTIPLE: ("multiple", bool_text),
        T.EXTERNAL: ("external", bool_text),
        T.VERSION: ("version", optional_text),
        T.DELETION_MARK: ("deleted", flag),
    },
)


def property_definition(element: Element, warn: Warn) -> Property:
    found = Property(id="")
    for tag, child in children(element):
        field = _PROPERTY_FIELDS.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
        elif tag == T.VALUE_OPTIONS:
            found.options = _options(child, warn, found.id)
    return found


_PRICE_TYPE_FIELDS = fields_of(
    PriceType,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.CURRENCY: ("currency", optional_text),
        T.DESCRIPTION: ("description", optional_text),
        T.VERSION: ("version", optional_text),
        T.DELETION_MARK: ("deleted", flag),
    },
)
#: The children of a price type's ``Налог``.
_PRICE_TYPE_TAX_FIELDS = fields_of(
    PriceType,
    {T.NAME: ("tax_name", optional_text), T.TAX_INCLUDED: ("tax_included", bool_text)},
)


def price_type(element: Element) -> PriceType:
    found = PriceType(id="")
    for tag, child in children(element):
        field = _PRICE_TYPE_FIELDS.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
        elif tag == T.TAX:
            fill(found, child, _PRICE_TYPE_TAX_FIELDS)
    return found


def _address(element: Element) -> str | None:
    """A warehouse's ``Адрес``: its ``Представление``, or its own text."""
    presentation = first_child(element, T.PRESENTATION)
    return optional_text(presentation if presentation is not None else element)


_WAREHOUSE_FIELDS = fields_of(
    Warehouse,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.ADDRESS: ("address", _address),
        T.COMMENT: ("comment", optional_text),
        T.VERSION: ("version", optional_text),
        T.DELETION_MARK: ("deleted", flag),
    },
)


def warehouse(element: Element) -> Warehouse:
    return fill(Warehouse(id=""), element, _WAREHOUSE_FIELDS)


def unit_of_measure(element: Element) -> Unit:
    return unit_entry(element)


_CATEGORY_FIELDS = fields_of(
    Category,
    {T.ID: ("id", text), T.NAME: ("name", text), T.PROPERTIES: ("property_ids", ids)},
)


def category(element: Element) -> Category:
    return fill(Category(id=""), element, _CATEGORY_FIELDS)
