"""Replies of the site as 1C reads them: windows-1251 text, a status line, then messages.

Pure functions over bytes, no HTTP and no Django, so they can be tested and
reused alone. Every parser raises :class:`ExchangeFailure` for what 1C would
refuse: a ``failure`` status, an unexpected first line, a body that is not
the plain-text reply of the protocol (an HTML page, say).
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCESS, PROGRESS, FAILURE = "success", "progress", "failure"
STATUSES = (SUCCESS, PROGRESS, FAILURE)
#: The encoding of every text reply (1C assumes it when the header names none).
ENCODING = "windows-1251"
_BOM = b"\xef\xbb\xbf"
#: How much of an unexpected body an error message quotes.
_QUOTE = 300


class ExchangeFailure(Exception):
    """The site refused a request, or answered something 1C cannot read.

    ``mode`` is the request's mode (``checkauth``, ``file``…), ``reply`` the
    reply's text as received (or a description of what came instead of one),
    ``message`` what 1C would write to its log: the lines after the status.
    """

    def __init__(self, mode: str, reply: str, message: str | None = None) -> None:
        self.mode = mode
        self.reply = reply
        self.message = message if message is not None else _message_of(reply)
        super().__init__(f"{mode}: {self.message}")


def _message_of(reply: str) -> str:
    lines = reply.splitlines()
    if lines and lines[0].strip() in STATUSES:
        lines = lines[1:]
    text = " ".join(line.strip() for line in lines if line.strip())
    return text[:_QUOTE] or "(пустой ответ)"


@dataclass(frozen=True, slots=True)
class Reply:
    """A text reply: its first line (``status``) and the lines after it."""

    status: str
    lines: tuple[str, ...]
    text: str

    @property
    def message(self) -> str:
        """The lines after the status, joined by spaces (what 1C logs)."""
        return " ".join(line for line in self.lines if line)


def decode(body: bytes, charset: str | None = None) -> str:
    """The reply's text: ``charset`` from the Content-Type header, else windows-1251."""
    try:
        return body.decode(charset or ENCODING, errors="replace")
    except LookupError:  # an unknown charset in the header
        return body.decode(ENCODING, errors="replace")


def parse_reply(mode: str, body: bytes, charset: str | None = None) -> Reply:
    """Split a text reply into status and lines; ``failure`` raises.

    Line ends may be LF or CRLF. A byte order mark raises too: some 1C
    releases cannot read a reply that starts with one. The status must be
    one of ``success``/``progress``/``failure``; anything else (an HTML page,
    a PHP error) raises, as 1C treats it.
    """
    if body.startswith(_BOM):
        raise ExchangeFailure(
            mode, decode(body, charset), "ответ сайта начинается с BOM, 1С его не прочитает"
        )
    text = decode(body, charset)
    lines = [line.rstrip("\r") for line in text.split("\n")]
    status = lines[0].strip()
    if status == FAILURE:
        raise ExchangeFailure(mode, text)
    if status not in (SUCCESS, PROGRESS):
        raise ExchangeFailure(mode, text, f"непонятный ответ сайта: {_quote(text)}")
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return Reply(status=status, lines=tuple(lines[1:]), text=text)


def expect(mode: str, reply: Reply, *statuses: str) -> Reply:
    """``reply`` if its status is one of ``statuses``, else :class:`ExchangeFailure`."""
    if reply.status not in statuses:
        raise ExchangeFailure(mode, reply.text, f"ожидался ответ {'/'.join(statuses)}")
    return reply


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:_QUOTE] + ("…" if len(flat) > _QUOTE else "") if flat else "(пустой ответ)"


@dataclass(frozen=True, slots=True)
class Auth:
    """What ``checkauth`` gave: the cookie to send back, the ``sessid`` line, the timestamp.

    ``sessid`` is the whole fourth line (``sessid=…``), which 1C appends to
    every later URL verbatim; ``None`` when the site sent none (1C then
    warns and goes on). ``timestamp`` is the catalog's fifth line, sent back
    with ``mode=deactivate``; ``None`` for orders, whose reply has no such line.
    """

    cookie_name: str
    cookie_value: str
    sessid: str | None = None
    timestamp: int | None = None

    @property
    def cookie(self) -> str:
        """The ``Cookie`` header's value."""
        return f"{self.cookie_name}={self.cookie_value}"


