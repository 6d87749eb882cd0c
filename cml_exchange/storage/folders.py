"""An exchange's uploads: its own folder on disk, and the :class:`ExchangeFile` rows naming them.

Each exchange (session) keeps what 1C uploads in its own folder of the
type's directory (``<UPLOAD_ROOT>/catalog/exchange-<id>/…``), so exchanges
running at once never mix their files. Upload rows are named relative to the
type's directory, folder included (``exchange-12/import.xml``).

This is the bookkeeping both exchange types share: which uploads are new,
which archives wait to be unpacked, which files are still to import, where
an upload of an earlier exchange is, and what ``init`` may clear away.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q, QuerySet
from django.utils import timezone

from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeFile, ExchangeSession, ImportJob, statements
from cml_exchange.models.exchange import FOLDER_PREFIX, SESSION_IDLE
from cml_exchange.storage.unzip import UnzipPosition, is_zip, unzip_step
from cml_exchange.storage.uploads import REPORTS, clean_directory, path_in

#: Where 1C puts the pictures of an unload (`import_files/`): never XML.
PICTURES_FOLDER = "import_files"

_FOLDER = re.compile(rf"^{re.escape(FOLDER_PREFIX)}(\d+)$")
#: 1C's own logs are kept this long, as in 1C-Bitrix.
REPORTS_DAYS = 5
#: How many other exchanges' folders an import looks in for a missing picture.
MAX_PICTURE_FOLDERS = 5


def is_report(name: str) -> bool:
    """1C's own exchange log (``Reports/Exchange_*.zip``): stored, never imported."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith(REPORTS) or (
        base.startswith("Exchange_") and base.lower().endswith(".zip")
    )


