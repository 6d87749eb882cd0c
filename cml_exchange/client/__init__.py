"""A built-in 1C: plays 1C's side of the exchange against any site.

Standard library only and no Django, so that benchmarks and scripts can use
it against any server (this app's endpoint, 1C-Bitrix, another CMS). The
``cml_exchange_client`` management command wires it to the console.

Requests go over HTTP (:class:`HttpTransport`) unless the client is given a
:class:`Transport` of its own: this app's tests pass one that calls the
endpoint through Django's test client.
"""

from cml_exchange.client.events import Event, OnEvent, PartSent, Polled, Prepared, Step
from cml_exchange.client.exchange import ARCHIVE_NAME, ExchangeClient
from cml_exchange.client.replies import (
    Auth,
    ExchangeFailure,
    InitParams,
    Reply,
    parse_checkauth,
    parse_confirmation,
    parse_document,
    parse_init,
    parse_reply,
)
from cml_exchange.client.results import CatalogResult, Imported, OrdersResult, Sent
from cml_exchange.client.transport import HttpTransport, Request, Response, Transport

__all__ = [
    "ARCHIVE_NAME",
    "Auth",
    "CatalogResult",
    "Event",
    "ExchangeClient",
    "ExchangeFailure",
    "HttpTransport",
    "Imported",
    "InitParams",
    "OnEvent",
    "OrdersResult",
    "PartSent",
    "Polled",
    "Prepared",
    "Reply",
    "Request",
    "Response",
    "Sent",
    "Step",
    "Transport",
    "parse_checkauth",
    "parse_confirmation",
    "parse_document",
    "parse_init",
    "parse_reply",
]
