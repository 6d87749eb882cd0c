"""The import state machine: ``run(job, budget)`` advances a job as far as the budget allows.

Stages, per job::

    for each file:   unzip (archives)  or  scan → read
    then:            missing (what a full exchange did not mention)
    then:            done

``scan`` parses a file whole without writing anything, so a broken upload
is refused before any of it is imported, and counts what it holds for the
progress messages. A large file is scanned in a second process instead,
while this one reads and writes its first batches in a transaction that
commits only once the scan has found the file sound, and rolls back if it
has not (:mod:`~cml_exchange.importer.scan_stage`). ``read`` streams the file's
entities in batches; each batch is written, together with the job's new
position, in one transaction, so a crash between batches loses nothing and
repeats nothing, and the next step (in any process) resumes after the last
committed batch (:mod:`~cml_exchange.importer.read_stage`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from cml_exchange import signals
from cml_exchange.commerceml.errors import CmlExchangeError
from cml_exchange.importer import (
    checksum_key,
    collector,
    late_commit,
    messages,
    page_cache,
    queries,
    scan_ahead,
    scans,
    statistics,
)
from cml_exchange.importer.errors import LeaseLost, unexpected
from cml_exchange.importer.exchange_reads import exchange_of, shared
from cml_exchange.importer.loaders.unchanged import KnownDigests
from cml_exchange.importer.missing import DEFER_MISSING, handle_missing
from cml_exchange.importer.options import ImportOptions
from cml_exchange.importer.read_stage import COUNTED_BEFORE, DIFFERENCES, NOTES, ReadStage
from cml_exchange.importer.results import Done, Failed, Progress, StepResult
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import ImportJob

logger = logging.getLogger(__name__)

Stage = ImportJob.Stage
#: Fields a step writes; its saves push the lease's end on too (``_Step._save``).
_STATE_FIELDS = [
    "status", "stage", "files", "file_index", "position", "state", "counters",
    "warning_counts", "full_catalogs", "full_classifiers", "message", "error", "steps",
    "started", "finished", "warned",
]  # fmt: skip
#: The job's warning counts by code and the keys of once-a-job warnings (the listed
#: warnings are rows of their own: ``ImportJob.save_warnings``).
_WARNING_FIELDS = ("warning_counts", "warned")
_STATE_FIELDS_BUT_WARNINGS = [name for name in _STATE_FIELDS if name not in _WARNING_FIELDS]


def run(
    job: ImportJob,
    budget: float | None,
    *,
    owner: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    lease: float | None = None,
    progress: Callable[[ImportJob], object] | None = None,
) -> StepResult:
    """Advance ``job`` for about ``budget`` seconds (``None`` or ``0``: to the end).

    Returns :class:`Progress` while there is more to do, :class:`Done` at the
    end and :class:`Failed` when the import cannot go on (the job records why).
    Each call makes some progress, however small the budget. If another
    process is running the job, returns :class:`Progress` without touching it.
    ``clock`` measures the budget (seconds, like ``time.monotonic``); a test
    gives one that runs out after each batch, whatever the machine's speed.
    ``lease`` is how long the job stays held without a sign of life (default:
    a minute more than three budgets); it is renewed after each batch.
    ``progress`` is called with ``job`` after each batch and each stage, for a
    display of a long step: the job as the step holds it, whose last batch may
    still be committing (a query made there waits for the commit).
    """
    owner = owner or uuid.uuid4().hex
    job.refresh_from_db()
    ended = outcome(job)
    if ended is not None:
        return ended
    lease = lease or max(60.0, 3 * (budget or 0) + 60.0)
    with job.lease(lease, owner=owner) as holder:
        if holder is None:
            return Progress(messages.ALREADY_RUNNING)
        # As the lease's last holder left it: its step may have ended since the look above.
        job.refresh_from_db()
        ended = outcome(job)
        if ended is not None:
            return ended
        with collector.step(), page_cache.step(connection), statistics.watching(connection):
            return _Step(job, budget, owner, lease, clock, progress).run()


def outcome(job: ImportJob) -> Done | Failed | None:
    """How ``job`` ended, as :func:`run` reports it, or ``None`` while it has not (as loaded)."""
    if job.status == ImportJob.Status.DONE:
        differences = tuple(job.state.get(DIFFERENCES, []))
        notes = tuple(job.state.get(NOTES, []))
        return Done(
            job.message or messages.IMPORT_DONE,
            dict(job.counters),
            differences,
            notes,
            warned=bool(job.warning_counts),
        )
    if job.status == ImportJob.Status.FAILED:
        return _failed(job)
    return None


class _Step(ReadStage):
    """One call of :func:`run`: the work of one budget."""

    def __init__(
        self,
        job: ImportJob,
        budget: float | None,
        owner: str,
        lease: float,
        clock: Callable[[], float] = time.monotonic,
        progress: Callable[[ImportJob], object] | None = None,
    ) -> None:
        self.job = job
        self.owner = owner
        self.lease = lease
        self.clock = clock
        self.progress = progress
        self.deadline = clock() + budget if budget else math.inf
        #: The exchange the job is a file of, whose later jobs may reuse what this step reads.
        self.exchange = exchange_of(job)
        #: The stored items' digests, read once a step for all its files, or once for the
        #: jobs of an exchange (read when first asked about). Items written since are not in
        #: them, and an item changed since is confirmed against its row: a digest out of
        #: date costs a build, never a wrong skip.
        self.digests = shared(self.exchange, KnownDigests, KnownDigests, {})
        #: The sizes of the job's warning counts and keys when this step last saved it.
        self._saved_sizes: tuple[int, int] | None = None
        self._beside = None
        self._last_batch = None

    def out_of_time(self) -> bool:
        return self.clock() >= self.deadline

    def run(self) -> StepResult:
        job = self.job
        first = job.status == ImportJob.Status.PENDING
        if first:
            job.status = ImportJob.Status.RUNNING
            job.started = timezone.now()
            job.stage = self._stage_for(0) if job.files else Stage.MISSING
            job.save(update_fields=_STATE_FIELDS)
            signals.import_started.send(sender=ImportJob, job=job)
        job.steps += 1
        try:
            session = self._session()
            checksum_key.make_current(announce=lambda cleared: self._cleared(session, cleared))
            while True:
                if job.stage not in (Stage.READ, Stage.SCAN):
                    # A batch's commit left running (late_commit) ends before anything but
                    # the next batch's reading or the next file's scan, stages that wait
                    # for it themselves before their first statement.
                    self._committed(refresh=False)
                if job.stage == Stage.UNZIP:
                    self._unzip(session)
                elif job.stage == Stage.SCAN:
                    self._scan(session)
                elif job.stage == Stage.READ:
                    self._scan_ahead(session)
                    self._read(session)
                elif job.stage == Stage.MISSING:
                    self._missing(session)
                self._progressed()
                if job.stage == Stage.DONE:
                    self._committed(refresh=False)
                    scans.trim()
                    return self._finish(session)
                if self.out_of_time():
                    self._committed(refresh=False)
                    scans.trim()
                    self._save(session)
                    return Progress(job.message)
        except LeaseLost:
            late_commit.settle_after_failure(connection)
            logger.warning(
                "Import job %s was taken over by another worker; this step stops", job.pk
            )
            job.refresh_from_db()  # as the other worker holds it, not as this step left it
            return Progress(messages.ALREADY_RUNNING)
        except CmlExchangeError as error:
            late_commit.settle_after_failure(connection)
            return self._fail(str(error))
        except Exception as error:
            late_commit.settle_after_failure(connection)
            # The text of a database error names tables, constraints and the values
            # that broke them: it is for the site's log and monitor, not for 1C.
            return self._fail(
                unexpected(error),
                detail=f"Ошибка импорта: {type(error).__name__}: {error}",
                error=error,
            )

    # -- stages -----------------------------------------------------------------

    def _stage_for(self, index: int) -> str:
        if index >= len(self.job.files):
            return Stage.MISSING
        return Stage.UNZIP if self._path(index).suffix.lower() == ".zip" else Stage.SCAN

    def _path(self, index: int) -> Path:
        return Path(self.job.base_dir) / self.job.files[index]

    def _next_file(self) -> None:
        job = self.job
        job.file_index += 1
        job.position = 0
        for key in ("done", "skipped", "skipped_before"):
            job.state.pop(key, None)
        job.stage = self._stage_for(job.file_index)

    def _unzip(self, session: ImportSession) -> None:
        from cml_exchange.importer.unpack import unpack_step

        job = self.job
        base = Path(job.base_dir)

        def scan_ahead_of(name: str) -> None:
            # The file imported first is scanned while the rest (the pictures) unpacks: on
            # the other core, as the unzip takes one. A later file's scan would compete with
            # the unzip; it begins while the first file is read (ScanStage._scan_ahead).
            if self._scanned_first(session, base / name):
                scan_ahead.begin(base / name, name)

        # A piece of the archive at a time, each saved, none longer than a third of the lease:
        # the save renews it. A worker's step has no budget, and a large archive would
        # otherwise outlast the lease and be taken over, this step's unpacking lost with it.
        ends = min(self.deadline, self.clock() + self.lease / 3)
        result = unpack_step(
            self._path(job.file_index),
            base,
            job.state.get("unzip"),
            # The unzipper reads time.monotonic itself: give it what is left of the piece.
            deadline=time.monotonic() + max(0.0, ends - self.clock()),
            on_xml=scan_ahead_of,
        )
        job.state["unzip"] = result.position
        job.message = messages.UNZIP_DONE if result.done else messages.UNZIP_RUNNING
        for name in result.skipped:
            session.warn(
                "archive_script_skipped",
                f"Файл {name} в архиве похож на программу и не был распакован.",
            )
        if result.done:
            job.state.pop("unzip", None)
            if session.options.import_archive_contents:
                index = job.file_index + 1
                job.files[index:index] = list(result.xml_files)
            self._next_file()
        self._save(session)

    def _begin_reading(self, session: ImportSession, *, save: bool = True) -> None:
        """Move the job to the file's reading; saved now unless ``save=False``.

        Unsaved, the job is saved with the file's first batch, or when the step ends
        before it (out of time, failed); a crash before either leaves it at the scan,
        which finds the file's counts remembered and moves it here again.
        """
        job = self.job
        job.stage = Stage.READ
        session.checkpoint()
        job.state[COUNTED_BEFORE] = dict(job.counters)
        if save:
            self._save(session)

    def _missing(self, session: ImportSession) -> None:
        job = self.job
        if job.state.get(DEFER_MISSING):
            job.stage = Stage.DONE  # the exchange settles missing items once its files are in
            self._save(session)
            return
        with transaction.atomic():
            touched = handle_missing(session)
            job.stage = Stage.DONE
            if touched:
                job.message = messages.MISSING_DONE
            self._save(session)

    # -- bookkeeping --------------------------------------------------------------

    def _session(self) -> ImportSession:
        job = self.job
        seen_since = job.state.get("seen_since")
        started = job.started or timezone.now()
        return ImportSession(
            job=job,
            options=ImportOptions.from_json(job.options),
            base_dir=Path(job.base_dir),
            picture_dirs=tuple(Path(folder) for folder in job.state.get("picture_dirs", [])),
            seen_at=dt.datetime.fromisoformat(seen_since) if seen_since else started,
            now=timezone.now(),
            exchange=self.exchange,
        )

    def _cleared(self, session: ImportSession, count: int) -> None:
        """Tell of the items' checksums just cleared (``checksum_key``), saved with the clearing."""
        session.warn("checksums_cleared", messages.checksums_cleared(count))
        self._save(session)

    def _save(self, session: ImportSession) -> None:
        """Save the job's state, and push its lease on, while the lease is still this step's.

        One ``UPDATE`` on the job's row where its holder is this step (no
        ``pre_save``/``post_save``: the app's own signals tell of an import).
        Should another worker hold it now, nothing is written and
        :class:`LeaseLost` is raised, in the batch's transaction, which rolls back.

        Of the warnings, only what was added to since the last save is written:
        warnings and their keys grow to hundreds of kilobytes in a file full of
        missing pictures; each batch's save would rewrite them all. The listed
        warnings the step added are rows of their own, written after the job's row
        (once the step is known to hold it).
        """
        # The warnings' keys the checkpoint writes roll back with the save, also where the
        # save is not a batch's (no savepoint in one: the batch's transaction is the save's).
        with transaction.atomic(savepoint=False):
            self._save_held(session)

    def _save_held(self, session: ImportSession) -> None:
        session.checkpoint()
        job = self.job
        # Each only grows, so its size says whether it changed: past the first thousand
        # warnings, a batch that warns again rewrites the counts and keys, not the list.
        sizes = (sum(job.warning_counts.values()), len(job.warned))
        saved = self._saved_sizes
        fields = _STATE_FIELDS_BUT_WARNINGS + [
            name
            for index, name in enumerate(_WARNING_FIELDS)
            if saved is None or sizes[index] != saved[index]
        ]
        until = timezone.now() + dt.timedelta(seconds=self.lease)
        if not self._write_held(fields, lease_until=until):
            raise LeaseLost
        job.save_warnings()
        job.lease_until = until
        self._saved_sizes = sizes

    def _write_held(self, fields: list[str], **values: object) -> bool:
        """Write the job's ``fields`` and ``values`` if the step holds its lease.

        ``False``, and nothing written, when another worker holds the job.
        """
        job = self.job
        written = {**values, **{name: getattr(job, name) for name in fields}}
        return bool(queries.update(ImportJob, written, pk=job.pk, lease_owner=self.owner))

    def _finish(self, session: ImportSession) -> StepResult:
        job = self.job
        job.status = ImportJob.Status.DONE
        job.finished = timezone.now()
        differences = job.state.get(DIFFERENCES, [])
        notes = job.state.get(NOTES, [])
        if differences:
            job.message = messages.clipped(messages.done_with_differences(differences, notes))
        elif notes:
            job.message = messages.clipped(messages.done_with_notes(notes))
        else:
            job.message = messages.IMPORT_DONE
        told = messages.NOT_TOLD_AS_WARNINGS
        warned = sum(n for code, n in job.warning_counts.items() if code not in told)
        if warned:
            first = next((w["message"] for w in job.warnings if w.get("code") not in told), "")
            job.message = messages.with_warnings(job.message, warned, first)
        self._save(session)
        summary = dict(job.counters)
        signals.import_finished.send(sender=ImportJob, job=job, summary=summary)
        return Done(
            job.message,
            summary,
            tuple(differences),
            tuple(notes),
            warned=bool(job.warning_counts),
        )

    def _fail(
        self, message: str, *, detail: str = "", error: Exception | None = None
    ) -> StepResult:
        """Stop the job: ``message`` is what 1C is told, ``detail`` what the admin sees.

        ``job.error`` keeps the detail (or the message when there is none) for
        the monitor and ``import_failed``; ``job.message`` keeps the message. A step
        that no longer holds the job (another worker took it over) leaves it as it
        is, and ends as :func:`run` ends for a job another process is running.
        ``error``, an exception the importer did not expect, goes to the log with it.
        """
        job = self.job
        job.refresh_from_db()  # drop what the failed batch left in memory
        done = {kind: int(count) for kind, count in job.state.get("done", {}).items() if count}
        if job.stage == Stage.READ and done and job.file_index < len(job.files):
            name = job.files[job.file_index]
            totals = job.state.get("scans", {}).get(name, {})
            kept = messages.kept_before_failure(name, done, totals)
            if kept:
                message = f"{message} {kept}"
                detail = f"{detail} {kept}" if detail else ""
        job.status = ImportJob.Status.FAILED
        job.error = detail or message
        job.message = message[:500]
        job.finished = timezone.now()
        # Not over another worker's job: what failed here may be this step's meeting it.
        if not self._write_held(_STATE_FIELDS):
            logger.warning(
                "Import job %s failed in a step that no longer held it: %s",
                job.pk,
                job.error,
                exc_info=error,
            )
            return Progress(messages.ALREADY_RUNNING)
        if error is not None:
            logger.error("Import job %s failed", job.pk, exc_info=error)
        signals.import_failed.send(sender=ImportJob, job=job, error=job.error)
        return _failed(job)


def _failed(job: ImportJob) -> Failed:
    """A failed job's result: the whole error, unless it is a detail kept from 1C."""
    message = job.error if job.error[:500] == job.message else job.message
    return Failed(message, detail=job.error)
