"""``mode=file``: 1C uploads a file, in parts, into its exchange's folder; for both types."""

from __future__ import annotations

from pathlib import Path

from cml_exchange.conf import app_settings
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call
from cml_exchange.protocol.query import query_value
from cml_exchange.protocol.replies import Reply
from cml_exchange.storage.uploads import Readable, append, path_in, safe_name


def upload(call: Call) -> Reply:
    """Append the raw request body to the named file in this exchange's folder.

    The first part after the file was imported starts it afresh. A body
    shorter than its ``Content-Length`` (the connection dropped), or a chunked
    one the server could not read to its end, is not kept:
    the file stays as it was and 1C is told to send the part again; so too
    when the part cannot be recorded (:meth:`Call.defer`).
    """
    session = call.open()
    folder = call.folder
    name = safe_name(query_value(call.request, "filename"))
    restart, row = folder.upload_starts_anew(name)
    path = path_in(folder.path, name)
    before = 0 if restart or not path.is_file() else path.stat().st_size
    budget = max(0, app_settings.MAX_EXCHANGE_SIZE - session.bytes_received)
    body = _body(call)
    if body is None:
        return replies.failure(replies.CHUNKED_UNREADABLE.format(name=name))
    try:
        size = append(
            body, path, restart=restart, max_total=app_settings.MAX_FILE_SIZE, budget=budget
        )
    except ChunkedBodyBroken as broken:
        _cut_back(path, restart=restart, before=before)
        return replies.failure(replies.CHUNKED_CUT_SHORT.format(error=broken, name=name))
    except OSError:
        return replies.failure(replies.WRITE_FAILED.format(name=name))
    expected = _content_length(call)
    if expected is not None and size < expected:
        _cut_back(path, restart=restart, before=before)
        return replies.failure(
            replies.BODY_CUT_SHORT.format(got=size, expected=expected, name=name)
        )
    stored = path.stat().st_size
    # The part's row and the session's counts commit with the request's log; should
    # that fail, the part is cut off again and 1C gets failure.
    call.defer(
        lambda: folder.record_part(name, row, restart=restart, size=stored),
        undo=lambda: _cut_back(path, restart=restart, before=before),
    )
    call.received, call.new_files = size, int(restart)
    # A part that extends a file only counts bytes left in the page cache (not synced),
    # by two updates and the log's insert. A part that starts a file commits in full: its
    # row lost, the next part would start the file over.
    call.unsynced = not restart
    return replies.success()


def _body(call: Call) -> Readable | None:
    """The request's body as a stream, or ``None`` if this server cannot give it whole.

    Django's WSGI request reads no further than ``Content-Length``; a body sent
    with ``Transfer-Encoding: chunked`` has none, and would read as empty. A
    WSGI server that decodes chunks and ends the stream itself says so with
    ``wsgi.input_terminated`` (gunicorn does): the body is then read from
    ``wsgi.input`` up to its end. An ASGI request's stream is the whole body.
    """
    request = call.request
    meta = request.META
    chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not chunked or meta.get("CONTENT_LENGTH") or "wsgi.input" not in meta:
        return request
    if meta.get("wsgi.input_terminated"):
        return _ChunkedBody(meta["wsgi.input"])
    return None


class ChunkedBodyBroken(Exception):
    """The server could not read a chunked body to its end: cut off, or a chunk malformed."""


class _ChunkedBody:
    """A server's decoded chunked body, whose read errors are the body's, not the disk's.

    gunicorn raises ``NoMoreData`` (an ``OSError``) when the connection drops
    mid-chunk and ``InvalidChunkSize`` on a malformed one: either is
    :class:`ChunkedBodyBroken`, so the reply says the part did not arrive,
    not that it could not be written.
    """

    def __init__(self, stream: Readable) -> None:
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._stream.read(size)
        except Exception as error:
            raise ChunkedBodyBroken(type(error).__name__) from error


def _cut_back(path: Path, *, restart: bool, before: int) -> None:
    """The file as it was before this part: gone if the part started it, else cut to ``before``."""
    if restart:
        path.unlink(missing_ok=True)
    else:
        with path.open("r+b") as out:
            out.truncate(before)


def _content_length(call: Call) -> int | None:
    try:
        value = int(call.request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return value if value >= 0 else None
