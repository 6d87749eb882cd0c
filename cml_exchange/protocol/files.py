"""Files 1C uploads (``mode=file``), and clearing them away at ``init``; for both exchange types."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeFile
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call
from cml_exchange.protocol.replies import Reply
from cml_exchange.protocol.sessions import count_upload
from cml_exchange.storage.uploads import append, clean_directory, path_in, safe_name


def clean_directory_of(call: Call) -> None:
    """Delete files of earlier exchanges, but never one uploaded and not yet imported.

    1C may run ``checkauth``/``init`` before every file, so a file another
    session uploaded stays until it is imported or ``KEEP_UNIMPORTED_HOURS``
    pass. 1C's own ``Reports/`` logs stay five days, as in Bitrix.
    """
    now = timezone.now()
    fresh = now - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)
    files = ExchangeFile.objects.filter(kind=call.kind)
    keep = set(
        files.filter(imported__isnull=True, updated__gte=fresh).values_list("name", flat=True)
    )
    removed = clean_directory(
        call.directory, keep=keep, reports_kept_since=now - dt.timedelta(days=5)
    )
    files.exclude(name__in=keep).filter(name__in=removed).delete()
    files.exclude(name__in=keep).filter(imported__isnull=False).delete()


def upload(call: Call) -> Reply:
    """Append the raw request body to the named file (a new exchange starts it afresh)."""
    session = call.open()
    name = safe_name(call.request.GET.get("filename"))
    record = ExchangeFile.objects.filter(kind=call.kind, name=name).first()
    restart = record is None or record.session_id != session.pk or record.imported is not None
    path = path_in(call.directory, name)
    budget = max(0, app_settings.MAX_EXCHANGE_SIZE - session.bytes_received)
    try:
        size = append(
            call.request, path, restart=restart, max_total=app_settings.MAX_FILE_SIZE, budget=budget
        )
    except OSError:
        return replies.failure(replies.WRITE_FAILED.format(name=name))
    if record is None or restart:
        ExchangeFile.objects.update_or_create(
            kind=call.kind,
            name=name,
            defaults={
                "session": session,
                "size": size,
                "parts": 1,
                "imported": None,
                "position": 0,
            },
        )
    else:
        ExchangeFile.objects.filter(pk=record.pk).update(
            size=path.stat().st_size, parts=record.parts + 1, updated=timezone.now()
        )
    count_upload(session, size, new_file=restart)
    return replies.success()
