"""What the importer's counters, warnings and files are called where people read them.

An import job keeps its counters and warning counts under short keys
(``products_created``, ``image_missing``); the admin, the exchange monitor
and ``manage.py cml_status`` show them by these names, translated (Russian
with the app's ``ru`` catalog). A key without a name here is shown as it is,
so a custom adapter's counters still show.

A file 1C sends is named by what it holds (``import.xml``, ``offers0_1.xml``,
``goods_1_1_<guid>.xml``); :func:`file_kind` says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cml_exchange.storage.folders import is_report

#: The counters, in the order they are shown: the classifier, the goods, the offers and
#: their prices and stock, pictures, what waits for 1C's next files, what a full exchange
#: left out; then the django-oscar adapter's.
COUNTERS: dict[str, str | Promise] = {
    "groups": _("groups written"),
    "groups_skipped": _("lone root groups skipped"),
    "categories": _("categories written"),
    "properties": _("properties written"),
    "property_options": _("property options written"),
    "price_types": _("price types written"),
    "warehouses": _("warehouses written"),
    "products_created": _("products created"),
    "products_updated": _("products updated"),
    "products_unchanged": _("products unchanged"),
    "items_passed": _("unchanged products and offers not read again"),
    "products_matched": _("products matched by article or barcode"),
    "offers_created": _("offers created"),
    "offers_updated": _("offers updated"),
    "offers_unchanged": _("offers unchanged"),
    "offers_without_product": _("offers without their product"),
    "offers_linked": _("offers linked to products that came later"),
    "prices": _("prices written"),
    "prices_unchanged": _("prices unchanged"),
    "stock_rows": _("stock rows written"),
    "stock_rows_unchanged": _("stock rows unchanged"),
    "images_saved": _("pictures saved"),
    "images_resized": _("pictures made smaller"),
    "images_missing": _("pictures not among the uploaded files"),
    "images_refused": _("pictures refused"),
    "references_waiting": _("links waiting for their groups and properties"),
    "pending_groups_linked": _("waiting products put into their groups"),
    "pending_values_written": _("waiting property values written"),
    "products_deactivated": _("products deactivated"),
    "products_deleted": _("products deleted"),
    "offers_deactivated": _("offers deactivated"),
    "offers_deleted": _("offers deleted"),
    "groups_deactivated": _("groups deactivated"),
    "groups_deleted": _("groups deleted"),
    "documents_skipped": _("documents skipped"),
    "counterparties_skipped": _("counterparties skipped"),
    "oscar_categories_created": _("Oscar: categories created"),
    "oscar_categories_updated": _("Oscar: categories updated"),
    "oscar_categories_moved": _("Oscar: categories moved"),
    "oscar_categories_hidden": _("Oscar: categories hidden"),
    "oscar_categories_deleted": _("Oscar: categories deleted"),
    "oscar_products_created": _("Oscar: products created"),
    "oscar_products_updated": _("Oscar: products updated"),
    "oscar_products_matched": _("Oscar: products matched"),
    "oscar_products_restructured": _("Oscar: products restructured"),
    "oscar_products_shown": _("Oscar: products shown"),
    "oscar_products_hidden": _("Oscar: products hidden"),
    "oscar_products_deleted": _("Oscar: products deleted"),
    "oscar_children_created": _("Oscar: variants created"),
    "oscar_children_deleted": _("Oscar: variants deleted"),
    "oscar_product_categories_set": _("Oscar: product categories set"),
    "oscar_attributes_renamed": _("Oscar: attributes renamed"),
    "oscar_attribute_values_created": _("Oscar: attribute values created"),
    "oscar_attribute_values_updated": _("Oscar: attribute values updated"),
    "oscar_attribute_values_deleted": _("Oscar: attribute values deleted"),
    "oscar_images_created": _("Oscar: images created"),
    "oscar_images_updated": _("Oscar: images updated"),
    "oscar_images_deleted": _("Oscar: images deleted"),
    "oscar_partners_renamed": _("Oscar: partners renamed"),
    "oscar_stockrecords_created": _("Oscar: stock records created"),
    "oscar_stockrecords_updated": _("Oscar: stock records updated"),
    "oscar_stockrecords_deleted": _("Oscar: stock records deleted"),
    "oscar_offers_waiting": _("Oscar: offers waiting for their product"),
}

#: The warnings, by their codes.
WARNINGS: dict[str, str | Promise] = {
    "no_id": _("elements without Ид skipped"),
    "empty_offer": _("empty offers skipped"),
    "empty_option": _("empty property options skipped"),
    "duplicate_group": _("groups met twice"),
    "group_cycle": _("groups nested in themselves"),
    "unknown_group": _("groups not declared yet"),
    "unknown_property": _("properties not declared yet"),
    "unknown_option": _("directory values not declared yet"),
    "option_id_too_long": _("directory values too long to be option ids"),
    "unknown_product": _("products not there yet"),
    "unknown_price_type": _("price types not declared"),
    "unknown_warehouse": _("warehouses not declared"),
    "bad_number": _("numbers that could not be read"),
    "incomplete_price": _("prices without a price type"),
    "product_matched": _("products matched by article or barcode"),
    "product_match_ambiguous": _("products matched ambiguously"),
    "image_missing": _("pictures not among the uploaded files"),
    "bad_image_path": _("picture paths refused"),
    "image_refused": _("pictures refused"),
    "image_not_picture": _("picture files that are not pictures"),
    "image_too_large": _("pictures too large"),
    "image_unreadable": _("pictures that could not be read"),
    "archive_script_skipped": _("programs in the archive not unpacked"),
    "reconciliation": _("reconciliation"),
    "checksums_cleared": _("items to write again after the app's update"),
    "oscar_ambiguous_match": _("Oscar: products matched ambiguously"),
    "oscar_attribute_value": _("Oscar: attribute values not written"),
    "oscar_currency": _("Oscar: currencies not recognised"),
    "oscar_price_type": _("Oscar: price type not found"),
    "oscar_price": _("Oscar: prices too large"),
    "oscar_sku": _("Oscar: offers with a SKU of their own"),
    "oscar_truncated": _("Oscar: texts cut to fit"),
}


class Counted(NamedTuple):
    """A counter or a warning count as a page shows it."""

    key: str
    label: str
    value: Any


def counter_label(key: str) -> str:
    """The counter's name, translated; an unknown key as it is."""
    return str(COUNTERS.get(key, key))


