"""How the client's requests reach the site: the :class:`Transport` contract and HTTP.

The client (:class:`~cml_exchange.client.ExchangeClient`) makes each request
as 1C does: the query, the headers (credentials or the cookie), the raw
body. A transport only carries it to the site and brings the response back,
whole. :class:`HttpTransport`, the default, does it as 1C does over the
network; tests pass a transport of their own (Django's test client, a
scripted site, one that times or breaks requests).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import select
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Protocol
from urllib.parse import quote, urlencode, urlsplit

from cml_exchange.client.replies import ExchangeFailure

#: 1C's own User-Agent (some sites and firewalls look at it).
USER_AGENT = "1C+Enterprise/8.3"


@dataclass(frozen=True, slots=True)
class Request:
    """One request, as the client made it; the transport adds the site's address.

    ``query`` is the request's query string, already encoded (see
    :func:`query_string`); ``mode`` names the request in errors. ``body`` is sent
    raw, ``None`` for a GET.
    """

    mode: str
    method: str
    query: str
    headers: Mapping[str, str]
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP response, read whole."""

    status: int
    reason: str
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset()


class Transport(Protocol):
    """Carries a :class:`Request` to the site and returns its :class:`Response`.

    An implementation sends the request as given: its method, its query
    after the site's address, its headers and body untouched. It keeps no
    state between requests (no cookie jar: the client sends the cookie
    itself) and follows no redirects. The response comes back whole, body
    included, whatever its status; only when no response came (no
    connection, a timeout) does it raise, :class:`ExchangeFailure` for the
    request's mode.
    """

    def send(self, request: Request) -> Response: ...


def query_string(params: Mapping[str, str], extra: str | None = None) -> str:
    """A request's query as 1C builds it: ``params`` in order, then ``extra`` verbatim.

    ``extra`` is the ``sessid=…`` line of ``checkauth``, which 1C appends as
    the site wrote it.
    """
    encoded = urlencode(params, quote_via=quote, safe="/")
    return f"{encoded}&{extra}" if extra else encoded


class HttpTransport:
    """Sends requests to ``url`` (the exchange script's address, maybe with a query).

    Built on ``http.client`` alone. 1C builds each request's address
    literally as ``url?type=…&mode=…`` (``&`` when ``url`` already has a
    query), which :meth:`target` repeats. ``timeout`` is per request, in
    seconds.

    The connection is kept open between requests (HTTP/1.1 keep-alive): a
    part of an upload then costs the site no new connection (and, on a
    threaded server, no new thread and no new database connection). A kept
    connection is used again only if the site did not close it
    (``Connection: close``, or the socket shows it closed) and it has been
    idle for less than :attr:`idle_reuse` seconds, under the idle timeouts
    of common servers (gunicorn's is 2 s), so that a request is not sent on
    a connection the site is about to close. Nothing is ever sent twice: a
    request that fails raises, on a new connection or a kept one alike.
    With ``keep_alive=False`` each request opens its own connection, as
    before. :meth:`close` closes a kept connection.
    """

    #: Seconds a kept connection may have been idle and still be used.
    idle_reuse = 1.0

    def __init__(self, url: str, *, timeout: float, keep_alive: bool = True) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) address: {url!r}")
        self.url = url
        self.timeout = timeout
        self.keep_alive = keep_alive
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path or "/"
        self._query = parts.query
        self._kept: http.client.HTTPConnection | None = None
        self._idle_since = 0.0

    def target(self, query: str) -> str:
        """The request line's path and query: the address's own query first, then ``query``."""
        if self._query:
            query = f"{self._query}&{query}"
        return f"{self._path}?{query}"

    def send(self, request: Request) -> Response:
        """Make one request; network errors become :class:`ExchangeFailure` for its mode."""
        connection = self._reusable() or self._connect()
        try:
            connection.request(
                request.method,
                self.target(request.query),
                body=request.body,
                headers=dict(request.headers),
            )
            if self.keep_alive:
                _ack_at_once(connection, self.timeout)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            reason = "нет ответа за отведённое время" if isinstance(error, TimeoutError) else error
            raise ExchangeFailure(
                request.mode, "", f"не удалось связаться с сайтом {self.url}: {reason}"
            ) from error
        if self.keep_alive and not response.will_close:
            self._kept, self._idle_since = connection, time.monotonic()
        else:
            connection.close()
        return Response(response.status, response.reason, response.headers, data)

    def close(self) -> None:
        """Close the kept connection, if any; the next request opens a new one."""
        if self._kept is not None:
            self._kept.close()
            self._kept = None

    def _reusable(self) -> http.client.HTTPConnection | None:
        """The kept connection, if it may carry the next request; else it is closed."""
        connection, self._kept = self._kept, None
        if connection is None:
            return None
        sock = connection.sock
        if (
            sock is None
            or time.monotonic() - self._idle_since >= self.idle_reuse
            or select.select([sock], [], [], 0)[0]  # readable while idle: closed by the site
        ):
            connection.close()
            return None
        return connection

    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)


def _ack_at_once(connection: http.client.HTTPConnection, timeout: float) -> None:
    """Acknowledge the reply's first segment at once, once it came (Linux ``TCP_QUICKACK``).

    A server that writes its reply in several small pieces without
    ``TCP_NODELAY`` (Django's development server writes the status line,
    the headers and the body apart) holds each piece until the one before
    is acknowledged, and on a kept connection Linux delays that
    acknowledgement by up to 40 ms: a stall on every request. Setting
    ``TCP_QUICKACK`` once the first piece is there sends the acknowledgement
    it waits for.
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)
    sock = connection.sock
    if quickack is None or sock is None:
        return
    with contextlib.suppress(OSError, ValueError):
        if select.select([sock], [], [], timeout)[0]:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` header's value for HTTP Basic (UTF-8, as current 1C sends)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"
