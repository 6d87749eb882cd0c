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
here knows HTTP; names that come from a request go through
:func:`~cml_exchange.storage.uploads.safe_name` and
:func:`~cml_exchange.storage.uploads.path_in` before anything is deleted.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cml_exchange.admin import monitor
from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeFile, ExchangeKind, ImportJob
from cml_exchange.storage.uploads import REPORTS, path_in, remove, safe_name

#: How long ``Reports/`` files stay, as in Bitrix and the protocol's ``init``.
REPORTS_DAYS = 5

KEPT_REPORT = _("1C's report of the last five days")
KEPT_JOB = _("an import still running reads it")
KEPT_UPLOAD = _("uploaded and not yet imported, and an exchange is still open")
KEPT_NEW = _("written since an exchange or import still running began")

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
        jobs = ImportJob.objects.filter(
            base_dir=str(directory_of(kind)),
            status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
            created__gte=fresh,
        )
        for created, files in jobs.values_list("created", "files"):
            starts.append(created)
            activity.job_files.update(str(name) for name in files or [])
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
    found: list[StoredFile] = []
    for kind in kinds:
        activity = Activity.of(kind)
        records = {
            record.name: record
            for record in ExchangeFile.objects.filter(kind=kind).select_related("session")
        }
        files = []
        for name, size, modified in _walk(directory_of(kind)):
            record = records.pop(name, None)
            files.append(StoredFile(kind, name, size, modified, record))
        files.extend(StoredFile(kind, name, record=record) for name, record in records.items())
        for file in files:
            file.kept = activity.reason_to_keep(file.name, file.modified, file.record)
        found.extend(sorted(files, key=lambda file: file.name))
    return found


def _walk(directory: Path) -> Iterable[tuple[str, int, dt.datetime]]:
    """Relative names, sizes and times of the regular files under ``directory``.

    Symbolic links are neither followed nor listed: nothing outside the
    exchange directory is shown or touched.
    """
    for root, dirs, names in os.walk(directory):
        dirs[:] = [name for name in dirs if not os.path.islink(os.path.join(root, name))]
        for name in names:
            path = os.path.join(root, name)
            if os.path.islink(path):
                continue
            try:
                stat = os.stat(path)
            except OSError:  # deleted while we looked
                continue
            relative = Path(path).relative_to(directory).as_posix()
            yield relative, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)


def find(keys: Iterable[str]) -> list[StoredFile]:
    """The listed files named by ``<kind>/<name>`` keys (unknown keys are left out)."""
    wanted = set(keys)
    kinds = {key.partition("/")[0] for key in wanted} & set(KINDS)
    return [file for file in listing(sorted(kinds)) if file.key in wanted]


def split_key(key: str) -> tuple[str, str]:
    """``(kind, name)`` of a ``<kind>/<name>`` key, the name made safe (or ``UnsafeName``)."""
    kind, _slash, name = key.partition("/")
    if kind not in KINDS:
        raise ValueError(f"unknown exchange type {kind!r}")
    return kind, safe_name(name)


def delete(files: Iterable[StoredFile]) -> list[StoredFile]:
    """Delete the files and their upload rows; return what was deleted.

    Each name is checked to stay inside its exchange directory; directories
    left empty are removed (the exchange directories themselves stay).
    """
    deleted = []
    for file in files:
        kind, name = split_key(file.key)
        directory = directory_of(kind)
        path = path_in(directory, name)
        if path.is_symlink():
            continue
        remove(directory, [name])
        ExchangeFile.objects.filter(kind=kind, name=name).delete()
        _prune(directory, path.parent)
        deleted.append(file)
    return deleted


def _prune(directory: Path, folder: Path) -> None:
    """Remove ``folder`` and its parents up to ``directory`` while they are empty."""
    root = Path(os.path.normpath(directory))
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone
            return
        folder = folder.parent
