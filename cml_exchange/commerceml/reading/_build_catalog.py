"""Builder for a catalog item (``Каталог/Товары/Товар``)."""

from __future__ import annotations

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Image, Manufacturer, Product
from cml_exchange.commerceml.reading._build_common import (
    base_unit,
    characteristics,
    property_values,
    tax_rates,
)
from cml_exchange.commerceml.reading._xml import (
    Element,
    Warn,
    all_text,
    child_texts,
    children,
    flag,
    is_deleted_status,
    number,
    optional_text,
    requisites,
    text,
)
from cml_exchange.commerceml.values import parse_bool, parse_decimal


def product(element: Element, warn: Warn) -> Product:
    """Read one ``Товар``; the caller rejects one without an ``Ид``.

    Data that some exporters put in elements and others in requisites is
    merged: the element wins, the requisite fills the gap (full name, code,
    weight, deletion mark), and ``ОписаниеФайла`` (``path#caption``) gives the
    pictures their captions.
    """
    found = Product(id="", deleted=is_deleted_status(element.get(T.STATUS)))
    weight_element = None
    for tag, child in children(element):
        if tag == T.ID:
            found.id = text(child)
        elif tag == T.NAME:
            found.name = text(child)
        elif tag == T.FULL_NAME:
            found.full_name = optional_text(child)
        elif tag == T.VERSION:
            found.version = optional_text(child)
        elif tag == T.DELETION_MARK:
            found.deleted = found.deleted or flag(child)
        elif tag == T.STATUS:
            found.deleted = found.deleted or is_deleted_status(child.text)
        elif tag in (T.BARCODE, T.BARCODE_ALT):
            found.barcode = found.barcode or optional_text(child)
        elif tag == T.ARTICLE:
            found.article = optional_text(child)
        elif tag == T.CODE:
            found.code = optional_text(child)
        elif tag == T.BASE_UNIT:
            found.base_unit = base_unit(child)
        elif tag == T.GROUPS:
            found.group_ids = child_texts(child, T.ID)
        elif tag == T.CATEGORY:
            found.category_id = optional_text(child)
        elif tag == T.DESCRIPTION:
            found.description = all_text(child) or None
        elif tag == T.PICTURE:
            path = optional_text(child)
            if path:
                found.images.append(Image(path=path))
        elif tag == T.MANUFACTURER:
            found.manufacturer = _manufacturer(child)
        elif tag == T.COUNTRY:
            found.country = optional_text(child)
        elif tag == T.WEIGHT:
            weight_element = child
        elif tag == T.PROPERTY_VALUES:
            found.property_values = property_values(child)
        elif tag == T.TAX_RATES:
            found.tax_rates = tax_rates(child)
        elif tag == T.REQUISITES:
            found.requisites = requisites(child)
        elif tag == T.CHARACTERISTICS:
            found.characteristics = characteristics(child)
    if weight_element is not None:
        found.weight = number(weight_element, warn, found.id or None)
    _merge_requisites(found)
    return found


def _manufacturer(element: Element) -> Manufacturer | None:
    found = Manufacturer()
    for tag, child in children(element):
        if tag == T.ID:
            found.id = optional_text(child)
        elif tag == T.NAME:
            found.name = text(child)
    return found if found.id or found.name else None


def _merge_requisites(found: Product) -> None:
    captions: dict[str, str] = {}
    for requisite in found.requisites:
        name = requisite.name
        value = requisite.value
        if not value:
            continue
        if name == T.REQ_FULL_NAME:
            found.full_name = found.full_name or value
        elif name == T.REQ_CODE:
            found.code = found.code or value
        elif name == T.REQ_WEIGHT and found.weight is None:
            found.weight = parse_decimal(value)
        elif name == T.REQ_DELETION_MARK:
            found.deleted = found.deleted or parse_bool(value) is True
        elif name == T.REQ_FILE_DESCRIPTION:
            path, hash_sign, caption = value.partition("#")
            if hash_sign and caption.strip():
                captions[path.strip()] = caption.strip()
    if captions:
        for image in found.images:
            image.caption = captions.get(image.path, image.caption)
