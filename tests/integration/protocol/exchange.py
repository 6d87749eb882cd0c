"""The real 1C client against the endpoint, through Django's test client.

:class:`DjangoTransport` is a :class:`cml_exchange.client.Transport`: the
client's requests go through the whole Django stack in this process, as
they would over HTTP. It lives with the tests, not in ``cml_exchange.client``,
which is standard library only so that scripts use it against any site.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path

from django.http.response import HttpResponseBase
from django.test import Client

from cml_exchange.client import Request, Response
from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeSession
from cml_exchange.protocol.sessions import COOKIE_NAME

URL = "/1c_exchange.php"


def body(response: HttpResponseBase) -> bytes:
    """The reply's bytes, streamed (a ``query`` answer) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class DjangoTransport:
    """Sends the client's requests to the endpoint at ``path`` through Django's test client.

    As 1C over HTTP: the method, the query, the headers and the raw body
    as the client made them; the response read whole, streamed or not,
    with its ``Set-Cookie`` among the headers. No cookie jar: a request
    carries the cookie the client sends, or none.

    ``jar`` is a test client of the test's own, for clients that are not
    1C: its cookies (a site login, what ``Set-Cookie`` stored, as
    ``curl -b``/``-c`` would) go with every request that carries no
    ``Cookie`` of the client's.
    """

    def __init__(self, path: str = URL, *, jar: Client | None = None) -> None:
        self.path = path
        self.jar = jar
        self._client = jar or Client()

    def send(self, request: Request) -> Response:
        if self.jar is None:
            self._client.cookies = SimpleCookie()  # what the last reply set is not sent back
        headers = dict(request.headers)
        if request.body is not None:
            headers["Content-Length"] = str(len(request.body))
        response = self._client.generic(
            request.method,
            f"{self.path}?{request.query}",
            data=request.body or b"",
            content_type=headers.get("Content-Type", ""),
            headers=headers,
        )
        message = Message()
        for name, value in response.items():
            message[name] = value
        for morsel in response.cookies.values():
            message["Set-Cookie"] = morsel.OutputString()
        return Response(response.status_code, response.reason_phrase, message, body(response))


@dataclass
class OneC:
    """What 1C keeps between requests: the cookie and the sessid from ``checkauth``."""

    client: Client
    kind: str = "catalog"
    sessid: str = ""
    timestamp: str = ""
    replies: list[bytes] = field(default_factory=list)

    @property
    def session(self) -> ExchangeSession:
        """The exchange session of this type the cookie names."""
        return ExchangeSession.objects.get(
            token=self.client.cookies[COOKIE_NAME].value, kind=self.kind
        )

    @property
    def folder(self) -> Path:
        """Where this exchange's uploads are stored."""
        return app_settings.UPLOAD_ROOT / self.kind / self.session.folder

    def stored(self, name: str) -> str:
        """The stored-file row name of an upload of this exchange."""
        return f"{self.session.folder}/{name}"

    def get(self, mode: str, **params: str) -> bytes:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        url = f"{URL}?type={self.kind}&mode={mode}" + (f"&{query}" if query else "")
        if self.sessid:
            url += f"&{self.sessid}"
        reply = body(self.client.get(url))
        self.replies.append(reply)
        return reply

    def checkauth(self, user: str = "admin", password: str = "secret") -> bytes:
        response = self.client.get(
            URL,
            {"type": self.kind, "mode": "checkauth"},
            HTTP_AUTHORIZATION=basic(user, password),
        )
        assert response.status_code == 200
        reply = response.content
        lines = reply.decode("cp1251").split("\n")
        if lines[0] == "success":
            self.client.cookies[lines[1]] = lines[2]
            self.sessid = lines[3]
            self.timestamp = lines[4].partition("=")[2] if len(lines) > 4 else ""
        return reply

    def post(self, name: str, data: bytes) -> bytes:
        url = f"{URL}?type={self.kind}&mode=file&filename={name}"
        if self.sessid:
            url += f"&{self.sessid}"
        return self.client.post(url, data=data, content_type="application/octet-stream").content

    def upload(self, name: str, data: bytes, chunk: int) -> None:
        for start in range(0, len(data), chunk):
            assert self.post(name, data[start : start + chunk]) == b"success\n"

    def import_file(self, name: str, limit: int = 10_000) -> bytes:
        for _ in range(limit):
            reply = self.get("import", filename=name)
            if not reply.startswith(b"progress\n"):
                return reply
        raise AssertionError("import never finished")
