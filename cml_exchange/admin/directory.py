"""What is in the exchange directories, and which of it a clean-up may delete.

The stored-files page lists the files actually on disk under
``CML_EXCHANGE_UPLOAD_ROOT/catalog`` and ``…/sale``, joined with the
:class:`~cml_exchange.models.ExchangeFile` rows of the uploads (a row whose
file is gone is listed too). Each file says why a clean-up keeps it, or
nothing when it may go:

* 1C's ``Reports/`` of the last five days, as ``init`` keeps them;
* the files of import jobs still running in the directory;
* while an exchange of that type is open (:mod:`.monitor`) or an import job
  still runs there: uploads not yet imported, of that exchange or, since 1C
  may upload in one exchange and import in the next, of any exchange not
  ended by ``complete`` in the last ``CML_EXCHANGE_KEEP_UNIMPORTED_HOURS``;
  and whatever was written since the exchange or job began (files unpacked
  from its archive, say).

Everything else was imported, or belongs to an exchange that ended. Nothing
here knows HTTP. Names that come from a request only pick files out of the
listing (:func:`find`); :func:`delete` deletes a listed file by the name it
was listed under, and only inside its exchange directory, never through a
symbolic link.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cml_exchange import moments
from cml_exchange.admin import monitor
from cml_exchange.conf import app_settings
from cml_exchange.importer import labels
from cml_exchange.models import ExchangeFile, ExchangeKind, ExchangeSession, ImportJob
from cml_exchange.storage.folders import REPORTS_DAYS
from cml_exchange.storage.uploads import REPORTS, safe_name

KEPT_REPORT = _("1C's report of the last five days")
KEPT_JOB = _("an import still running reads it")
KEPT_UPLOAD = _("uploaded and not yet imported, and an exchange is still open")
KEPT_NEW = _("written since an exchange or import still running began")

#: Upload rows deleted per query.
BATCH = 500

#: Exchange types, each with its directory under the upload root.
KINDS = tuple(kind.value for kind in ExchangeKind)


def directory_of(kind: str) -> Path:
    """``UPLOAD_ROOT/<kind>``; ``kind`` must be an exchange type."""
    if kind not in KINDS:
        raise ValueError(f"unknown exchange type {kind!r}")
    return app_settings.UPLOAD_ROOT / kind


@dataclass
class StoredFile:
    """A file in an exchange directory, or an upload row whose file is gone."""

    kind: str
    name: str
    size: int | None = None
    modified: dt.datetime | None = None
    record: ExchangeFile | None = None
    #: Why a clean-up keeps it; empty when the clean-up deletes it.
    kept: str | Promise = ""

    @property
    def key(self) -> str:
        """``<kind>/<name>``: how the page's forms name the file."""
        return f"{self.kind}/{self.name}"

    @property
    def on_disk(self) -> bool:
        return self.size is not None

    @property
    def kind_label(self) -> str:
        """The exchange type, translated: ``каталог`` or ``заказы``."""
        return str(ExchangeKind(self.kind).label)

    @property
    def holds(self) -> str:
        """What the file holds, translated (``торговые предложения``); empty when unknown."""
        return labels.file_kind(self.name)

    @property
    def importable(self) -> bool:
        """Whether "import again" applies: a catalog XML or archive, or an orders file 1C sent."""
        if not self.on_disk or self.name.startswith(REPORTS):
            return False
        suffix = Path(self.name).suffix.lower()
        if self.kind == ExchangeKind.CATALOG:
            return suffix in (".xml", ".zip")
        # Only what 1C uploaded: the sale directory also holds the query answers we wrote.
        return suffix == ".xml" and self.record is not None


