"""``ExchangeClient``: 1C's side of "обмен с сайтом", request by request, against any URL.

::

    client = ExchangeClient("https://shop.example/1c_exchange.php", "1c", "secret", log=print)
    client.exchange_catalog(["import.xml", "offers.xml"])

The requests go over HTTP, or through any
:class:`~cml_exchange.client.transport.Transport` given instead of the URL.
Each method is one step of the protocol and raises :class:`ExchangeFailure`
where 1C would stop: a ``failure`` reply, a reply it cannot read, an HTTP
status other than 200 (redirects are not followed), no connection. Steps
are reported through ``log`` as one line each (``checkauth: success``,
``file import.xml: 12 parts, 2.3 MB``…), and through ``on_event`` as
records (:mod:`cml_exchange.client.events`), each part and each
``progress`` reply too, for a caller that draws progress of its own.

The orders exchange (``type=sale``) uses the same pieces: :meth:`checkauth`
and :meth:`init` take the type, :meth:`upload` and :meth:`import_file` use
the type of the last ``checkauth``. :meth:`query`, :meth:`success`,
:meth:`send_orders` and :meth:`info` are its own steps, and
:meth:`exchange_orders` runs them as 1C does::

    result = client.exchange_orders(version="2.08", send="orders-from-1c.xml")
    result.document  # the site's orders, raw XML bytes
    result.errors    # the lines after "success" of the site's replies to the upload
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cml_exchange.client import packing
from cml_exchange.client.events import Event, OnEvent, PartSent, Polled, Prepared, Step
from cml_exchange.client.packing import Data
from cml_exchange.client.replies import (
    PROGRESS,
    SUCCESS,
    Auth,
    ExchangeFailure,
    InitParams,
    Reply,
    decode,
    expect,
    parse_checkauth,
    parse_confirmation,
    parse_document,
    parse_init,
    parse_reply,
)
from cml_exchange.client.results import CatalogResult, Imported, OrdersResult, Sent
from cml_exchange.client.transport import (
    USER_AGENT,
    HttpTransport,
    Request,
    Response,
    Transport,
    basic_authorization,
    query_string,
)

Log = Callable[[str], None]

#: The archive's name on the site. Which name 1C gives it is not documented;
#: the site must not care, since it unpacks whatever ``.zip`` arrived.
ARCHIVE_NAME = "import.zip"
#: Content types a reply may have (Bitrix answers text/html, XML replies are application/xml).
_READABLE = ("text/", "application/xml")


def _quiet(message: str) -> None:
    """The default ``log``: says nothing."""


def _ignore(event: Event) -> None:
    """The default ``on_event``: looks at nothing."""


class ExchangeClient:
    """One exchange session with the site, as 1C runs it.

    ``site`` is the exchange script's address, reached over HTTP with
    ``timeout`` seconds per request (an ``import`` step lasts up to the
    site's step interval); or a :class:`~cml_exchange.client.transport.Transport`
    of its own, which ``timeout`` does not concern. ``max_import_requests``
    bounds the ``progress`` replies to one file's import, so that a site
    which never finishes is reported instead of polled forever. ``log``
    gets a line per step, ``on_event`` a record per step, part and
    ``progress`` reply (:mod:`cml_exchange.client.events`).
    """

    def __init__(
        self,
        site: str | Transport,
        user: str,
        password: str,
        *,
        timeout: float = 120.0,
        log: Log = _quiet,
        max_import_requests: int = 100_000,
        on_event: OnEvent = _ignore,
    ) -> None:
        self.transport = HttpTransport(site, timeout=timeout) if isinstance(site, str) else site
        self.user = user
        self._password = password
        self.log = log
        self.on_event = on_event
        self.max_import_requests = max_import_requests
        #: The session: what the last ``checkauth`` and ``init`` gave.
        self.kind: str | None = None
        self.auth: Auth | None = None
        self.params: InitParams | None = None

    # -- requests ----------------------------------------------------------------

    def request(
        self,
        mode: str,
        *,
        kind: str | None = None,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        cookie: str | None = None,
        sessid: str | None = None,
    ) -> Response:
        """One request of the session: GET, or POST of ``body`` as raw bytes.

        ``checkauth`` carries HTTP Basic credentials; every other request the
        cookie and the ``sessid=…`` line ``checkauth`` gave, as 1C sends them.
        ``cookie`` (``name=value``) and ``sessid`` (``sessid=…``) are sent
        instead of the session's, ``""`` sends none: the requests of a script
        that lost or forged them. Raises :class:`ExchangeFailure` unless the
        site answers HTTP 200 with a text or XML body.
        """
        kind = kind or self.kind or "catalog"
        session = self.auth if mode != "checkauth" else None
        if cookie is None:
            cookie = session.cookie if session else ""
        if sessid is None:
            sessid = (session.sessid or "") if session else ""
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
        if mode == "checkauth":
            headers["Authorization"] = basic_authorization(self.user, self._password)
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
        query = query_string({"type": kind, "mode": mode, **(params or {})}, sessid or None)
        method = "GET" if body is None else "POST"
        response = self.transport.send(Request(mode, method, query, headers, body))
        text = decode(response.body[:2000], response.charset)
        if 300 <= response.status < 400:
            location = response.headers.get("Location", "?")
            raise ExchangeFailure(
                mode,
                text,
                f"сайт переадресует запрос (HTTP {response.status}) на {location}; "
                "1С не следует переадресациям, укажите в настройках обмена конечный адрес",
            )
        if response.status != 200:
            raise ExchangeFailure(
                mode, text, f"сайт ответил HTTP {response.status} {response.reason}"
            )
        if not response.content_type.startswith(_READABLE):
            raise ExchangeFailure(mode, text, f"сайт ответил не текстом, а {response.content_type}")
        return response

    def call(
        self,
        mode: str,
        *,
        kind: str | None = None,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        """:meth:`request`, its text reply parsed; ``failure`` raises."""
        response = self.request(mode, kind=kind, params=params, body=body)
        return parse_reply(mode, response.body, response.charset)

    # -- the steps -----------------------------------------------------------------

    def checkauth(self, kind: str = "catalog") -> Auth:
        """Log in and start a session of ``kind`` (``catalog`` or ``sale``)."""
        self.kind, self.auth, self.params = kind, None, None
        response = self.request("checkauth", kind=kind)
        self.auth = parse_checkauth(response.body, response.charset)
        self.log("checkauth: success")
        if self.auth.sessid is None:
            self.log("checkauth: сайт не передал sessid (1С: «CSRF токен не поддерживается»)")
        self.on_event(Step("checkauth"))
        return self.auth

    def init(self, kind: str | None = None, version: str | None = None) -> InitParams:
        """Ask whether to zip and how large a part may be; a ``sessid`` in the reply is kept."""
        response = self.request("init", kind=kind, params={"version": version} if version else None)
        self.params = parse_init(response.body, response.charset)
        if self.params.sessid and self.auth is not None:
            self.auth = dataclasses.replace(self.auth, sessid=self.params.sessid)
        limit = self.params.file_limit if self.params.file_limit is not None else "-"
        line = f"init: zip={'yes' if self.params.zip else 'no'} file_limit={limit}"
        self.log(line + (f" version={self.params.version}" if self.params.version else ""))
        self.on_event(Step("init"))
        return self.params

    def upload(
        self, name: str, data: Data, chunk: int | None = None, *, kind: str | None = None
    ) -> Sent:
        """POST ``data`` (bytes or a file's path) as ``filename=name`` in parts of ``chunk`` bytes.

        Without ``chunk``, the parts are as large as the site's ``file_limit``
        (whole when it set none). Each part must be answered ``success``.
        """
        limit = chunk or (self.params.file_limit if self.params else None)
        if limit is not None and limit <= 0:
            raise ValueError(f"chunk must be positive, not {limit}")
        parts = size = 0
        total = packing.size_of(data)
        expected = packing.count_parts(total, limit)
        lines: list[str] = []
        for part in packing.parts(data, limit):
            reply = self.call("file", kind=kind, params={"filename": name}, body=part)
            expect("file", reply, SUCCESS)
            lines.extend(line for line in reply.lines if line.strip())
            parts += 1
            size += len(part)
            self.on_event(PartSent(name, parts, max(parts, expected), size, max(size, total)))
        plural = "part" if parts == 1 else "parts"
        self.log(f"file {name}: {parts} {plural}, {packing.human_size(size)}")
        for line in lines:
            self.log(f"file {name}: {line}")
        sent = Sent(name, parts, size, tuple(lines))
        self.on_event(sent)
        return sent

    def import_file(self, name: str, *, kind: str | None = None) -> Imported:
        """Call ``mode=import`` for ``name`` while the site answers ``progress``, to ``success``."""
        started = time.monotonic()
        for count in range(1, self.max_import_requests + 1):
            reply = self.call("import", kind=kind, params={"filename": name})
            if reply.status == PROGRESS:
                self.log(f"import {name}: progress {reply.message}")
                self.on_event(Polled(name, count, reply.message))
                continue
            seconds = time.monotonic() - started
            plural = "request" if count == 1 else "requests"
            lines = tuple(line for line in reply.lines if line.strip())
            if (kind or self.kind) == "sale":  # one error a line: log them so
                self.log(f"import {name}: success ({count} {plural}, {seconds:.1f} s)")
                for line in lines:
                    self.log(f"import {name}: {line}")
            else:
                self.log(
                    f"import {name}: success {reply.message} ({count} {plural}, {seconds:.1f} s)"
                )
            imported = Imported(name, count, reply.message, seconds, lines)
            self.on_event(imported)
            return imported
        raise ExchangeFailure(
            "import",
            reply.text,
            f"импорт {name} не завершился за {self.max_import_requests} запросов",
        )

    def deactivate(self) -> str:
        """``mode=deactivate`` with the timestamp ``checkauth`` gave; the site's message."""
        if self.auth is None or self.auth.timestamp is None:
            raise ValueError("deactivate needs the timestamp of a catalog checkauth")
        reply = self.call("deactivate", params={"timestamp": str(self.auth.timestamp)})
        expect("deactivate", reply, SUCCESS)
        self.log(f"deactivate: success {reply.message}")
        self.on_event(Step("deactivate", reply.message))
        return reply.message

    def complete(self) -> str:
        """``mode=complete``: the end of the session; the site's message."""
        reply = expect("complete", self.call("complete"), SUCCESS)
        self.log(f"complete: success {reply.message}")
        self.on_event(Step("complete", reply.message))
        return reply.message

    # -- the orders' own steps ---------------------------------------------------------

    def query(self) -> bytes:
        """``type=sale&mode=query``: the site's orders document, raw XML bytes.

        A ``failure`` text reply, an empty one and one that is not XML raise.
        """
        response = self.request("query", kind="sale")
        document = parse_document("query", response.body, response.charset)
        self.log(f"query: {packing.human_size(len(document))} XML")
        self.on_event(Step("query", size=len(document)))
        return document

    def info(self) -> bytes:
        """``type=sale&mode=info``: the site's lists (statuses, payment and delivery), raw XML."""
        response = self.request("info", kind="sale")
        document = parse_document("info", response.body, response.charset)
        self.log(f"info: {packing.human_size(len(document))} XML")
        self.on_event(Step("info", size=len(document)))
        return document

    def success(self) -> None:
        """``type=sale&mode=success``: 1C has the orders of the last ``query``.

        The site must answer ``success``; Bitrix's ``error`` (a session that
        is not the one ``checkauth`` opened) raises.
        """
        response = self.request("success", kind="sale")
        parse_confirmation(response.body, response.charset)
        self.log("success: success")
        self.on_event(Step("success"))

    def send_orders(
        self, data: Data, name: str | None = None, chunk: int | None = None
    ) -> tuple[Sent, Imported, list[str]]:
        """Upload an orders file (bytes or a path) with ``mode=file``, then ``mode=import`` it.

        ``name`` defaults to the file's own name (``orders.xml`` for bytes).
        Returns the upload, the import and the site's error lines: those after
        ``success`` in the replies to the upload, then to the import.
        """
        if name is None:
            name = "orders.xml" if isinstance(data, bytes) else Path(data).name
        sent = self.upload(name, data, chunk, kind="sale")
        imported = self.import_file(name, kind="sale")
        return sent, imported, [*sent.lines, *imported.lines]

    # -- whole exchanges ---------------------------------------------------------------

    def exchange_orders(
        self, *, version: str | None = None, send: Data | None = None, chunk: int | None = None
    ) -> OrdersResult:
        """The orders exchange as 1C runs it: checkauth, init, query, success, then maybe a file.

        ``version`` is sent with ``init`` (1C 8 sends its CommerceML version,
        such as ``2.08``; old modules send none). ``send`` is an orders file
        to upload and import after the site's orders are confirmed.
        """
        self.checkauth("sale")
        params = self.init("sale", version)
        result = OrdersResult(params=params, document=self.query())
        self.success()
        if send is not None:
            result.sent, result.imported, result.errors = self.send_orders(send, chunk=chunk)
        return result

    def exchange_catalog(
        self,
        files: Sequence[str | os.PathLike[str]],
        *,
        zip: bool | None = None,
        chunk: int | None = None,
        version: str | None = None,
    ) -> CatalogResult:
        """The whole catalog exchange: checkauth, init, upload, import each XML file, end.

        ``files`` are XML files, imported in the order given (with a ``version``
        of 3.x, CommerceML 3.1 files in 1C's order of kinds and packets,
        whatever order they are given in: ``packing.in_sending_order``); the pictures in
        ``import_files/`` beside them are uploaded too. With the site's
        ``zip=yes`` (unless ``zip`` is ``False``) everything goes as one
        archive, else file by file. ``chunk`` overrides the site's
        ``file_limit``. Then ``deactivate`` (when ``checkauth`` gave a
        timestamp) and ``complete``.
        """
        if version and version.strip().startswith("3"):
            files = packing.in_sending_order(files)
        unload = packing.collect(files)
        self.checkauth("catalog")
        params = self.init("catalog", version)
        result = CatalogResult(params=params, zipped=params.zip and zip is not False)
        if result.zipped:
            archive = packing.pack(unload.files)
            self.log(
                f"zip {ARCHIVE_NAME}: {len(unload.xml)} XML, {len(unload.pictures)} pictures, "
                f"{packing.human_size(unload.size)} → {packing.human_size(len(archive))}"
            )
            self.on_event(
                Prepared(len(unload.xml), len(unload.pictures), unload.size, len(archive))
            )
            result.sent.append(self.upload(ARCHIVE_NAME, archive, chunk))
        else:
            self.on_event(Prepared(len(unload.xml), len(unload.pictures), unload.size))
            result.sent.extend(self.upload(item.name, item.path, chunk) for item in unload.files)
        result.imported.extend(self.import_file(item.name) for item in unload.xml)
        if self.auth is not None and self.auth.timestamp is not None:
            self.deactivate()
        self.complete()
        return result