def parse_checkauth(body: bytes, charset: str | None = None) -> Auth:
    """The ``checkauth`` reply: ``success``, cookie name and value, ``sessid=``, ``timestamp=``."""
    reply = expect("checkauth", parse_reply("checkauth", body, charset), SUCCESS)
    lines = reply.lines
    if len(lines) < 2 or not lines[0].strip() or not lines[1].strip():
        raise ExchangeFailure("checkauth", reply.text, "сайт не передал имя и значение cookie")
    name, value = lines[0].strip(), lines[1].strip()
    if any(char in name for char in ".=; ,"):
        raise ExchangeFailure("checkauth", reply.text, f"недопустимое имя cookie «{name}»")
    sessid = timestamp = None
    for line in lines[2:]:
        key, _, rest = line.strip().partition("=")
        if key == "sessid" and rest and sessid is None:
            sessid = line.strip()
        elif key == "timestamp" and timestamp is None:
            try:
                timestamp = int(rest)
            except ValueError:
                raise ExchangeFailure(
                    "checkauth", reply.text, f"недопустимая метка времени «{rest}»"
                ) from None
    return Auth(name, value, sessid, timestamp)


@dataclass(frozen=True, slots=True)
class InitParams:
    """What ``init`` gave: whether to zip, the largest part of a file, and the optional extras.

    ``file_limit`` is ``None`` when the site named no limit (1C then sends
    each file whole). ``sessid`` is a ``sessid=…`` line as in :class:`Auth`.
    """

    zip: bool
    file_limit: int | None
    sessid: str | None = None
    version: str | None = None


def parse_init(body: bytes, charset: str | None = None) -> InitParams:
    """The ``init`` reply: ``zip=yes|no``, ``file_limit=N``, maybe ``sessid=``/``version=``.

    It has no status line; a ``failure`` reply raises, and so does one
    without ``zip=`` (an HTML page, say).
    """
    text = decode(body, charset)
    lines = [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
    if body.startswith(_BOM):
        raise ExchangeFailure("init", text, "ответ сайта начинается с BOM, 1С его не прочитает")
    if lines and lines[0] == FAILURE:
        raise ExchangeFailure("init", text)
    values: dict[str, str] = {}
    for line in lines:
        key, equals, value = line.partition("=")
        if equals:
            values.setdefault(key.strip(), value.strip())
    if values.get("zip") not in ("yes", "no"):
        raise ExchangeFailure("init", text, f"сайт не передал параметры обмена: {_quote(text)}")
    limit = values.get("file_limit")
    try:
        file_limit = int(limit) if limit else None
    except ValueError:
        raise ExchangeFailure("init", text, f"недопустимый file_limit «{limit}»") from None
    sessid = values.get("sessid")
    return InitParams(
        zip=values["zip"] == "yes",
        file_limit=file_limit if file_limit and file_limit > 0 else None,
        sessid=f"sessid={sessid}" if sessid else None,
        version=values.get("version") or None,
    )


#: How much of the start of an XML reply is searched for signs of an HTML page.
_HTML_PROBE = 512


def parse_document(mode: str, body: bytes, charset: str | None = None) -> bytes:
    """An XML reply (``query``, ``info``): the body itself, byte for byte.

    The reply is a document, not a text status, so it has no status line; a
    byte order mark is allowed before it. A text reply starting with
    ``failure`` raises with the site's message; an empty body, and one that
    is not XML (an HTML page, a PHP error), raise too.
    """
    head = body[len(_BOM) :] if body.startswith(_BOM) else body
    head = head.lstrip()
    text = decode(body[:2000], charset)
    if head.startswith(FAILURE.encode()):
        raise ExchangeFailure(mode, text)
    if not head:
        raise ExchangeFailure(mode, text, "сайт ответил пустым ответом вместо XML")
    probe = head[:_HTML_PROBE].lower()
    if not head.startswith(b"<") or b"<html" in probe or b"<!doctype html" in probe:
        raise ExchangeFailure(mode, text, f"сайт ответил не XML: {_quote(text)}")
    return body


def parse_confirmation(body: bytes, charset: str | None = None) -> Reply:
    """The reply to ``type=sale&mode=success``: ``success``, or Bitrix's ``error`` (raises).

    Bitrix answers ``error`` when the request's cookie is not the session
    ``checkauth`` opened; the orders then stay due and go again next time.
    """
    text = decode(body, charset)
    if text.strip().split("\n", 1)[0].strip() == "error":
        raise ExchangeFailure(
            "success",
            text,
            "сайт не принял подтверждение выгрузки заказов (ответ error): "
            "сессия не та, что открыта checkauth",
        )
    return expect("success", parse_reply("success", body, charset), SUCCESS)
