"""The real 1C client against the endpoint, through Django's test client.

:class:`DjangoTransport` is a :class:`cml_exchange.client.Transport`: the
client's requests go through the whole Django stack in this process, as
they would over HTTP. It lives with the tests, not in ``cml_exchange.client``,
which is standard library only so that scripts use it against any site.

:func:`new_1c` makes such a client. The tests drive it by its steps
(``checkauth()``, ``init()``, ``upload()``…) and, where they check replies
byte for byte or make requests 1C never would, by its ``request()``:
:func:`get`, :func:`post` and :func:`import_reply` give raw replies.
:func:`session_of`, :func:`folder_of` and :func:`stored` find what the site keeps
of a client's exchange.
"""

from __future__ import annotations

import base64
import re
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, ClassVar

from django.contrib.auth.backends import ModelBackend
from django.http.response import HttpResponseBase
from django.test import Client

from cml_exchange.client import ExchangeClient, Request, Response
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


class CountingBackend(ModelBackend):
    """Django's own backend, noting the login of each password it is asked to check.

    A real backend, so that a test can show which requests had their password looked at.
    """

    #: The logins, in order; a test empties it (and names this backend in its settings).
    checks: ClassVar[list[str]] = []

    def authenticate(
        self, request: Any, username: Any = None, password: Any = None, **kwargs: Any
    ) -> Any:
        CountingBackend.checks.append(str(username))
        return super().authenticate(request, username=username, password=password, **kwargs)


#: The dotted path of :class:`CountingBackend`, for ``AUTHENTICATION_BACKENDS``.
COUNTING_BACKEND = f"{__name__}.CountingBackend"


def new_1c(
    user: str = "admin", password: str = "secret", *, jar: Client | None = None
) -> ExchangeClient:
    """The real 1C client of ``user``, through a :class:`DjangoTransport` of its own."""
    return ExchangeClient(DjangoTransport(jar=jar), user, password)


# -- raw replies, for tests that check them byte for byte ------------------------------


def get(onec: ExchangeClient, mode: str, *, kind: str | None = None, **params: str) -> bytes:
    """The reply to one GET of ``onec``'s session (``mode`` and ``params``), raw."""
    return onec.request(mode, kind=kind, params=params).body


def post(onec: ExchangeClient, name: str, data: bytes) -> bytes:
    """The reply to one part of the file ``name`` (``mode=file``), raw."""
    return onec.request("file", params={"filename": name}, body=data).body


def import_reply(onec: ExchangeClient, name: str, limit: int = 10_000) -> bytes:
    """``mode=import`` of ``name`` while the site answers ``progress``; the last reply, raw."""
    for _ in range(limit):
        reply = get(onec, "import", filename=name)
        if not reply.startswith(b"progress\n"):
            return reply
    raise AssertionError("import never finished")


# -- what the site keeps of an exchange ----------------------------------------------


def session_of(onec: ExchangeClient, kind: str | None = None) -> ExchangeSession:
    """The exchange session of ``kind`` (the client's own by default) that its cookie names."""
    assert onec.auth is not None, "no checkauth yet"
    assert onec.auth.cookie_name == COOKIE_NAME
    return ExchangeSession.objects.get(token=onec.auth.cookie_value, kind=kind or onec.kind)


def folder_of(onec: ExchangeClient) -> Path:
    """Where the uploads of ``onec``'s exchange are stored."""
    return app_settings.UPLOAD_ROOT / str(onec.kind) / session_of(onec).folder


def stored(onec: ExchangeClient, name: str) -> str:
    """The stored-file row name of an upload of ``onec``'s exchange."""
    return f"{session_of(onec).folder}/{name}"


# -- line 2 of mode=import's success ------------------------------------------------------

#: Line 2 of ``mode=import`` for a file stored whole that told no warning.
IMPORT_DONE = "Импорт успешно завершен."


def warned(count: int, first: str, said: str = "Импорт завершен.") -> str:
    """Line 2 of ``mode=import`` for a file that told ``count`` warnings, ``first`` the first.

    ``said``: what the line says before them (the reconciliation's differences or notes);
    ``first`` as the warning's message reads, without its closing period.
    """
    return (
        f"{said} Предупреждений: {count} (первое: «{first}»); все они — в журнале обменов на сайте."
    )


def pictures_of(catalog: bytes) -> list[str]:
    """The pictures a catalog file names (``<Картинка>``), in its order, each once."""
    named = re.findall(r"<Картинка>([^<]+)</Картинка>", catalog.decode("utf-8-sig"))
    return list(dict.fromkeys(named))


def picture_not_found(picture: str) -> str:
    """The warning of a picture the catalog names and 1C did not upload."""
    return f"Картинка {picture} не найдена среди загруженных файлов"


def pictures_not_uploaded(catalog: bytes) -> str:
    """Line 2 of ``mode=import`` for ``catalog`` without its pictures: each one a warning."""
    pictures = pictures_of(catalog)
    assert pictures, "the catalog names no picture"
    return warned(len(pictures), picture_not_found(pictures[0]))
