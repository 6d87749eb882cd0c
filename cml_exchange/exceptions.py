"""The app's one error hierarchy.

``CmlExchangeError`` is the root of everything the app raises on purpose. It
and the CommerceML errors are defined in :mod:`cml_exchange.commerceml.errors`
so that the Django-free parser belongs to the same hierarchy; this module
re-exports them and adds the errors that mix in Django's own types::

    CmlExchangeError
    ├── CommerceMLError
    │   ├── XmlParseError (file, line, column, element)
    │   │   ├── UnsafeXmlError (also defusedxml.DefusedXmlException)
    │   │   └── UnsupportedFormatError
    │   └── WriterError
    ├── ArchiveError
    ├── ConfigError (also ImproperlyConfigured)
    └── ProtocolError (also SuspiciousOperation)

Messages are Russian sentences: the protocol layer sends ``str(error)`` to 1C
as line 2 of a ``failure`` reply.
"""

from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation

from cml_exchange.commerceml.errors import (
    CmlExchangeError,
    CommerceMLError,
    UnsafeXmlError,
    UnsupportedFormatError,
    WriterError,
    XmlParseError,
)

__all__ = [
    "ArchiveError",
    "CmlExchangeError",
    "CommerceMLError",
    "ConfigError",
    "ProtocolError",
    "UnsafeXmlError",
    "UnsupportedFormatError",
    "WriterError",
    "XmlParseError",
]


class ArchiveError(CmlExchangeError):
    """A zip archive from 1C cannot be unpacked safely or at all."""


class ConfigError(CmlExchangeError, ImproperlyConfigured):
    """A ``CML_EXCHANGE_*`` setting has a value the app cannot use."""


class ProtocolError(CmlExchangeError, SuspiciousOperation):
    """A request from 1C (or from someone pretending to be 1C) cannot be served."""
