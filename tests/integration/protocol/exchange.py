"""A test client that talks to the endpoint as 1C does (cookie, sessid, raw bodies)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from django.http.response import HttpResponseBase
from django.test import Client

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
