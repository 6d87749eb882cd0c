"""The state one step of an import shares between its loaders.

A session lives for one call of ``run``: it holds the job, its options, the
caches of ids looked up so far and the warnings and counters gathered, and
writes them back to the job at every checkpoint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cml_exchange.importer import sql
from cml_exchange.importer.adapter import AdapterContext, CatalogAdapter, get_catalog_adapter
from cml_exchange.importer.exchange_reads import Exchange
from cml_exchange.importer.options import ImportOptions
from cml_exchange.models import ImportJob, ImportWarningKey

#: How many warnings a job keeps in full; all are counted.
MAX_WARNINGS = 1000


@dataclass(frozen=True, slots=True)
class Scope:
    """Which containers an entity came in: the current classifier, catalog and package."""

    classifier: str | None = None
    catalog: str | None = None
    full: bool = False


@dataclass
class ImportSession:
    job: ImportJob
    options: ImportOptions
    base_dir: Path
    #: The moment that marks what this import saw: items of a full catalog
    #: not marked with it (or later) were not in the exchange.
    seen_at: dt.datetime
    now: dt.datetime
    #: Other folders where a picture missing under ``base_dir`` is looked for
    #: (1C may upload pictures in exchanges of their own).
    picture_dirs: tuple[Path, ...] = ()
    counters: Counter[str] = field(default_factory=Counter)
    #: external id -> primary key, per model (and per classifier or catalog where ids are scoped).
    ids: dict[Any, dict[str, int]] = field(default_factory=dict)
    #: Whom the loaders tell what changed (``CML_EXCHANGE_CATALOG_ADAPTER``).
    adapter: CatalogAdapter = field(default_factory=get_catalog_adapter)
    #: What a loader reads once a step and keeps for the rest of it, by the loader's key.
    built: dict[Any, Any] = field(default_factory=dict)
    #: The exchange the job is a file of (``exchange_reads.exchange_of``): what a step
    #: reads whole may serve its later jobs too (``exchange_reads.shared``).
    exchange: Exchange | None = None

    def __post_init__(self) -> None:
        job = self.job
        #: The digests of the keys of the warnings the job has told (see :meth:`warn`).
        self._warned: set[int] = set(
            ImportWarningKey.objects.filter(job=job).values_list("digest", flat=True)
        )
        #: Those not stored yet: written at the next checkpoint, with the batch that told them.
        self._unsaved: list[int] = []
        # A job left unfinished by an earlier version kept its keys in ``warned`` (or in
        # its state, before that): they move to rows of their own.
        for marker in job.warned or job.state.pop("warned", []):
            self._remember(_key_digest(marker))
        job.warned = []

    def warn(self, code: str, message: str, *, key: str | None = None) -> None:
        """Record a warning in the job; with ``key``, only once per job for that key."""
        job = self.job
        if key is not None:
            digest = _key_digest(f"{code}:{key}")
            if digest in self._warned:
                return
            if len(self._warned) < 10 * MAX_WARNINGS:
                self._remember(digest)
        job.warning_counts[code] = job.warning_counts.get(code, 0) + 1
        if len(job.warnings) < MAX_WARNINGS:
            job.warnings.append({"code": code, "message": message})

    @property
    def adapter_context(self) -> AdapterContext:
        return AdapterContext.of(self)

    def count(self, name: str, amount: int = 1) -> None:
        if amount:
            self.counters[name] += amount

    def cache(self, kind: Any) -> dict[str, int]:
        """The id cache for ``kind`` (a model, or a (model, scope pk) pair)."""
        return self.ids.setdefault(kind, {})

    def forget(self, *kinds: Any) -> None:
        """Drop the cached ids of ``kinds`` (models or cache names), scoped ones included."""
        for key in list(self.ids):
            if (key[0] if isinstance(key, tuple) else key) in kinds:
                del self.ids[key]

    def checkpoint(self) -> None:
        """Move what this step gathered into the job (the caller saves the job).

        The keys of the warnings told since the last checkpoint are written
        here, in the caller's transaction (the batch's that told them).
        """
        counters = self.job.counters
        for name, amount in self.counters.items():
            counters[name] = counters.get(name, 0) + amount
        self.counters.clear()
        if self._unsaved:
            job = self.job.pk
            rows = [{"job_id": job, "digest": digest} for digest in self._unsaved]
            # Those the job had stored were read when the session began.
            sql.insert(ImportWarningKey, rows, ignore_conflicts=True, new=True)
            self._unsaved.clear()

    def _remember(self, digest: int) -> None:
        if digest not in self._warned:
            self._warned.add(digest)
            self._unsaved.append(digest)


def _key_digest(marker: str) -> int:
    """A warning key's signed 64-bit digest (a collision would silence one warning of two)."""
    return int.from_bytes(
        hashlib.blake2b(marker.encode(), digest_size=8).digest(), "big", signed=True
    )
