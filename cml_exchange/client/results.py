"""What the client's steps and whole exchanges did: files sent and imported, their results.

Plain records, filled by :class:`~cml_exchange.client.ExchangeClient` and
read by its callers (the ``cml_exchange_client`` command, tests, benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cml_exchange.client.replies import InitParams


@dataclass(frozen=True, slots=True)
class Sent:
    """A file uploaded with ``mode=file``: its name on the site, parts and bytes.

    ``lines`` are what the site wrote after ``success`` to any part (for
    orders in the protocol without ``version``, the errors of importing them).
    """

    name: str
    parts: int
    size: int
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Imported:
    """A file imported with ``mode=import``: how many requests it took and the last reply.

    ``message`` is the last reply's lines joined, ``lines`` the lines
    themselves (for orders, one error per line).
    """

    name: str
    requests: int
    message: str
    seconds: float
    lines: tuple[str, ...] = ()


@dataclass
class CatalogResult:
    """What :meth:`ExchangeClient.exchange_catalog` did."""

    params: InitParams
    zipped: bool
    sent: list[Sent] = field(default_factory=list)
    imported: list[Imported] = field(default_factory=list)


@dataclass
class OrdersResult:
    """What :meth:`ExchangeClient.exchange_orders` did.

    ``document`` is the reply to ``query``, raw (its XML declaration names
    its encoding). ``sent``/``imported`` are the orders file 1C sent back, if
    any; ``errors`` the site's lines about it, in the order they came.
    """

    params: InitParams
    document: bytes
    sent: Sent | None = None
    imported: Imported | None = None
    errors: list[str] = field(default_factory=list)
