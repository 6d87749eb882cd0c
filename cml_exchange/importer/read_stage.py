"""The read stage of an import: a file's entities written batch by batch, then reconciled.

Each batch is written, together with the job's new position, in one
transaction (:meth:`ReadStage._flush`), so a crash between batches loses
nothing and repeats nothing. A step that runs out of time keeps its reader
(:mod:`~cml_exchange.importer.open_readers`) for the next step in the same
process. At the end of a file, what was read is compared with what was
written (:mod:`~cml_exchange.importer.reconcile`).

A file's first entities may be read while the last file's commit still runs
(:meth:`ReadStage._read_ahead`): reading needs no statement, and the step
would otherwise wait for that commit idle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db import connection

from cml_exchange.commerceml import entities as cml
from cml_exchange.commerceml.reading.reader import SKIPPED_ITEMS, CmlReader
from cml_exchange.importer import late_commit, messages, open_readers, statistics
from cml_exchange.importer.batch import Batch, flush
from cml_exchange.importer.loaders.passed import keep_read_items, passable
from cml_exchange.importer.loaders.unchanged import NO_DIGESTS, KnownDigests
from cml_exchange.importer.reconcile import reconcile
from cml_exchange.importer.scan_stage import FILE_DIGESTS, ScanStage
from cml_exchange.importer.scopes import scope_after
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import ImportJob

#: How many entities are read ahead between two looks at the commit they wait for.
_COMMIT_ASKED_EVERY = 32
#: ``job.state`` keys: the counters when a file's reading began; the reconciliation's findings.
COUNTED_BEFORE, DIFFERENCES, NOTES = "counted_before", "differences", "notes"


class _ReadAhead:
    """A file's first entities, read before its reading stage began, and its reader."""

    def __init__(
        self,
        index: int,
        reader: CmlReader,
        entities: Iterator[object],
        read: list[object],
        error: Exception | None,
    ) -> None:
        self.index = index
        self.reader = reader
        self.entities = entities
        self.read = read
        #: What the reader raised after ``read``: raised again where it came.
        self.error = error

    def replay(self) -> Iterator[object]:
        """The entities read ahead, then the reader's own, as one iteration of the reader."""
        try:
            yield from self.read
            if self.error is not None:
                raise self.error
            yield from self.entities
        finally:
            _close(self.entities)


