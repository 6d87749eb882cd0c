"""CommerceML 2: a streaming reader and an order writer. No Django in here.

Reading::

    from cml_exchange.commerceml import read

    for entity in read("import.xml"):
        ...  # FileInfo, Classifier, Group, Property, ..., Product, Offer, Document

Writing orders: see :mod:`cml_exchange.commerceml.writer`.
"""

from cml_exchange.commerceml.entities import *  # noqa: F403
from cml_exchange.commerceml.errors import (
    CmlExchangeError,
    CommerceMLError,
    UnsafeXmlError,
    UnsupportedFormatError,
    WriterError,
    XmlParseError,
)
from cml_exchange.commerceml.reader import CmlReader, KnownIds, ReadWarning, read

__all__ = [
    "CmlExchangeError",
    "CmlReader",
    "CommerceMLError",
    "KnownIds",
    "ReadWarning",
    "UnsafeXmlError",
    "UnsupportedFormatError",
    "WriterError",
    "XmlParseError",
    "read",
]
