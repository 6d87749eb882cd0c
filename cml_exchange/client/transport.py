"""One HTTP request at a time, as 1C makes them: no redirects followed, no cookie jar.

Built on ``http.client`` alone. Each request opens its own connection, so a
site that closes connections between requests (or a proxy that does) behaves
as it would for 1C.
"""

from __future__ import annotations

import base64
import http.client
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import quote, urlencode, urlsplit

from cml_exchange.client.replies import ExchangeFailure

#: 1C's own User-Agent (some sites and firewalls look at it).
USER_AGENT = "1C+Enterprise/8.3"


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


class Transport:
    """Sends requests to ``url`` (the exchange script's address, maybe with a query).

    1C builds each request's address literally as ``url?type=…&mode=…``
    (``&`` when ``url`` already has a query), which :meth:`address` repeats.
    """

    def __init__(self, url: str, *, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) address: {url!r}")
        self.url = url
        self.timeout = timeout
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path or "/"
        self._query = parts.query

    def address(self, params: Mapping[str, str], extra: str | None = None) -> str:
        """The request's path and query: ``params`` in order, then ``extra`` verbatim."""
        query = urlencode(params, quote_via=quote, safe="/")
        if extra:
            query = f"{query}&{extra}"
        if self._query:
            query = f"{self._query}&{query}"
        return f"{self._path}?{query}"

    def send(
        self,
        mode: str,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes | None = None,
    ) -> Response:
        """Make one request; network errors become :class:`ExchangeFailure` for ``mode``."""
        connection: http.client.HTTPConnection
        if self._https:
            connection = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        all_headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **headers}
        try:
            connection.request(method, target, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            return Response(response.status, response.reason, response.headers, data)
        except (OSError, http.client.HTTPException) as error:
            reason = "нет ответа за отведённое время" if isinstance(error, TimeoutError) else error
            raise ExchangeFailure(
                mode, "", f"не удалось связаться с сайтом {self.url}: {reason}"
            ) from error
        finally:
            connection.close()


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` header's value for HTTP Basic (UTF-8, as current 1C sends)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"
