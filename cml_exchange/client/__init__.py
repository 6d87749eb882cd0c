"""A built-in 1C: plays 1C's side of the exchange against any site.

Standard library only and no Django, so that benchmarks and scripts can use
it against any server (this app's endpoint, 1C-Bitrix, another CMS). The
``cml_exchange_client`` management command wires it to the console.
"""

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

__all__ = [
    "ARCHIVE_NAME",
    "Auth",
    "CatalogResult",
    "ExchangeClient",
    "ExchangeFailure",
    "Imported",
    "InitParams",
    "OrdersResult",
    "Reply",
    "Sent",
    "parse_checkauth",
    "parse_confirmation",
    "parse_document",
    "parse_init",
    "parse_reply",
]