class ReadStage(ScanStage):
    """The read stage of the runner's step; the step gives the clock and the bookkeeping."""

    #: The stored items' digests, for the reader to pass unchanged items over.
    digests: KnownDigests
    #: Told of the job after each batch (``run(progress=…)``).
    progress: Callable[[ImportJob], object] | None = None
    #: The current file's first entities, read while the last file's commit ran.
    _ahead: _ReadAhead | None = None

    def out_of_time(self) -> bool:
        raise NotImplementedError

    def _next_file(self) -> None:
        raise NotImplementedError

    def _progressed(self) -> None:
        """Show the caller's display where the job is (``run(progress=…)``)."""
        if self.progress is not None:
            self.progress(self.job)

    def _read(self, session: ImportSession) -> None:
        try:
            self._read_batches(session)
        except BaseException:
            late_commit.settle(connection)  # the step's failure is saved after it
            raise
        if self.job.stage == ImportJob.Stage.SCAN and late_commit.running(connection):
            return  # the next file's scan waits for it before its first statement
        self._committed()  # before the step does anything else, or answers

    def _committed(self, *, refresh: bool = True) -> None:
        """Wait for a commit left running (``late_commit``); refresh the planner's statistics.

        ``refresh=False``: only when there was a commit to wait for.
        """
        if late_commit.settle(connection) or refresh:
            statistics.refresh(connection)

    def _read_batches(self, session: ImportSession) -> None:
        job = self.job
        name = job.files[job.file_index]
        key = (job.pk, job.file_index, name)
        kept = open_readers.take(key)
        if kept is not None and kept.reader.position == job.position:
            # The same process ran the last step: go on where its reader stopped.
            reader, entities, scope, reported = (
                kept.reader,
                kept.entities,
                kept.scope,
                kept.reported,
            )
            job.state["skipped_before"] = kept.skipped_before
        else:
            ahead, self._ahead = self._ahead, None
            if ahead is not None and (ahead.index, job.position) == (job.file_index, 0):
                reader, entities = ahead.reader, ahead.replay()
            else:
                if ahead is not None:
                    _close(ahead.entities)
                reader = self._new_reader(session)
                entities = iter(reader)
            # Empty items skipped by earlier steps of this file, for the summary at its end.
            job.state["skipped_before"] = dict(job.state.get("skipped", {}))
            scope = Scope()
            reported = 0
        batch = Batch()
        size = session.options.batch_size
        for entity in entities:
            if isinstance(entity, cml.FileInfo):
                continue
            if isinstance(entity, (cml.Classifier, cml.Catalog, cml.OfferPackage)):
                late_commit.settle(connection)
                scope = scope_after(session, entity, scope)
                batch.add_header(entity)
                continue
            if isinstance(entity, cml.ItemsAhead):
                late_commit.settle(connection)
                passed = passable(
                    session,
                    entity.kind,
                    scope,
                    job.state.get(FILE_DIGESTS, {}).get(name),
                    job.state.get("scans", {}).get(name),
                )
                if passed is not None:  # the rest of the file is items stored as they are
                    batch.passed.append(passed)
                    _close(entities)
                    break
                continue
            batch.add(entity, scope)
            if len(batch) >= size:
                reported = self._flush(session, batch, reader, reported)
                batch = Batch()
                # Out of time with the scan beside still running, the step goes on reading
                # until its verdict, which it would otherwise wait for idle to commit.
                if self._verdict_ready() or (self.out_of_time() and not self._scan_running()):
                    skipped = job.state["skipped_before"]
                    kept = open_readers.OpenFile(reader, entities, scope, reported, skipped)
                    open_readers.keep(key, kept)
                    return
        self._flush(session, batch, reader, reported, end=True)

    def _new_reader(self, session: ImportSession) -> CmlReader:
        """A reader of the current file from the job's position."""
        job = self.job
        return CmlReader(
            self._path(job.file_index),
            name=job.files[job.file_index],
            skip=job.position,
            check_references=False,
            # Without checksums every item is built, and still gets its digest.
            digests=self.digests if session.options.use_checksums else NO_DIGESTS,
            announce_items=session.options.use_checksums,
        )

    def _read_ahead(self, session: ImportSession, *, remembered: bool) -> None:
        """Read the current file's first entities while the last file's commit runs.

        Called at the file's scan, before the step waits for that commit: the
        entities are kept for :meth:`_read_batches`, which handles them as it
        would have read them. Up to a batch of them; for a file ``remembered``
        from an earlier scan, not past
        :class:`~cml_exchange.commerceml.entities.ItemsAhead`, where the rest
        of it may be passed over unread (:func:`passable`; any file may be,
        should another process have read the same bytes meanwhile: what was
        read ahead is then dropped). Only while the commit runs, and only when
        reading needs no statement (the stored digests are read already). What
        the reader raises is raised where it came, once the entities before it
        are handled.
        """
        job = self.job
        if (
            job.position
            or not late_commit.running(connection)
            or (session.options.use_checksums and not self.digests.loaded)
        ):
            return
        reader = self._new_reader(session)
        entities = iter(reader)
        read: list[object] = []
        error = None
        limit = session.options.batch_size
        try:
            for entity in entities:
                read.append(entity)
                if (
                    (remembered and isinstance(entity, cml.ItemsAhead))
                    or len(read) >= limit
                    # Asked every few entities: a look takes a tenth of what reading one does.
                    or (len(read) % _COMMIT_ASKED_EVERY == 0 and late_commit.finished(connection))
                ):
                    break
        except Exception as raised:  # raised again in its place, after what came before
            error = raised
        self._ahead = _ReadAhead(job.file_index, reader, entities, read, error)

    def _flush(
        self,
        session: ImportSession,
        batch: Batch,
        reader: CmlReader,
        reported: int,
        *,
        end: bool = False,
    ) -> int:
        """Write a batch and the job's new position in one transaction."""
        job = self.job
        name = job.files[job.file_index]
        for warning in reader.warnings[reported:]:
            if warning.code not in SKIPPED_ITEMS:  # summed up below, across steps
                session.warn(warning.code, f"{name}: {warning.message}")
        reported = len(reader.warnings)
        self._committed()
        with late_commit.batch(connection):
            skipped = job.state.setdefault("skipped", {})
            for code, count in reader.skipped.items():
                skipped[code] = count + job.state.get("skipped_before", {}).get(code, 0)
            for passed in batch.passed:  # the whole file's, those read before its items too
                skipped.update(passed.skipped)
            if end:
                for code, count in skipped.items():
                    session.warn(code, f"{name}: {SKIPPED_ITEMS[code].format(count=count)}")
            flush(session, batch)
            done = job.state.setdefault("done", {})
            for kind, amount in batch.kinds().items():
                done[kind] = done.get(kind, 0) + amount
            job.position = reader.position
            job.message = self._reading_message(batch)
            self._last_batch = batch
            if end:
                self._settle_scan()  # the reconciliation compares with the scan's counts
                differences = len(job.state.get(DIFFERENCES, []))
                self._reconcile(session, name)
                if len(job.state.get(DIFFERENCES, [])) == differences:
                    keep_read_items(job.state.get(FILE_DIGESTS, {}).get(name), reader)
                job.message = messages.file_done(job.files[job.file_index])
                self._next_file()
                if late_commit.commits_late(connection):
                    self._look_up_next()
            self._save(session)
        self._progressed()
        return reported

    def _reconcile(self, session: ImportSession, name: str) -> None:
        job = self.job
        session.checkpoint()
        before = job.state.pop(COUNTED_BEFORE, {})
        differences, notes = reconcile(job, name, before)
        for text in [*differences, *notes]:
            session.warn("reconciliation", text)
        job.state.setdefault(DIFFERENCES, []).extend(differences)
        job.state.setdefault(NOTES, []).extend(notes)

    def _reading_message(self, batch: Batch) -> str:
        job = self.job
        done = job.state.get("done", {})
        totals = job.state.get("scans", {}).get(job.files[job.file_index], {})
        for kind in ("offers", "products", "documents", "properties", "groups"):
            if batch.kinds().get(kind):
                return messages.processed(done.get(kind, 0), totals.get(kind, 0), kind)
        return job.message


def _close(entities: Iterator[object]) -> None:
    """Stop a reader's iteration early: its file is closed now, not when collected."""
    close = getattr(entities, "close", None)
    if close is not None:
        close()
