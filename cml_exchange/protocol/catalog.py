"""``type=catalog``: checkauth, init, file, import, deactivate, complete, as Bitrix answers them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from cml_exchange.importer import Failed, Progress, create_job, run
from cml_exchange.importer.missing import deactivate_unseen
from cml_exchange.models import ExchangeFile, ExchangeSession, ImportJob
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call, open_exchange
from cml_exchange.protocol.files import clean_directory_of, upload
from cml_exchange.protocol.replies import Reply
from cml_exchange.protocol.sessions import exclusive, finish, note_init
from cml_exchange.storage.uploads import path_in, safe_name

#: The highest CommerceML version the catalog import reads.
CATALOG_VERSION = (2, 10)


def checkauth(call: Call) -> tuple[Reply, ExchangeSession | None, AbstractBaseUser | None]:
    """Log in; on success open a session and give 1C its cookie, sessid and the server's time."""
    reply, session, user = open_exchange(call, replies.NO_RIGHTS_CATALOG)
    if session is None:
        return reply, session, user
    body = reply.body + replies.encode(f"timestamp={int(time.time())}\n")
    return dataclasses.replace(reply, body=body), session, user


def init(call: Call) -> Reply:
    """Clear what earlier exchanges left, and tell 1C whether to zip and how big a part may be.

    Bitrix's catalog answer has two lines and no final line break; the
    ``sessid``/``version`` lines follow only when 1C sent ``version``, since
    some 1C releases fail on a longer answer.
    """
    session = call.open()
    version = call.request.GET.get("version")
    note_init(session, version)
    clean_directory_of(call)
    body = f"zip={'yes' if call.settings.use_zip else 'no'}\nfile_limit={call.settings.file_limit}"
    if version:
        body += f"\nsessid={session.sessid}\nversion={negotiate(version, CATALOG_VERSION)}"
    return Reply(replies.encode(body), "zip", body.split("\n", 1)[0])


def negotiate(asked: str, highest: tuple[int, int]) -> str:
    """The version to answer: what 1C asked for, or the highest we read if it asked for more."""
    try:
        major, minor = (int(part) for part in asked.strip().split(".")[:2])
    except ValueError:
        return f"{highest[0]}.{highest[1]:02d}"
    if (major, minor) > highest or major < 2:
        return f"{highest[0]}.{highest[1]:02d}"
    return f"{major}.{minor:02d}"


def import_(call: Call) -> Reply:
    """One step of importing the named file (an archive uploaded before it is unpacked first)."""
    session = call.open()
    name = safe_name(call.request.GET.get("filename"))
    budget = float(call.settings.step_interval)
    with exclusive(session, seconds=3 * budget + 60) as free:
        if not free:
            return replies.progress("Импорт уже выполняется другим запросом, ожидайте.")
        job = _job(call, session, name)
        if job is None:
            return replies.failure(f"Файл {name} не загружен на сайт.")
        result = run(job, budget or None)
    if isinstance(result, Progress):
        return replies.progress(result.message)
    if isinstance(result, Failed):
        return replies.failure(result.message)
    ExchangeFile.objects.filter(kind=call.kind, name__in=job.files).update(imported=timezone.now())
    return replies.success(replies.IMPORT_DONE)


def _job(call: Call, session: ExchangeSession, name: str) -> ImportJob | None:
    """The job importing ``name`` in this exchange, made on the first ``import`` call."""
    existing = ImportJob.objects.filter(session=session, filename=name).order_by("-pk").first()
    if existing is not None and existing.status != ImportJob.Status.FAILED:
        return existing
    # Only this exchange's archive: one an unfinished exchange left would
    # otherwise be unpacked over what this one uploaded.
    archives = list(
        ExchangeFile.objects.filter(
            kind=call.kind, session=session, name__iendswith=".zip", imported__isnull=True
        ).values_list("name", flat=True)
    )
    if not archives and not path_in(call.directory, name).is_file():
        return None
    options = dataclasses.replace(call.settings.import_options(), import_archive_contents=False)
    job = create_job(
        [*sorted(archives), name],
        base_dir=call.directory,
        options=options,
        seen_since=session.initialized or session.created,
    )
    ImportJob.objects.filter(pk=job.pk).update(session=session, filename=name)
    job.session, job.filename = session, name
    return job


def deactivate(call: Call) -> Reply:
    """Deactivate what this exchange's full catalogs did not refresh since ``timestamp``."""
    session = call.open()
    try:
        moment = dt.datetime.fromtimestamp(int(call.request.GET.get("timestamp", "")), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return replies.failure(replies.DEACTIVATION_FAILED)
    if moment.timestamp() <= 0:
        return replies.failure(replies.DEACTIVATION_FAILED)
    deactivate_unseen(ImportJob.objects.filter(session=session), before=moment)
    return replies.success(replies.DEACTIVATED)


def complete(call: Call) -> Reply:
    finish(call.open(), "success")
    return replies.success(replies.COMPLETED)


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "init": init,
    "file": upload,
    "import": import_,
    "deactivate": deactivate,
    "complete": complete,
}
