"""``type=catalog``: checkauth, init, file, import, deactivate, complete, as Bitrix answers them."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser

from cml_exchange import moments
from cml_exchange.conf import app_settings
from cml_exchange.importer import Failed, Progress, exchange, run
from cml_exchange.models import ExchangeSession, ExchangeSettings
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call, open_exchange
from cml_exchange.protocol.files import upload
from cml_exchange.protocol.query import query_value
from cml_exchange.protocol.replies import Reply
from cml_exchange.storage.folders import is_report
from cml_exchange.storage.uploads import safe_name

REPORT_NOT_IMPORTED = "Файл журнала 1С сохранен, импорт не требуется."


def checkauth(call: Call) -> tuple[Reply, ExchangeSession | None, AbstractBaseUser | None]:
    """Log in; on success open a session and give 1C its cookie, sessid and the server's time."""
    reply, session, user = open_exchange(call)
    if session is None:
        return reply, session, user
    body = reply.body + replies.encode(f"timestamp={int(time.time())}\n")
    return dataclasses.replace(reply, body=body), session, user


def init(call: Call) -> Reply:
    """Clear what earlier exchanges left, and tell 1C whether to zip and how big a part may be.

    Bitrix's catalog answer is these two lines and no final line break,
    whether or not 1C sent ``version`` (some 1C releases fail on a longer
    answer; the sale exchange is the one that adds ``sessid``/``version``).
    With the schema version 3.1 chosen in the settings and a ``version``
    from 1C, ``sessid=…`` and ``version=3.1`` follow, as sites answer the
    1C-Bitrix extension that writes CommerceML 3.1.
    """
    session = call.open()
    version = call.request.GET.get("version")
    session.note_init(version)
    exchange.end_exchanges(call.folder.clear_for_init())
    body = f"zip={'yes' if call.settings.use_zip else 'no'}\nfile_limit={call.settings.file_limit}"
    if version and call.settings.schema_version == ExchangeSettings.SchemaVersion.V3_1:
        body += f"\nsessid={session.sessid}\nversion={ExchangeSettings.SchemaVersion.V3_1}"
    return Reply(replies.encode(body), "zip", body.split("\n", 1)[0])


def import_(call: Call) -> Reply:
    """One step of importing the named file (an archive uploaded before it is unpacked first)."""
    session = call.open()
    name = safe_name(query_value(call.request, "filename"))
    if is_report(name):
        return replies.success(REPORT_NOT_IMPORTED)
    refused = exchange.archive_asked_for(call.folder, name)
    if refused is not None:
        return replies.failure(refused)
    budget = float(call.settings.step_interval)
    # Two requests of one exchange never run the importer at once: 1C asks again.
    with session.lease(seconds=3 * budget + 60) as holder:
        if holder is None:
            return replies.progress("Импорт уже выполняется другим запросом, ожидайте.")
        job = exchange.job_for(call.folder, call.settings, name)
        if job is None:
            return replies.failure(f"Файл {name} не загружен на сайт.")
        if app_settings.IMPORT_TASKS:
            # Imported here: the Tasks API (django-tasks on Django 5.2) is optional.
            from cml_exchange.importer import background

            result = background.poll(job, budget or None)
        else:
            result = run(job, budget or None)
    if isinstance(result, Progress):
        return replies.progress(result.message)
    if isinstance(result, Failed):
        return replies.failure(result.message)
    exchange.file_done(call.folder)
    # Never a silent success: what the reconciliation found goes on the reply's second line.
    said = result.differences or result.notes
    call.remarks = bool(said) or result.warned
    return replies.success(result.message if said or result.warned else replies.IMPORT_DONE)


def deactivate(call: Call) -> Reply:
    """Deactivate what this exchange's full catalogs did not refresh since ``timestamp``."""
    session = call.open()
    try:
        seconds = int(call.request.GET.get("timestamp", ""))
        moment = moments.from_timestamp(seconds)
    except (ValueError, OverflowError, OSError):
        return replies.failure(replies.DEACTIVATION_FAILED)
    if seconds <= 0:
        return replies.failure(replies.DEACTIVATION_FAILED)
    # Never after the exchange's own start: kept as naive local time (USE_TZ off), 1C's
    # checkauth before the clocks go back would fall after the marks this exchange made.
    started = session.initialized or session.created
    exchange.deactivate_unseen(session, before=min(moment, started))
    return replies.success(replies.DEACTIVATED)


def complete(call: Call) -> Reply:
    """The exchange is over: what its full catalogs did not mention is handled now at the latest."""
    session = call.open()
    exchange.end_exchanges([session.pk])
    session.finish(replies.SUCCESS)
    return replies.success(replies.COMPLETED)


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "init": init,
    "file": upload,
    "import": import_,
    "deactivate": deactivate,
    "complete": complete,
}