@dataclass
class Activity:
    """What keeps files of one directory: open exchanges and running import jobs."""

    now: dt.datetime
    #: The start of the earliest open exchange or running job; ``None`` when nothing runs.
    busy_since: dt.datetime | None = None
    open_sessions: set[int] = field(default_factory=set)
    job_files: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, kind: str, now: dt.datetime | None = None) -> Activity:
        now = now or timezone.now()
        activity = cls(now=now)
        starts = []
        for pk, created in monitor.open_sessions(kind).values_list("pk", "created"):
            activity.open_sessions.add(pk)
            starts.append(created)
        fresh = now - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)
        directory = directory_of(kind)
        jobs = ImportJob.objects.filter(
            base_dir__startswith=str(directory),
            status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
            created__gte=fresh,
        )
        for created, base_dir, files in jobs.values_list("created", "base_dir", "files"):
            try:
                folder = Path(base_dir).relative_to(directory).as_posix()
            except ValueError:  # another directory that merely starts alike
                continue
            starts.append(created)
            prefix = "" if folder == "." else f"{folder}/"
            activity.job_files.update(f"{prefix}{name}" for name in files or [])
        activity.busy_since = min(starts, default=None)
        return activity

    def reason_to_keep(
        self, name: str, modified: dt.datetime | None, record: ExchangeFile | None
    ) -> str | Promise:
        if name.startswith(REPORTS):
            recent = modified is not None and modified >= self.now - dt.timedelta(days=REPORTS_DAYS)
            return KEPT_REPORT if recent else ""
        if name in self.job_files:
            return KEPT_JOB
        if record is not None and record.imported is None:
            if record.session_id in self.open_sessions:
                return KEPT_UPLOAD
            fresh = self.now - dt.timedelta(hours=app_settings.KEEP_UNIMPORTED_HOURS)
            ended = record.session is not None and record.session.finished is not None
            if self.busy_since is not None and record.updated >= fresh and not ended:
                return KEPT_UPLOAD
        if self.busy_since is not None and modified is not None and modified >= self.busy_since:
            return KEPT_NEW
        return ""


def listing(kinds: Iterable[str] = KINDS) -> list[StoredFile]:
    """The files of the exchange directories with their upload rows, by type and name."""
    files = survey(kinds)
    judge(files)
    return files


def survey(kinds: Iterable[str] = KINDS) -> list[StoredFile]:
    """What :func:`listing` lists, by type and name, without upload rows nor reasons yet.

    One walk of each directory and the names of its rows: cheap enough for a
    page to sort, filter and count tens of thousands of files, then
    :func:`judge` only the page it shows.
    """
    found: list[StoredFile] = []
    for kind in kinds:
        files = [
            StoredFile(kind, name, size, modified)
            for name, size, modified in _walk(directory_of(kind))
        ]
        on_disk = {file.name for file in files}
        rows = ExchangeFile.objects.filter(kind=kind).values_list("name", flat=True)
        files.extend(StoredFile(kind, name) for name in rows if name not in on_disk)
        found.extend(sorted(files, key=lambda file: file.name))
    return found


def judge(files: Iterable[StoredFile]) -> None:
    """Give each file (from :func:`survey`) its upload row and why a clean-up keeps it."""
    by_kind: dict[str, list[StoredFile]] = defaultdict(list)
    for file in files:
        by_kind[file.kind].append(file)
    for kind, group in by_kind.items():
        activity = Activity.of(kind)
        records = _records(kind, None if len(group) > BATCH else [file.name for file in group])
        for file in group:
            file.record = records.get(file.name)
            file.kept = activity.reason_to_keep(file.name, file.modified, file.record)


def _records(kind: str, names: list[str] | None = None) -> dict[str, ExchangeFile]:
    """The upload rows of a type by name (all of them, or those named), each with its exchange.

    The exchanges are read once each and shared by their rows (``select_related``
    would build one per row, which for 10,000 rows costs more than the rest).
    """
    rows = ExchangeFile.objects.filter(kind=kind)
    found = list(rows) if names is None else list(rows.filter(name__in=names))
    sessions = ExchangeSession.objects.in_bulk({row.session_id for row in found} - {None})
    cache = ExchangeFile.session.field
    for row in found:
        cache.set_cached_value(row, sessions.get(row.session_id))
    return {row.name: row for row in found}


