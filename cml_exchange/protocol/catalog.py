"""``type=catalog``: checkauth, init, file, import, deactivate, complete, as Bitrix answers them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from cml_exchange.conf import app_settings
from cml_exchange.importer import Failed, ImportOptions, Progress, create_job, run
from cml_exchange.importer.missing import deactivate_unseen, settle
from cml_exchange.models import ExchangeFile, ExchangeSession, ImportJob
from cml_exchange.models.exchange import FOLDER_PREFIX
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call, open_exchange
from cml_exchange.protocol.files import clean_directory_of, is_report, upload
from cml_exchange.protocol.replies import Reply
from cml_exchange.storage.uploads import path_in, safe_name

#: How many other exchanges' folders an import looks in for a missing picture.
MAX_PICTURE_FOLDERS = 5
REPORT_NOT_IMPORTED = "Файл журнала 1С сохранен, импорт не требуется."


def checkauth(call: Call) -> tuple[Reply, ExchangeSession | None, AbstractBaseUser | None]:
    """Log in; on success open a session and give 1C its cookie, sessid and the server's time."""
    reply, session, user = open_exchange(call, replies.NO_RIGHTS_CATALOG)
    if session is None:
        return reply, session, user
    body = reply.body + replies.encode(f"timestamp={int(time.time())}\n")
    return dataclasses.replace(reply, body=body), session, user


def init(call: Call) -> Reply:
    """Clear what earlier exchanges left, and tell 1C whether to zip and how big a part may be.

    Bitrix's catalog answer is these two lines and no final line break,
    whether or not 1C sent ``version`` (some 1C releases fail on a longer
    answer; the sale exchange is the one that adds ``sessid``/``version``).
    """
    session = call.open()
    session.note_init(call.request.GET.get("version"))
    clean_directory_of(call)
    body = f"zip={'yes' if call.settings.use_zip else 'no'}\nfile_limit={call.settings.file_limit}"
    return Reply(replies.encode(body), "zip", body.split("\n", 1)[0])


def import_(call: Call) -> Reply:
    """One step of importing the named file (an archive uploaded before it is unpacked first)."""
    session = call.open()
    name = safe_name(call.request.GET.get("filename"))
    if is_report(name):
        return replies.success(REPORT_NOT_IMPORTED)
    budget = float(call.settings.step_interval)
    # Two requests of one exchange never run the importer at once: 1C asks again.
    with session.lease(seconds=3 * budget + 60) as holder:
        if holder is None:
            return replies.progress("Импорт уже выполняется другим запросом, ожидайте.")
        job = _job(call, session, name)
        if job is None:
            return replies.failure(f"Файл {name} не загружен на сайт.")
        result = run(job, budget or None)
    if isinstance(result, Progress):
        return replies.progress(result.message)
    if isinstance(result, Failed):
        return replies.failure(result.message)
    settle(ImportJob.objects.filter(session=session), waiting=_waiting(call, session))
    # Never a silent success: what the reconciliation found goes on the reply's second line.
    return replies.success(result.message if result.differences else replies.IMPORT_DONE)


def _waiting(call: Call, session: ExchangeSession) -> list[Path]:
    """The exchange's XML files (uploaded, or unpacked from its archives) not imported yet."""
    folder = call.directory
    imported = {
        (Path(base) / name).resolve()
        for base, files in ImportJob.objects.filter(
            session=session, status=ImportJob.Status.DONE
        ).values_list("base_dir", "files")
        for name in files or []
    }
    if not folder.is_dir():
        return []
    return [
        path
        for path in sorted(folder.rglob("*.xml"))
        if path.is_file()
        and not is_report(path.relative_to(folder).as_posix())
        and path.resolve() not in imported
    ]


