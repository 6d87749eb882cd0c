"""Typed entities for what CommerceML 2 files carry.

The reader yields these one at a time; the order writer takes :class:`Document`
entities. They are plain dataclasses with no behaviour beyond a few derived
properties, and they compare by value, so a document written and read back
equals the one that was written.

Conventions:

* Ids are opaque strings, trimmed, compared byte for byte.
* Numbers are :class:`~decimal.Decimal`, read only from number elements.
* ``None`` means "the file did not say"; an empty list means "the file said:
  none". The difference matters for split packages: an offer from a
  ``prices___`` file has ``stock is None`` (leave stock alone), while one with
  an empty ``<Остатки/>`` has ``stock == []``.
* ``deleted`` folds the four spellings of a deletion mark into one flag.
"""

from __future__ import annotations

import dataclasses

from cml_exchange.commerceml.entities._catalog import (
    KIND_CATALOG,
    KIND_CLASSIFIER,
    KIND_COUNTERPARTIES,
    KIND_DOCUMENTS,
    KIND_OFFER_CHANGES,
    KIND_OFFERS,
    VALUE_TYPE_DIRECTORY,
    VALUE_TYPE_NUMBER,
    VALUE_TYPE_STRING,
    VALUE_TYPE_TIME,
    Catalog,
    Category,
    Characteristic,
    Classifier,
    FileInfo,
    Group,
    Image,
    ItemsAhead,
    Manufacturer,
    Offer,
    OfferPackage,
    Price,
    PriceType,
    Product,
    Property,
    PropertyOption,
    PropertyValue,
    Requisite,
    StockRow,
    TaxRate,
    Unchanged,
    Unit,
    Warehouse,
)
from cml_exchange.commerceml.entities._documents import (
    Address,
    AddressField,
    Contact,
    Counterparty,
    Discount,
    Document,
    OrderLine,
    Payment,
    Representative,
    Tax,
)

#: Everything a reader can yield.
Entity = (
    FileInfo
    | Classifier
    | Catalog
    | OfferPackage
    | Group
    | Property
    | PriceType
    | Warehouse
    | Unit
    | Category
    | Product
    | Offer
    | Document
    | Counterparty
    | Unchanged
    | ItemsAhead
)

__all__ = [
    "KIND_CATALOG",
    "KIND_CLASSIFIER",
    "KIND_COUNTERPARTIES",
    "KIND_DOCUMENTS",
    "KIND_OFFERS",
    "KIND_OFFER_CHANGES",
    "VALUE_TYPE_DIRECTORY",
    "VALUE_TYPE_NUMBER",
    "VALUE_TYPE_STRING",
    "VALUE_TYPE_TIME",
    "Address",
    "AddressField",
    "Catalog",
    "Category",
    "Characteristic",
    "Classifier",
    "Contact",
    "Counterparty",
    "Discount",
    "Document",
    "Entity",
    "FileInfo",
    "Group",
    "Image",
    "ItemsAhead",
    "Manufacturer",
    "Offer",
    "OfferPackage",
    "OrderLine",
    "Payment",
    "Price",
    "PriceType",
    "Product",
    "Property",
    "PropertyOption",
    "PropertyValue",
    "Representative",
    "Requisite",
    "StockRow",
    "Tax",
    "TaxRate",
    "Unchanged",
    "Unit",
    "Warehouse",
]


def _drop_recursion_guards() -> None:
    """Give the entities the reprs dataclasses make, without the guard it wraps them in.

    The importer tells an unchanged item by a hash of its entity's repr. The
    guard (a per-thread set of the objects being printed, against cycles)
    costs a fifth of that time, and entities hold no cycles; the text is the same.
    """
    for value in list(globals().values()):
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            unguarded = getattr(value.__repr__, "__wrapped__", None)
            if unguarded is not None:
                value.__repr__ = unguarded  # type: ignore[method-assign]


_drop_recursion_guards()
