"""The scan stage of an import: the file checked whole before it is written, or beside.

A file is scanned whole (``commerceml.reading.scan``) before any of it is
written, so that a broken upload or a value no column holds is refused
before the first batch; what it counts feeds the progress messages and the
reconciliation. The same bytes found sound before are not scanned again
(:mod:`~cml_exchange.importer.scans`).

A large file is scanned in a second process instead
(:class:`~cml_exchange.commerceml.reading.scan_process.ScanProcess`), while
the step reads and writes its first batches in one transaction that waits
for the verdict: committed once the scan has found the file sound, rolled
back whole if it has not (docs/import_workflow.md, "The scan beside the
reader"). :class:`ScanStage` is the part of the runner's step that does this.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from django.db import DatabaseError, connection, connections, router, transaction

from cml_exchange.commerceml.errors import CmlExchangeError
from cml_exchange.commerceml.reading.scan_process import ScanProcess, can_start
from cml_exchange.conf import app_settings
from cml_exchange.importer import late_commit, late_writes, messages, root_group, scan_ahead
from cml_exchange.importer.batch import Batch
from cml_exchange.importer.errors import LeaseLost
from cml_exchange.importer.limits import value_limits
from cml_exchange.importer.scans import remember, remembered_counts, scan_counts
from cml_exchange.importer.session import ImportSession
from cml_exchange.importer.unpack import import_order
from cml_exchange.models import ImportJob

#: The largest file scanned beside the reader on SQLite, whose one writer holds the
#: whole database until the scan's verdict: about 3 s at most at this size, for an
#: offers file (its scan checks more values); a catalog's verdict comes in half that.
SQLITE_SCAN_BESIDE_MAX = 96 * 1024 * 1024
#: The job state's ``{file name: digest of its bytes}`` (``importer.scans.file_digest``).
FILE_DIGESTS = "file_digests"


class ScanBeside:
    """A scan running beside the reader: its process, the file's digest and name."""

    def __init__(self, process: ScanProcess, digest: str, name: str) -> None:
        self.process = process
        self.digest = digest
        self.name = name
        self.settled = False


