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