def warning_label(code: str) -> str:
    """The warning's name, translated; an unknown code as it is."""
    return str(WARNINGS.get(code, code))


def counters(values: Mapping[str, Any] | None) -> list[Counted]:
    """A job's counters, named, in the order of :data:`COUNTERS` (unknown keys last, sorted)."""
    return _named(values or {}, COUNTERS)


def warning_counts(values: Mapping[str, Any] | None) -> list[Counted]:
    """A job's warning counts, named, in the order of :data:`WARNINGS` (unknown codes last)."""
    return _named(values or {}, WARNINGS)


def _named(values: Mapping[str, Any], names: Mapping[str, str | Promise]) -> list[Counted]:
    order = {key: index for index, key in enumerate(names)}
    keys = sorted(values, key=lambda key: (order.get(key, len(order)), key))
    return [Counted(key, str(names.get(key, key)), values[key]) for key in keys]


# -- files ------------------------------------------------------------------------------

#: What a CommerceML file holds, by the first word of its name (lower case): 2.x
#: ``import``/``offers``/``prices``/``rests``, 3.1 ``goods_1_1_<guid>`` and its company.
FILE_KINDS: dict[str, str | Promise] = {
    "import": _("catalog"),
    "offers": _("offers"),
    "prices": _("prices"),
    "rests": _("stock"),
    "goods": _("products"),
    "groups": _("groups"),
    "propertiesgoods": _("properties of products"),
    "propertiesoffers": _("properties of offers"),
    "pricelists": _("price types"),
    "storages": _("warehouses"),
    "units": _("units of measure"),
    "orders": _("orders"),
    "documents": _("orders"),
    "query": _("orders sent to 1C"),
}
ARCHIVE = _("archive")
PICTURE = _("picture")
REPORT = _("1C's report")

_FIRST_WORD = re.compile(r"[A-Za-z]+")
_PICTURES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff")


def file_kind(name: str) -> str:
    """What the file ``name`` (a path in an exchange directory) holds; empty when unknown.

    ``catalog`` for ``import.xml``, ``offers`` for ``offers0_1.xml``, ``products`` for
    ``goods_1_1_<guid>.xml``, ``archive``, ``picture``, ``1C's report``: translated.
    """
    if is_report(name):
        return str(REPORT)
    base = name.rsplit("/", 1)[-1].lower()
    if base.endswith(".zip"):
        return str(ARCHIVE)
    if base.endswith(_PICTURES):
        return str(PICTURE)
    if not base.endswith(".xml"):
        return ""
    word = _FIRST_WORD.match(base)
    return str(FILE_KINDS.get(word.group(0), "")) if word else ""