def _walk(directory: Path) -> Iterator[tuple[str, int, dt.datetime]]:
    """Relative names, sizes and times of the regular files under ``directory``.

    Symbolic links are neither followed nor listed: nothing outside the
    exchange directory is shown or touched.
    """
    folders = [("", os.fspath(directory))]
    while folders:
        prefix, folder = folders.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError:  # not there (yet), or deleted while we looked
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append((f"{prefix}{entry.name}/", entry.path))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
            except OSError:  # deleted while we looked
                continue
            modified = moments.from_timestamp(stat.st_mtime)
            yield f"{prefix}{entry.name}", stat.st_size, modified


def find(keys: Iterable[str]) -> list[StoredFile]:
    """The listed files named by ``<kind>/<name>`` keys (unknown keys are left out)."""
    wanted = set(keys)
    kinds = {key.partition("/")[0] for key in wanted} & set(KINDS)
    files = [file for file in survey(sorted(kinds)) if file.key in wanted]
    judge(files)
    return files


def split_key(key: str) -> tuple[str, str]:
    """``(kind, name)`` of a ``<kind>/<name>`` key, the name made safe (or ``UnsafeName``)."""
    kind, _slash, name = key.partition("/")
    if kind not in KINDS:
        raise ValueError(f"unknown exchange type {kind!r}")
    return kind, safe_name(name)


def delete(files: Iterable[StoredFile]) -> list[StoredFile]:
    """Delete the files and their upload rows; return what was deleted.

    A file is deleted by the very name it is listed under, and only when that
    name leads, without a symbolic link on the way, to a file inside its
    exchange directory; otherwise only its row goes (the page shows such a
    row as "not on disk"). A file that cannot be deleted (permissions) is left
    out, row and all. Rows go in batches; directories left empty are removed
    (the exchange directories themselves stay).
    """
    deleted = []
    paths = {kind: _Paths(directory_of(kind)) for kind in KINDS}
    rows: dict[str, list[str]] = defaultdict(list)
    emptied: dict[str, set[str]] = defaultdict(set)
    for file in files:
        if file.kind not in KINDS:
            continue
        path = paths[file.kind].of(file.name)
        if path is not None:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError:  # not ours to delete, or a directory by now
                continue
            emptied[file.kind].add(os.path.dirname(path))
        rows[file.kind].append(file.name)
        deleted.append(file)
    for kind, names in rows.items():
        for start in range(0, len(names), BATCH):
            ExchangeFile.objects.filter(kind=kind, name__in=names[start : start + BATCH]).delete()
    for kind, folders in emptied.items():
        for folder in sorted(folders, key=len, reverse=True):  # the deepest first
            _prune(directory_of(kind), Path(folder))
    return deleted


class _Paths:
    """The paths of names in one exchange directory, for :func:`delete`.

    A name must be a plain relative path (as :func:`_walk` and uploads make
    them: nothing is stripped or normalised away), and no folder on its way
    may be a symbolic link, nor the file itself. Folders are checked once each.
    """

    def __init__(self, directory: Path) -> None:
        self.root = os.path.normpath(directory)
        self.real = os.path.realpath(self.root)
        self.folders: dict[str, bool] = {}

    def of(self, name: str) -> str | None:
        """The path of ``name``, or ``None`` when it is not safe to delete."""
        path = os.path.normpath(os.path.join(self.root, name))
        inside = path.startswith(self.root + os.sep)
        if not inside or path[len(self.root) + 1 :].replace(os.sep, "/") != name:
            return None
        folder = os.path.dirname(path)
        if folder not in self.folders:
            expected = os.path.normpath(os.path.join(self.real, os.path.relpath(folder, self.root)))
            self.folders[folder] = os.path.realpath(folder) == expected
        if not self.folders[folder] or os.path.islink(path):
            return None
        return path


def _prune(directory: Path, folder: Path) -> None:
    """Remove ``folder`` and its parents up to ``directory`` while they are empty."""
    root = Path(os.path.normpath(directory))
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone
            return
        folder = folder.parent
