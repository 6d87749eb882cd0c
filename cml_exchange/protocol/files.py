"""Files 1C uploads (``mode=file``), and clearing them away at ``init``; for both exchange types.

Each exchange (session) keeps its uploads in its own folder of the type's
directory (``<UPLOAD_ROOT>/catalog/exchange-<id>/…``), so exchanges running
at once never mix their files. Upload rows (:class:`ExchangeFile`) are named
relative to the type's directory, folder included.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone

from cml_exchange.conf import app_settings
from cml_exchange.importer.missing import settle
from cml_exchange.models import ExchangeFile, ExchangeSession, ImportJob
from cml_exchange.models.exchange import FOLDER_PREFIX, SESSION_IDLE
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call
from cml_exchange.protocol.replies import Reply
from cml_exchange.storage.uploads import REPORTS, append, clean_directory, path_in, safe_name

_FOLDER = re.compile(rf"^{re.escape(FOLDER_PREFIX)}(\d+)$")
#: 1C's own logs are kept this long, as in 1C-Bitrix.
REPORTS_DAYS = 5


def clean_directory_of(call: Call) -> None:
    """``init``: clear what earlier exchanges left, never what an exchange still needs.

    * This exchange's folder loses what it already imported (a second
      ``init`` of one exchange starts over), unless one of its imports runs.
    * Another exchange's folder is left alone while that exchange is open
      (a request in the last hours, no ``complete``) or one of its imports
      runs; after that it goes, except files uploaded and never imported
      (1C may ``checkauth``/``init`` before every file and import in a later
      session) for ``KEEP_UNIMPORTED_HOURS``.
    * 1C's own ``Reports/`` logs stay five days, as in 1C-Bitrix.
    """
    now = timezone.now()
    own = call.open()
    root = call.kind_directory
    if not root.is_dir():
        return
    folders = {
        int(match.group(1)): entry.name
        for entry in root.iterdir()
        if entry.is_dir() and (match := _FOLDER.match(entry.name))
    }
    busy = _busy_sessions(set(folders), now)
    for pk, folder in folders.items():
        if pk in busy:
            continue
        if pk != own.pk:
            # That exchange is over without complete (older 1C): its full catalogs end now.
            settle(ImportJob.objects.filter(session=pk))
        _clean(call, folder, now)
        if pk != own.pk:
            # Fails while the folder still holds something; another init may have removed it.
            with contextlib.suppress(OSError):
                (root / folder).rmdir()
    _clean(call, "", now)


def _busy_sessions(pks: set[int], now: dt.datetime) -> set[int]:
    """Of ``pks``, the exchanges whose files must stay: open ones, and those importing."""
    if not pks:
        return set()
    fresh = now - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)
    importing = set(
        ImportJob.objects.filter(
            session__in=pks,
            status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
            created__gte=fresh,
        ).values_list("session", flat=True)
    )
    open_ = set(
        ExchangeSession.objects.filter(
            pk__in=pks, finished__isnull=True, last_seen__gte=now - SESSION_IDLE
        ).values_list("pk", flat=True)
    )
    return importing | open_


def _clean(call: Call, folder: str, now: dt.datetime) -> None:
    """Delete what ``folder`` holds (``""``: files outside every exchange's folder) and its rows.

    Kept: uploads never imported, for ``KEEP_UNIMPORTED_HOURS``, and recent reports.
    """
    prefix = f"{folder}/" if folder else ""
    files = ExchangeFile.objects.filter(kind=call.kind)
    if prefix:
        files = files.filter(name__startswith=prefix)
    else:
        files = files.exclude(name__startswith=FOLDER_PREFIX)
    fresh = now - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)
    unimported = files.filter(imported__isnull=True, updated__gte=fresh)
    keep = {name[len(prefix) :] for name in unimported.values_list("name", flat=True)}
    removed = clean_directory(
        call.kind_directory / folder if folder else call.kind_directory,
        keep=keep,
        reports_kept_since=now - dt.timedelta(days=REPORTS_DAYS),
        skip=None if folder else _FOLDER,
    )
    kept = [prefix + name for name in keep]
    gone = [prefix + name for name in removed]
    files.filter(Q(name__in=gone) | Q(imported__isnull=False)).exclude(name__in=kept).delete()


def upload(call: Call) -> Reply:
    """Append the raw request body to the named file in this exchange's folder.

    The first part after the file was imported starts it afresh. A body
    shorter than its ``Content-Length`` (the connection dropped) is not kept:
    the file stays as it was and 1C is told to send the part again.
    """
    session = call.open()
    name = safe_name(call.request.GET.get("filename"))
    stored = call.stored_name(name)
    record = ExchangeFile.objects.filter(kind=call.kind, name=stored).first()
    restart = record is None or record.imported is not None
    path = path_in(call.directory, name)
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
    if record is None or restart:
        ExchangeFile.objects.update_or_create(
            kind=call.kind,
            name=stored,
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
    session.count_upload(size, new_file=restart)
    return replies.success()


def _content_length(call: Call) -> int | None:
    try:
        value = int(call.request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return value if value >= 0 else None


def is_report(name: str) -> bool:
    """1C's own exchange log (``Reports/Exchange_*.zip``): stored, never imported."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith(REPORTS) or (
        base.startswith("Exchange_") and base.lower().endswith(".zip")
    )
