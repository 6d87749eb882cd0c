"""The catalog exchange's imports: which job imports an upload, and when missing items are due.

The endpoint's catalog handlers call these for one exchange (session) and
its folder of uploads; what happens to orders files is
:mod:`cml_exchange.orders.exchange`'s business.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable
from pathlib import Path

from cml_exchange.importer.jobs import create_job
from cml_exchange.importer.missing import deactivate_unseen as _deactivate_unseen
from cml_exchange.importer.missing import settle
from cml_exchange.importer.options import ImportOptions
from cml_exchange.models import ExchangeSession, ExchangeSettings, ImportJob
from cml_exchange.storage.folders import ExchangeFolder
from cml_exchange.storage.unzip import is_zip
from cml_exchange.storage.uploads import path_in


def waiting(folder: ExchangeFolder) -> list[Path]:
    """The exchange's XML files (uploaded, or unpacked from its archives) not imported yet."""
    imported = {
        (Path(base) / name).resolve()
        for base, files in ImportJob.objects.filter(
            session=folder.session, status=ImportJob.Status.DONE
        ).values_list("base_dir", "files")
        for name in files or []
    }
    return folder.waiting(imported)


def archive_asked_for(folder: ExchangeFolder, name: str) -> str | None:
    """Why ``name`` cannot be imported as asked, when it is a zip archive this exchange uploaded.

    1C asks to import the files its archive holds (``import.xml``…), never the
    archive: a script asking for the archive itself was answered ``success``
    with nothing imported. ``None`` when ``name`` is no uploaded archive.
    """
    if not name.lower().endswith(".zip"):
        return None  # an archive named otherwise is unpacked, then imported as before
    path = path_in(folder.path, name)
    if not path.is_file() or not is_zip(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                member.rsplit("/", 1)[-1]
                for member in archive.namelist()
                if member.lower().endswith(".xml")
            ]
    except (zipfile.BadZipFile, OSError):
        members = []
    held = f": {', '.join(members)}" if members else ""
    return (
        f"Файл {name} — архив. Импортируются файлы из него{held}; запросите импорт "
        "каждого из них (mode=import&filename=…), как это делает 1С."
    )


def job_for(folder: ExchangeFolder, settings: ExchangeSettings, name: str) -> ImportJob | None:
    """The job importing ``name`` in ``folder``'s exchange (``None``: no such file uploaded).

    A job is the import of one upload: asking again for a file imported in
    this exchange answers from that job, but once the file (or an archive)
    was uploaded again, or the file changed on disk, the next ``import``
    imports it anew, as 1-C-Bitrix starts over after ``success``.
    """
    session = folder.session
    archives = folder.pending_archives()
    existing = ImportJob.objects.filter(session=session, filename=name).order_by("-pk").first()
    if existing is not None and existing.status in (
        ImportJob.Status.PENDING,
        ImportJob.Status.RUNNING,
    ):
        return existing
    directory = folder.path
    if (
        existing is not None
        and existing.status == ImportJob.Status.DONE
        and not archives
        and folder.unchanged_since(Path(existing.base_dir), name, existing.finished)
        and not _uploaded_here_since(existing, directory, name)
    ):
        return existing
    if not archives and not path_in(directory, name).is_file():
        elsewhere = folder.uploaded_elsewhere(name)
        if elsewhere is None:
            return None
        directory = elsewhere
    options = ImportOptions.from_settings(settings, import_archive_contents=False)
    return create_job(
        [*archives, name],
        base_dir=directory,
        options=options,
        seen_since=session.initialized or session.created,
        picture_dirs=folder.other_folders(directory),
        defer_missing=True,
        session=session,
        filename=name,
    )


def _uploaded_here_since(job: ImportJob, directory: Path, name: str) -> bool:
    """``job`` imported ``name`` from an earlier exchange's folder, and 1C has since sent it here.

    Had the file been in this exchange's own folder when ``job`` was made, the
    job would have read it from there.
    """
    return Path(job.base_dir) != directory and path_in(directory, name).is_file()


def file_done(folder: ExchangeFolder) -> None:
    """A file of the exchange is imported: its full catalogs are settled unless a file waits.

    A catalog that a file uploaded and not yet imported also holds in full
    is left for that file (the last one settles it).
    """
    settle(ImportJob.objects.filter(session=folder.session), waiting=waiting(folder))


def end_exchanges(sessions: Iterable[int]) -> None:
    """These exchanges are over (``complete``, or abandoned): their full catalogs end now."""
    for session in sessions:
        settle(ImportJob.objects.filter(session=session))


def deactivate_unseen(session: ExchangeSession, *, before: dt.datetime) -> None:
    """``deactivate``: what the exchange's full catalogs did not refresh since ``before`` goes."""
    jobs = ImportJob.objects.filter(session=session)
    settle(jobs)
    _deactivate_unseen(jobs, before=before)