def _job(call: Call, session: ExchangeSession, name: str) -> ImportJob | None:
    """The job importing ``name`` in this exchange.

    A job is the import of one upload: asking again for a file imported in
    this exchange answers from that job, but once the file (or an archive)
    was uploaded again, or the file changed on disk, the next ``import``
    imports it anew, as 1-C-Bitrix starts over after ``success``.
    """
    archives = _pending_archives(call, session)
    existing = ImportJob.objects.filter(session=session, filename=name).order_by("-pk").first()
    if existing is not None and existing.status in (
        ImportJob.Status.PENDING,
        ImportJob.Status.RUNNING,
    ):
        return existing
    directory = call.directory
    if (
        existing is not None
        and existing.status == ImportJob.Status.DONE
        and not archives
        and _unchanged_since(call, Path(existing.base_dir), name, existing)
    ):
        return existing
    if not archives and not path_in(directory, name).is_file():
        elsewhere = _uploaded_elsewhere(call, session, name)
        if elsewhere is None:
            return None
        directory = elsewhere
    options = ImportOptions.from_settings(call.settings, import_archive_contents=False)
    job = create_job(
        [*archives, name],
        base_dir=directory,
        options=options,
        seen_since=session.initialized or session.created,
        picture_dirs=_other_folders(call, session, directory),
        defer_missing=True,
        session=session,
        filename=name,
    )
    return job


def _pending_archives(call: Call, session: ExchangeSession) -> list[str]:
    """The exchange's archives not yet unpacked (1C's own log archives never count)."""
    prefix = f"{session.folder}/"
    names = ExchangeFile.objects.filter(
        kind=call.kind,
        session=session,
        name__startswith=prefix,
        name__iendswith=".zip",
        imported__isnull=True,
    ).values_list("name", flat=True)
    return sorted(name[len(prefix) :] for name in names if not is_report(name[len(prefix) :]))


def _unchanged_since(call: Call, base: Path, name: str, job: ImportJob) -> bool:
    """Whether ``name`` is still what ``job`` imported: not uploaded again, not changed on disk."""
    record = ExchangeFile.objects.filter(
        kind=call.kind, name=f"{_folder_of(call, base)}/{name}"
    ).first()
    if record is not None and record.imported is None:
        return False
    try:
        modified = path_in(base, name).stat().st_mtime
    except OSError:
        return True  # cleaned away since: nothing new to import
    return job.finished is not None and modified <= job.finished.timestamp()


def _uploaded_elsewhere(call: Call, session: ExchangeSession, name: str) -> Path | None:
    """The folder of the same user's recent exchange that uploaded ``name`` and never imported it.

    1C may run ``checkauth`` and ``init`` before every file; a file it then
    asks to import in a later exchange is taken from the one that uploaded it.
    """
    fresh = timezone.now() - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)
    record = (
        ExchangeFile.objects.filter(
            kind=call.kind,
            name__endswith=f"/{name}",
            imported__isnull=True,
            updated__gte=fresh,
            session__user=session.user,
        )
        .exclude(session=session)
        .order_by("-updated")
        .first()
    )
    if record is None:
        return None
    folder = call.kind_directory / record.name[: -len(name) - 1]
    return folder if path_in(folder, name).is_file() else None


def _other_folders(call: Call, session: ExchangeSession, directory: Path) -> list[Path]:
    """Folders of the same user's recent exchanges, newest first, for pictures uploaded there."""
    fresh = timezone.now() - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)
    others = (
        ExchangeSession.objects.filter(
            kind=call.kind, user=session.user, last_seen__gte=fresh, files__gt=0
        )
        .order_by("-last_seen")
        .values_list("pk", flat=True)[:MAX_PICTURE_FOLDERS]
    )
    folders = [call.kind_directory / f"{FOLDER_PREFIX}{pk}" for pk in others]
    return [folder for folder in folders if folder != directory and folder.is_dir()]


def _folder_of(call: Call, base: Path) -> str:
    return base.relative_to(call.kind_directory).as_posix()


def deactivate(call: Call) -> Reply:
    """Deactivate what this exchange's full catalogs did not refresh since ``timestamp``."""
    session = call.open()
    try:
        moment = dt.datetime.fromtimestamp(int(call.request.GET.get("timestamp", "")), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return replies.failure(replies.DEACTIVATION_FAILED)
    if moment.timestamp() <= 0:
        return replies.failure(replies.DEACTIVATION_FAILED)
    jobs = ImportJob.objects.filter(session=session)
    settle(jobs)
    deactivate_unseen(jobs, before=moment)
    return replies.success(replies.DEACTIVATED)


def complete(call: Call) -> Reply:
    """The exchange is over: what its full catalogs did not mention is handled now at the latest."""
    session = call.open()
    settle(ImportJob.objects.filter(session=session))
    session.finish(replies.SUCCESS)
    return replies.success(replies.COMPLETED)


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "init": init,
    "file": upload,
    "import": import_,
    "deactivate": deactivate,
    "complete": complete,
}
