"""CommerceML 2: a streaming reader and an order writer. No Django in here.

Reading::

    from cml_exchange.commerceml import read

    for entity in read("import.xml"):
        ...  # FileInfo, Classifier, Group, Property, ..., Product, Offer, Document

Writing orders::

    from cml_exchange.commerceml import OrdersWriter, build_document

    with OrdersWriter(stream, schema_version="2.05") as writer:
        writer.write(build_document(site_order, "2.05"))

The code is in two packages: ``reading/`` (the reader, the scan, the
summary, what 1C's documents say about orders) and ``writing/`` (orders and
the orders file); ``entities/``, ``errors``, ``tags`` and ``values`` serve
both. See docs/commerceml.md for what is read, tolerated and refused.
"""

from cml_exchange.commerceml.entities import *  # noqa: F403
from cml_exchange.commerceml.entities import __all__ as _entity_names
from cml_exchange.commerceml.errors import (
    CmlExchangeError,
    CommerceMLError,
    UnsafeXmlError,
    UnsupportedFormatError,
    WriterError,
    XmlParseError,
)
from cml_exchange.commerceml.reading.reader import CmlReader, KnownIds, ReadWarning, read
from cml_exchange.commerceml.writing.orders import SiteOrder, build_document
from cml_exchange.commerceml.writing.writer import OrdersWriter, write_orders

__all__ = [
    *_entity_names,
    "CmlExchangeError",
    "CmlReader",
    "CommerceMLError",
    "KnownIds",
    "OrdersWriter",
    "ReadWarning",
    "SiteOrder",
    "UnsafeXmlError",
    "UnsupportedFormatError",
    "WriterError",
    "XmlParseError",
    "build_document",
    "read",
    "write_orders",
]