class ScanStage:
    """The scan stage of the runner's step; the step gives the reading and the bookkeeping."""

    job: ImportJob
    #: The scan running beside the reader, until its verdict is in the job.
    _beside: ScanBeside | None = None
    #: The last batch written, for the progress message once the scan's counts are in.
    _last_batch: Batch | None = None
    #: The next file's path, digest and remembered counts (:meth:`_look_up_next`).
    _looked_up: tuple[Path, str, dict[str, int] | None] | None = None

    def _path(self, index: int) -> Path:
        raise NotImplementedError

    def _begin_reading(self, session: ImportSession, *, save: bool = True) -> None:
        raise NotImplementedError

    def _read(self, session: ImportSession) -> None:
        raise NotImplementedError

    def _read_ahead(self, session: ImportSession, *, remembered: bool) -> None:
        raise NotImplementedError

    def _committed(self, *, refresh: bool = True) -> None:
        raise NotImplementedError

    def _save(self, session: ImportSession) -> None:
        raise NotImplementedError

    def _reading_message(self, batch: Batch) -> str:
        raise NotImplementedError

    def _scan(self, session: ImportSession) -> None:
        """The current file: its remembered counts, its scan, or its scan beside the reader.

        The last file's commit, when it was left running (``late_commit``), goes on
        while this file is scanned or its scan process starts: the stage waits for it
        before its first statement (its digest and remembered counts were looked up
        before that commit began, :meth:`_look_up_next`).
        """
        job = self.job
        name = job.files[job.file_index]
        path = self._path(job.file_index)
        if not path.is_file():
            raise CmlExchangeError(_not_uploaded(name, job.files[: job.file_index]))
        looked_up, self._looked_up = self._looked_up, None
        if late_writes.holding(connection) and not self._may_scan_beside(session, path):
            # SQLite's write lock, still taken, is not held through a scan, or a wait for one.
            self._committed(refresh=False)
        if looked_up is not None and looked_up[0] == path:
            _, digest, counts = looked_up
        else:
            self._committed(refresh=False)
            digest, counts = remembered_counts(path)
        job.state.setdefault(FILE_DIGESTS, {})[name] = digest
        scanned = process = None
        try:  # no statement until the last commit is in
            if counts is not None:
                scan_ahead.forget(path)
            elif (scanned := scan_ahead.take(path, digest)) is None:
                if self._may_scan_beside(session, path):
                    process = ScanProcess(path, name, value_limits())
                else:
                    scanned = scan_counts(path, name)
            # While the last commit runs: reading writes nothing. Only a file remembered
            # before may have items kept, to be passed over unread.
            self._read_ahead(session, remembered=counts is not None)
        finally:
            try:
                self._committed(refresh=False)  # a last commit refused is the job's failure
            except BaseException:
                if process is not None:
                    process.close()
                raise
        if process is not None:
            self._read_beside_scan(session, process, digest)
            return
        if scanned is not None:
            remember(digest, scanned)
        counts = scanned if scanned is not None else counts or {}
        job.state.setdefault("scans", {})[name] = counts
        if session.options.skip_root_group and counts.get("groups"):
            roots = root_group.lone_roots(path, name)
            job.state[root_group.STATE_KEY] = roots
        else:
            job.state.pop(root_group.STATE_KEY, None)
        job.message = messages.scanned(name, counts)
        # Saved with the first batch: a commit less a file (5% of an unchanged re-import of
        # many small files on PostgreSQL).
        self._begin_reading(session, save=False)

    def _look_up_next(self) -> None:
        """The digest and remembered counts of the file to be scanned next, looked up now.

        Called in the transaction whose commit will be left running: the next file's
        scan, which needs no statement, then runs while the commit does.
        """
        job = self.job
        if job.stage != ImportJob.Stage.SCAN:
            return
        path = self._path(job.file_index)
        # Unreadable: the scan stage looks again, and fails the job over the file itself.
        with contextlib.suppress(OSError):
            self._looked_up = (path, *remembered_counts(path))

    def _may_scan_beside(self, session: ImportSession, path: Path) -> bool:
        """Whether ``path`` is scanned in a second process while its first batches are read."""
        return _second_process(session, path) == BESIDE

    def _scan_ahead(self, session: ImportSession) -> None:
        """Begin the scan of a later file that will be scanned first, once this file's is done.

        The later files are the job's own after this one, and for a file of an
        exchange the XML files waiting beside it that 1C imports after it
        (``import`` before ``offers`` before ``prices`` and ``rests``).
        """
        if self._beside is not None and not self._beside.settled:
            return  # this file's own scan holds the second core
        for path in self._later_files():
            if self._scanned_first(session, path):
                scan_ahead.begin(path, path.name)
                return

    def _later_files(self) -> list[Path]:
        job = self.job
        index = job.file_index
        later = [
            self._path(i)
            for i in range(index + 1, len(job.files))
            if not job.files[i].lower().endswith(".zip")
        ]
        if job.session_id is None or index >= len(job.files):
            return later
        base = Path(job.base_dir)
        current = import_order(job.files[index])
        try:
            names = [
                entry.name
                for entry in os.scandir(base)
                if entry.name.lower().endswith(".xml") and entry.is_file()
            ]
        except OSError:
            return later
        own = set(job.files)
        return later + [
            base / name
            for name in sorted(names, key=import_order)
            if name not in own and import_order(name) > current
        ]

    def _scanned_first(self, session: ImportSession, path: Path) -> bool:
        """Whether ``path`` is large enough for a second process, yet not scanned beside."""
        return _second_process(session, path) == AHEAD

    def _read_beside_scan(self, session: ImportSession, process: ScanProcess, digest: str) -> None:
        """Read the file while ``process`` scans it; commit only what a sound file gave.

        The reading stage begins, and batches are written, in one transaction
        that waits for the scan's verdict: after each batch the step looks
        whether it has come; at the end of the file, or of the step's time, it
        waits for it. A file the scan refuses fails the job with the scan's own
        message and nothing of it stays written, as when the scan comes first;
        so too when a batch fails before the verdict and the scan refuses the
        file (a value too long for its column fails PostgreSQL's write first).
        A batch that fails in a file the scan finds sound fails the job as it
        would have after a scan first: the batches before it stay written. A
        crash in between leaves the job where it was: to be scanned.
        """
        job = self.job
        beside = self._beside = ScanBeside(process, digest, job.files[job.file_index])
        failure: Exception | None = None
        try:
            # Committed as a batch is (late_commit): the next batch's reading goes on meanwhile.
            with late_commit.batch(connection):
                job.state.pop(root_group.STATE_KEY, None)
                self._begin_reading(session)
                try:
                    self._read(session)
                except LeaseLost:
                    raise  # the job is another worker's: nothing more of this step is written
                except Exception as error:
                    counts = process.verdict()  # the scan's refusal, if any, is what 1C is told
                    failure = error
                    self._keep_counts(beside, counts)
                else:
                    if self._settle_scan():
                        self._save(session)
        finally:
            process.close()
            self._beside = None
        if failure is not None:
            late_commit.settle(connection)
            raise failure

    def _keep_counts(self, beside: ScanBeside, counts: dict[str, int]) -> None:
        """Store a sound file's counts with the batches written before a failure.

        The job in memory holds the failed batch's changes; the stored job is
        as the last good batch saved it, and only its counts are added. Should
        the transaction itself have failed, it is rolled back whole instead.
        """
        try:
            with transaction.atomic():
                remember(beside.digest, counts)
                stored = ImportJob.objects.get(pk=self.job.pk)
                stored.state.setdefault("scans", {})[beside.name] = counts
                stored.save(update_fields=["state"])
        except DatabaseError:
            transaction.set_rollback(True)

    def _settle_scan(self) -> bool:
        """Wait for the scan beside the reader; put its counts in the job (``False``: none ran).

        Raises the scan's refusal. Once the counts are in, the progress message
        of the last batch is told again with them.
        """
        beside = self._beside
        if beside is None or beside.settled:
            return False
        counts = beside.process.verdict()
        beside.settled = True
        remember(beside.digest, counts)
        job = self.job
        job.state.setdefault("scans", {})[beside.name] = counts
        if self._last_batch is not None and job.stage == ImportJob.Stage.READ:
            job.message = self._reading_message(self._last_batch)
        return True

    def _scan_running(self) -> bool:
        """Whether a scan beside the reader is still at work (its verdict not yet known)."""
        beside = self._beside
        return beside is not None and not beside.settled and not beside.process.ready()

    def _verdict_ready(self) -> bool:
        """Whether a scan beside the reader has its verdict, to be committed with what was read."""
        beside = self._beside
        return beside is not None and not beside.settled and beside.process.ready()


