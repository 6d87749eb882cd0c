"""``mode=file``: 1C uploads a file, in parts, into its exchange's folder; for both types."""

from __future__ import annotations

from cml_exchange.conf import app_settings
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call
from cml_exchange.protocol.replies import Reply
from cml_exchange.storage.uploads import append, path_in, safe_name


def upload(call: Call) -> Reply:
    """Append the raw request body to the named file in this exchange's folder.

    The first part after the file was imported starts it afresh. A body
    shorter than its ``Content-Length`` (the connection dropped) is not kept:
    the file stays as it was and 1C is told to send the part again.
    """
    session = call.open()
    folder = call.folder
    name = safe_name(call.request.GET.get("filename"))
    restart, record = folder.upload_starts_anew(name)
    path = path_in(folder.path, name)
    before = 0 if restart or not path.is_file() else path.stat().st_size
    budget = max(0, app_settings.MAX_EXCHANGE_SIZE - session.bytes_received)
    try:
        size = append(
            call.request, path, restart=restart, max_total=app_settings.MAX_FILE_SIZE, budget=budget
        )
    except OSError:
        return replies.failure(replies.WRITE_FAILED.format(name=name))
    expected = _content_length(call)
    if expected is not None and size < expected:
        if restart:
            path.unlink(missing_ok=True)
        else:
            with path.open("r+b") as out:
                out.truncate(before)
        return replies.failure(
            replies.BODY_CUT_SHORT.format(got=size, expected=expected, name=name)
        )
    folder.record_part(name, record, restart=restart, size=path.stat().st_size)
    session.count_upload(size, new_file=restart)
    return replies.success()


def _content_length(call: Call) -> int | None:
    try:
        value = int(call.request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return value if value >= 0 else None
