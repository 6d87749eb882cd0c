"""Builder for a catalog item (``Каталог/Товары/Товар``)."""

from __future__ import annotations

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Image, Manufacturer, Product
from cml_exchange.commerceml.reading._build_common import (
    base_unit,
    characteristics,
    property_values,
    read_merged,
    tax_rates,
)
from cml_exchange.commerceml.reading._xml import (
    LOCAL_NAMES,
    Element,
    Warn,
    description,
    fields_of,
    fill,
    ids,
    is_deleted_status,
    name_of,
    number,
    optional_text,
    requisites,
    text,
)
from cml_exchange.commerceml.values import parse_bool, parse_decimal

_MANUFACTURER_FIELDS = fields_of(
    Manufacturer, {T.ID: ("id", optional_text), T.NAME: ("name", text)}
)


def _manufacturer(element: Element) -> Manufacturer | None:
    found = fill(Manufacturer(), element, _MANUFACTURER_FIELDS)
    return found if found.id or found.name else None


_PRODUCT_FIELDS = fields_of(
    Product,
    {
        T.ID: ("id", text),
        T.NAME: ("name", text),
        T.FULL_NAME: ("full_name", optional_text),
        T.VERSION: ("version", optional_text),
        T.ARTICLE: ("article", optional_text),
        T.CODE: ("code", optional_text),
        T.BASE_UNIT: ("base_unit", base_unit),
        T.GROUPS: ("group_ids", ids),
        T.CATEGORY: ("category_id", optional_text),
        T.DESCRIPTION: ("description", description),
        T.MANUFACTURER: ("manufacturer", _manufacturer),
        T.COUNTRY: ("country", optional_text),
        T.PROPERTY_VALUES: ("property_values", property_values),
        T.TAX_RATES: ("tax_rates", tax_rates),
        T.REQUISITES: ("requisites", requisites),
        T.CHARACTERISTICS: ("characteristics", characteristics),
    },
)


def product(element: Element, warn: Warn) -> Product:
    """Read one ``Товар``; the caller rejects one without an ``Ид``.

    Data that some exporters put in elements and others in requisites is
    merged: the element wins, the requisite fills the gap (full name, code,
    weight, deletion mark), and ``ОписаниеФайла`` (``path#caption``) gives the
    pictures their captions.
    """
    found = Product(id="", deleted=is_deleted_status(element.get(T.STATUS)))
    weight_element = None
    names = LOCAL_NAMES
    for child in element:
        tag = names.get(child.tag) or name_of(child)
        field = _PRODUCT_FIELDS.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
        elif tag == T.PICTURE:
            path = optional_text(child)
            if path:
                found.images.append(Image(path=path))
        elif tag == T.WEIGHT:
            weight_element = child
        else:
            read_merged(found, tag, child)
    if weight_element is not None:
        found.weight = number(weight_element, warn, found.id or None)
    _merge_requisites(found)
    return found


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
            described = file_caption(value)
            if described is not None:
                captions[described[0]] = described[1]
    if captions:
        for image in found.images:
            image.caption = captions.get(image.path, image.caption)


def file_caption(value: str) -> tuple[str, str] | None:
    """``(path, caption)`` from an ``ОписаниеФайла`` requisite (``path#caption``), if it has one."""
    path, hash_sign, caption = value.partition("#")
    if hash_sign and caption.strip():
        return path.strip(), caption.strip()
    return None