#: What a second process does for a file (:func:`_second_process`).
BESIDE, AHEAD = "beside", "ahead"


def _second_process(session: ImportSession, path: Path) -> str | None:
    """How a second process scans ``path``: :data:`BESIDE` the reader, :data:`AHEAD` of it, or not.

    Files of ``CML_EXCHANGE_SCAN_BESIDE_FROM`` bytes or more, when a second
    core is ours, are scanned beside the reader. Not with ``skip_root_group``,
    which needs the scan's count of groups before the first group is read,
    and on SQLite not above :data:`SQLITE_SCAN_BESIDE_MAX`, where the site's
    own writes would wait too long for the verdict: such a file is scanned
    whole before its reading, and a second process can do that ahead of its
    turn (:mod:`~cml_exchange.importer.scan_ahead`).
    """
    smallest = app_settings.SCAN_BESIDE_FROM
    if not smallest or not can_start():
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size < smallest:
        return None
    vendor = connections[router.db_for_write(ImportJob)].vendor
    if session.options.skip_root_group or (vendor == "sqlite" and size > SQLITE_SCAN_BESIDE_MAX):
        return AHEAD
    return BESIDE


def _not_uploaded(name: str, before: list[str]) -> str:
    """Why ``name`` cannot be imported: it is not there, nor in the archives unpacked before it.

    1C asked for a file its archive does not hold (or that was deleted since):
    said in words, not as an internal error.
    """
    archives = [file for file in before if Path(file).suffix.lower() == ".zip"]
    if archives:
        where = f"ни среди загруженных файлов, ни в архиве {', '.join(archives)}"
    else:
        where = "среди загруженных файлов"
    return f"Файл {name} не загружен на сайт: его нет {where}."