@dataclass(frozen=True)
class ExchangeFolder:
    """The uploads of ``session``, under ``kind_directory`` (``<UPLOAD_ROOT>/<type>``)."""

    kind_directory: Path
    session: ExchangeSession

    @property
    def kind(self) -> str:
        return self.session.kind

    @property
    def path(self) -> Path:
        """The exchange's own folder, where its uploads go."""
        return self.kind_directory / self.session.folder

    def stored_name(self, name: str) -> str:
        """The name an upload of this exchange is recorded under (folder included)."""
        return f"{self.session.folder}/{name}"

    def _files(self) -> QuerySet[ExchangeFile]:
        return ExchangeFile.objects.filter(kind=self.kind)

    def _own_unimported(self, suffix: str) -> QuerySet[ExchangeFile]:
        return self._files().filter(
            session=self.session,
            name__startswith=f"{self.session.folder}/",
            name__iendswith=suffix,
            imported__isnull=True,
        )

    # Uploads

    def upload_starts_anew(self, name: str) -> tuple[bool, ExchangeFile | None]:
        """Whether a part of ``name`` starts it afresh (new, or imported since); its row.

        Read on every part of an upload: with the session where the request's
        cookie found it (``by_token(upload=…)``), else by a statement built once
        (:mod:`~cml_exchange.models.statements`); (type, name) is unique.
        """
        stored = self.stored_name(name)
        record = self.session.upload_row(self.kind, stored)
        if record is False:
            found = statements.rows(ExchangeFile, {"kind": self.kind, "name": stored})
            record = found[0] if found else None
        return record is None or record.imported is not None, record

    def record_part(
        self, name: str, record: ExchangeFile | None, *, restart: bool, size: int
    ) -> None:
        """Record a part of ``name`` stored; ``size`` is the file's size on disk now."""
        if record is None or restart:
            ExchangeFile.objects.update_or_create(
                kind=self.kind,
                name=self.stored_name(name),
                defaults={
                    "session": self.session,
                    "size": size,
                    "parts": 1,
                    "imported": None,
                    "position": 0,
                },
            )
        else:
            statements.update(
                ExchangeFile, record.pk, size=size, parts=statements.Add(1), updated=timezone.now()
            )

    # Catalog imports

    def pending_archives(self) -> list[str]:
        """The exchange's archives not yet unpacked.

        1C's own log archives never count, nor does a ``.zip`` among the pictures
        (``import_files/…``): without zip, 1C sends a product's attached files
        there, and such a file is the product's, not an archive of the exchange.
        """
        prefix = f"{self.session.folder}/"
        names = self._own_unimported(".zip").values_list("name", flat=True)
        relative = (name[len(prefix) :] for name in names)
        return sorted(
            name
            for name in relative
            if not is_report(name) and not name.startswith(f"{PICTURES_FOLDER}/")
        )

    def waiting(self, imported: set[Path]) -> list[Path]:
        """The exchange's XML files (uploaded, or unpacked) not in ``imported`` (resolved paths)."""
        folder = self.path
        if not folder.is_dir():
            return []
        found = []
        for directory, subdirectories, files in os.walk(folder):
            # 1C's pictures folder holds thousands of files and no XML: not walked.
            subdirectories[:] = sorted(d for d in subdirectories if d != PICTURES_FOLDER)
            for name in files:
                path = Path(directory, name)
                if (
                    name.endswith(".xml")
                    and path.is_file()
                    and not is_report(path.relative_to(folder).as_posix())
                    and path.resolve() not in imported
                ):
                    found.append(path)
        return sorted(found)

    def unchanged_since(self, base: Path, name: str, moment: dt.datetime | None) -> bool:
        """Whether ``name`` in ``base`` is as it was at ``moment``: not uploaded again, not changed.

        A file cleaned away since counts as unchanged: there is nothing new to import.
        """
        folder = base.relative_to(self.kind_directory).as_posix()
        record = self._files().filter(name=f"{folder}/{name}").first()
        if record is not None and record.imported is None:
            return False
        try:
            modified = path_in(base, name).stat().st_mtime
        except OSError:
            return True
        return moment is not None and modified <= moment.timestamp()

    def uploaded_elsewhere(self, name: str) -> Path | None:
        """The folder of the same user's recent exchange that uploaded ``name``, never imported.

        1C may run ``checkauth`` and ``init`` before every file; a file it then
        asks to import in a later exchange is taken from the one that uploaded it.
        """
        record = (
            self._files()
            .filter(
                name__endswith=f"/{name}",
                imported__isnull=True,
                updated__gte=_fresh(),
                session__user=self.session.user,
            )
            .exclude(session=self.session)
            .order_by("-updated")
            .first()
        )
        if record is None:
            return None
        folder = self.kind_directory / record.name[: -len(name) - 1]
        return folder if path_in(folder, name).is_file() else None

    def other_folders(self, directory: Path) -> list[Path]:
        """Folders of the user's recent exchanges but ``directory``, newest first (for pictures)."""
        others = (
            ExchangeSession.objects.filter(
                kind=self.kind, user=self.session.user, last_seen__gte=_fresh(), files__gt=0
            )
            .order_by("-last_seen")
            .values_list("pk", flat=True)[:MAX_PICTURE_FOLDERS]
        )
        folders = [self.kind_directory / f"{FOLDER_PREFIX}{pk}" for pk in others]
        return [folder for folder in folders if folder != directory and folder.is_dir()]

    # Orders files

    def files_to_apply(self, name: str) -> list[ExchangeFile] | None:
        """The orders files still to apply for ``name`` (``None``: no such file, or it is empty).

        1C may upload an archive and then ask to import the file inside it, or
        ask to import the archive itself; either way the archives this exchange
        uploaded are unpacked first (orders archives are small: in one go), and
        the XML files inside are recorded like uploads.
        """
        self._unpack_archives()
        path = path_in(self.path, name)
        if not path.is_file() or path.stat().st_size == 0:
            return None
        if is_zip(path):
            return list(self._own_unimported(".xml").order_by("pk"))
        record, _created = self._files().get_or_create(
            name=self.stored_name(name),
            defaults={"session": self.session, "size": path.stat().st_size},
        )
        return [record] if record.imported is None else []

    def _unpack_archives(self) -> None:
        for archive in self._own_unimported(".zip").order_by("pk"):
            path = path_in(self.kind_directory, archive.name)
            if is_report(archive.name.split("/", 1)[1]) or not is_zip(path):
                continue
            for name in _unzip(path, self.path):
                if name.lower().endswith(".xml"):
                    ExchangeFile.objects.update_or_create(
                        kind=self.kind,
                        name=self.stored_name(name),
                        defaults={
                            "session": self.session,
                            "size": path_in(self.path, name).stat().st_size,
                            "parts": 0,
                            "imported": None,
                            "position": 0,
                        },
                    )
            archive.mark_imported()

    # Cleaning up at init

    def clear_for_init(self) -> list[int]:
        """``init``: clear what earlier exchanges left, never what an exchange still needs.

        * This exchange's folder loses what it already imported (a second
          ``init`` of one exchange starts over), unless one of its imports runs.
        * Another exchange's folder is left alone while that exchange is open
          (a request in the last hours, no ``complete``) or one of its imports
          runs; after that it goes, except files uploaded and never imported
          (1C may ``checkauth``/``init`` before every file and import in a later
          session) for ``KEEP_UNIMPORTED_HOURS``.
        * 1C's own ``Reports/`` logs stay five days, as in 1C-Bitrix.

        Returns the other exchanges whose folders were cleared: they are over.
        """
        now = timezone.now()
        root = self.kind_directory
        if not root.is_dir():
            return []
        folders = {
            int(match.group(1)): entry.name
            for entry in root.iterdir()
            if entry.is_dir() and (match := _FOLDER.match(entry.name))
        }
        busy = _busy_sessions(set(folders), now)
        over: list[int] = []
        for pk, folder in folders.items():
            if pk in busy:
                continue
            self._clean(folder, now)
            if pk != self.session.pk:
                over.append(pk)
                # Fails while the folder still holds something; another init may have removed it.
                with contextlib.suppress(OSError):
                    (root / folder).rmdir()
        self._clean("", now)
        return over

    def _clean(self, folder: str, now: dt.datetime) -> None:
        """Delete what ``folder`` holds (``""``: what is outside every exchange's folder), and rows.

        Kept: uploads never imported, for ``KEEP_UNIMPORTED_HOURS``, and recent reports.
        """
        prefix = f"{folder}/" if folder else ""
        files = self._files()
        if prefix:
            files = files.filter(name__startswith=prefix)
        else:
            files = files.exclude(name__startswith=FOLDER_PREFIX)
        unimported = files.filter(imported__isnull=True, updated__gte=_fresh(now))
        keep = {name[len(prefix) :] for name in unimported.values_list("name", flat=True)}
        removed = clean_directory(
            self.kind_directory / folder if folder else self.kind_directory,
            keep=keep,
            reports_kept_since=now - dt.timedelta(days=REPORTS_DAYS),
            skip=None if folder else _FOLDER,
        )
        kept = [prefix + name for name in keep]
        gone = [prefix + name for name in removed]
        files.filter(Q(name__any=gone) | Q(imported__isnull=False)).exclude(name__any=kept).delete()


def _fresh(now: dt.datetime | None = None) -> dt.datetime:
    """Uploads and exchanges since this moment are recent enough to keep or look into."""
    return (now or timezone.now()) - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)


def _busy_sessions(pks: set[int], now: dt.datetime) -> set[int]:
    """Of ``pks``, the exchanges whose files must stay: open ones, and those importing."""
    if not pks:
        return set()
    importing = set(
        ImportJob.objects.filter(
            session__in=pks,
            status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
            created__gte=_fresh(now),
        ).values_list("session", flat=True)
    )
    open_ = set(
        ExchangeSession.objects.filter(
            pk__in=pks, finished__isnull=True, last_seen__gte=now - SESSION_IDLE
        ).values_list("pk", flat=True)
    )
    return importing | open_


def _unzip(archive: Path, directory: Path) -> list[str]:
    """Unpack ``archive`` into ``directory`` whole; the names extracted."""
    position = UnzipPosition()
    extracted: list[str] = []
    while True:
        step = unzip_step(archive, directory, position, deadline=time.monotonic() + 60)
        extracted += step.extracted
        if step.done:
            return extracted
        position = step.position
