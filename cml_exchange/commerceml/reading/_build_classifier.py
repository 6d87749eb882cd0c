"""Builders for the ``Классификатор`` and the container headers."""

from __future__ import annotations

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
    all_text,
    child_texts,
    children,
    first_child,
    flag,
    optional_text,
    text,
)
from cml_exchange.commerceml.values import parse_bool


def only_changes(element: Element) -> bool:
    """``СодержитТолькоИзменения`` on a container; absent means a full package."""
    return parse_bool(element.get(T.ONLY_CHANGES)) is True


def classifier_header(element: Element) -> Classifier:
    found = Classifier(id="", only_changes=only_changes(element))
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
    return found


def catalog_header(element: Element) -> Catalog:
    found = Catalog(id="", only_changes=only_changes(element))
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.CLASSIFIER_ID:
            found.classifier_id = optional_text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.DESCRIPTION:
            found.description = all_text(child) or None
    return found


def offer_package_header(element: Element, *, changes: bool) -> OfferPackage:
    found = OfferPackage(id="", changes=changes, only_changes=changes or only_changes(element))
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.CATALOG_ID:
            found.catalog_id = optional_text(child)
        elif tag == T.CLASSIFIER_ID:
            found.classifier_id = optional_text(child)
    return found


def group_fields(element: Element, group: Group) -> None:
    """Fill ``group`` from the simple children of a ``Группа`` read so far."""
    for tag, child in children(element):
        if tag == T.ID:
            group.id = text(child)
        elif tag == T.NAME:
            group.name = text(child)
        elif tag == T.VERSION:
            group.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            group.deleted = flag(child)


def _options(element: Element, warn: Warn, property_id: str) -> list[PropertyOption]:
    """Read ``Справочник`` (1C) or ``Вариант`` (1C-Bitrix) entries; empty ones are skipped."""
    result = []
    for entry_tag, entry in children(element):
        if entry_tag not in (T.DIRECTORY, T.OPTION):
            continue
        option = PropertyOption(id="", value="")
        for tag, child in children(entry):
            if tag in (T.VALUE_ID, T.ID):
                option.id = text(child)
            elif tag == T.VALUE:
                option.value = text(child)
        if option.id:
            result.append(option)
        else:
            warn("empty_option", "", property_id)
    return result


def property_definition(element: Element, warn: Warn) -> Property:
    found = Property(id="")
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.VALUE_TYPE:
            found.value_type = text(child) or VALUE_TYPE_STRING
        elif tag == T.VALUE_OPTIONS:
            found.options = _options(child, warn, found.id)
        elif tag == T.FOR_PRODUCTS:
            found.for_products = parse_bool(child.text)
        elif tag == T.FOR_OFFERS:
            found.for_offers = parse_bool(child.text)
        elif tag == T.REQUIRED:
            found.required = parse_bool(child.text)
        elif tag == T.MULTIPLE:
            found.multiple = parse_bool(child.text)
        elif tag == T.EXTERNAL:
            found.external = parse_bool(child.text)
        elif tag == T.VERSION:
            found.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            found.deleted = flag(child)
    return found


def price_type(element: Element) -> PriceType:
    found = PriceType(id="")
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.CURRENCY:
            found.currency = optional_text(child)
        elif tag == T.TAX:
            for tax_tag, tax_child in children(child):
                if tax_tag == T.NAME:
                    found.tax_name = optional_text(tax_child)
                elif tax_tag == T.TAX_INCLUDED:
                    found.tax_included = parse_bool(tax_child.text)
        elif tag == T.DESCRIPTION:
            found.description = optional_text(child)
        elif tag == T.VERSION:
            found.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            found.deleted = flag(child)
    return found


def warehouse(element: Element) -> Warehouse:
    found = Warehouse(id="")
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.ADDRESS:
            presentation = first_child(child, T.PRESENTATION)
            found.address = optional_text(presentation if presentation is not None else child)
        elif tag == T.COMMENT:
            found.comment = optional_text(child)
        elif tag == T.VERSION:
            found.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            found.deleted = flag(child)
    return found


def unit_of_measure(element: Element) -> Unit:
    return unit_entry(element)


def category(element: Element) -> Category:
    found = Category(id="")
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.PROPERTIES:
            found.property_ids = child_texts(child, T.ID)
    return found
