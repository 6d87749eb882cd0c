"""What a full exchange did not mention: deactivated or deleted, per the options.

Only within what came in full: products and offers of the catalogs whose
``Каталог``/``ПакетПредложений`` was not "only changes", groups of the
classifiers that came whole. Never the rest of the shop.

A job made by 1C's exchange defers this (``DEFER_MISSING``): one full
catalog may come in several files (``import_1.xml``, ``import_2.xml``…), and
the products of the later files must not be deactivated or deleted when the
first one ends. The exchange then calls :func:`settle` after each file, at
``deactivate`` and at ``complete``: what no file still waiting in the
exchange continues is handled once, for everything the exchange mentioned.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cml_exchange import commerceml as cml
from cml_exchange.commerceml.errors import CmlExchangeError
from cml_exchange.importer import messages
from cml_exchange.importer.adapter import (
    AdapterContext,
    CatalogAdapter,
    get_catalog_adapter,
    overrides,
)
from cml_exchange.importer.options import ImportOptions, MissingAction
from cml_exchange.importer.session import MAX_WARNINGS, ImportSession
from cml_exchange.models import Group, ImportJob, Offer, Product

#: ``job.state`` key: the job leaves missing items to its exchange.
DEFER_MISSING = "defer_missing"
#: ``job.state`` key: missing items of a deferring job have been handled.
SETTLED = "missing_settled"
#: An offers package whose catalog only the database could tell: it may continue any.
ANY_CATALOG = "*"


@dataclass
class FullScope:
    """What came in full: catalogs (products), offer catalogs (offers), classifiers (groups)."""

    catalogs: set[str] = field(default_factory=set)
    offer_catalogs: set[str] = field(default_factory=set)
    classifiers: set[str] = field(default_factory=set)
    #: A file too broken to tell: it may continue anything.
    anything: bool = False

    def __bool__(self) -> bool:
        return bool(self.catalogs or self.offer_catalogs or self.classifiers)

    def update(self, other: FullScope) -> None:
        self.catalogs |= other.catalogs
        self.offer_catalogs |= other.offer_catalogs
        self.classifiers |= other.classifiers
        self.anything = self.anything or other.anything

    def without(self, other: FullScope) -> FullScope:
        """What of this scope ``other`` does not continue."""
        if other.anything:
            return FullScope()
        if ANY_CATALOG in other.offer_catalogs:
            offers: set[str] = set()
        else:
            offers = self.offer_catalogs - other.offer_catalogs
        return FullScope(
            self.catalogs - other.catalogs, offers, self.classifiers - other.classifiers
        )


def scope_of(job: ImportJob) -> FullScope:
    """What ``job`` received in full (a classifier counts only if no catalog of it was partial)."""
    partial_classifiers = {
        info.get("classifier")
        for info in job.state.get("catalogs", {}).values()
        if not info.get("full")
    }
    return FullScope(
        catalogs=set(job.full_catalogs),
        offer_catalogs=set(job.state.get("full_offer_catalogs", [])),
        classifiers={c for c in job.full_classifiers if c not in partial_classifiers},
    )


def handle_missing(session: ImportSession) -> bool:
    """Apply the missing-items options; return whether there was anything to consider."""
    scope = scope_of(session.job)
    _handle(scope, session.seen_at, session.now, session.adapter, session.adapter_context)
    return bool(scope)


def _handle(
    scope: FullScope,
    seen_at: dt.datetime,
    now: dt.datetime,
    adapter: CatalogAdapter,
    context: AdapterContext,
) -> None:
    options = context.options

    def apply(kind: str, rows: QuerySet[Any], action: MissingAction) -> None:
        _apply(kind, rows, action, seen_at=seen_at, now=now, adapter=adapter, context=context)

    if scope.catalogs:
        apply(
            "products",
            Product.objects.filter(catalog__external_id__any=scope.catalogs),
            options.missing_products,
        )
    if scope.offer_catalogs:
        apply(
            "offers",
            Offer.objects.filter(catalog__external_id__any=scope.offer_catalogs),
            options.missing_products,
        )
    if scope.classifiers:
        apply(
            "groups",
            Group.objects.filter(classifier__external_id__any=scope.classifiers),
            options.missing_groups,
        )


def settle(jobs: QuerySet[ImportJob], *, waiting: Iterable[Path] = ()) -> FullScope:
    """Handle the missing items that the exchange's deferring ``jobs`` left, once.

    ``waiting`` are files of the exchange uploaded and not yet imported: a
    catalog one of them holds in full is left for later (the last file of it
    settles it). Nothing is handled while a file of the exchange has failed
    and was not imported since (the catalog did not come whole). The rest is
    handled for everything the exchange mentioned since its start, with the
    options of its latest job, whose counters and message then tell what was
    deactivated or deleted.
    Returns what was handled.
    """
    with transaction.atomic():
        pending = list(jobs.select_for_update().filter(status=ImportJob.Status.DONE).order_by("pk"))
        pending = [
            job for job in pending if job.state.get(DEFER_MISSING) and not job.state.get(SETTLED)
        ]
        if not pending:
            return FullScope()
        if _failed(jobs):
            return FullScope()
        later = FullScope()
        for path in waiting:
            later.update(full_scope_in(path))
        scope = FullScope()
        for job in pending:
            scope.update(scope_of(job))
        due = scope.without(later)
        latest = pending[-1]
        counters: dict[str, int] = {}

        def count(name: str, amount: int = 1) -> None:
            if amount:
                counters[name] = counters.get(name, 0) + amount

        if due:
            seen_at = min(_seen_since(job) for job in pending)
            options = ImportOptions.from_json(latest.options)
            context = AdapterContext(latest, options, count, partial(_warn_in, latest))
            _handle(due, seen_at, timezone.now(), get_catalog_adapter(), context)
        for job in pending:
            left = scope_of(job).without(due)
            if not left:
                job.state[SETTLED] = True
                ImportJob.objects.filter(pk=job.pk).update(state=job.state)
        if due:
            for name, amount in counters.items():
                latest.counters[name] = latest.counters.get(name, 0) + amount
            fields: dict[str, Any] = {
                "counters": latest.counters,
                "warning_counts": latest.warning_counts,
            }
            if latest.message == messages.IMPORT_DONE:  # a reconciliation's message stays
                fields["message"] = messages.MISSING_DONE
            ImportJob.objects.filter(pk=latest.pk).update(**fields)
            latest.save_warnings()
        return due


def _failed(jobs: QuerySet[ImportJob]) -> bool:
    """Whether a file of the exchange failed and was not imported whole since.

    Then no full catalog of the exchange counts as having come whole (a file
    broken early does not even say which catalog it held): nothing is
    deactivated or deleted for what the exchange did not mention.
    """
    done = set(jobs.filter(status=ImportJob.Status.DONE).values_list("filename", "pk"))
    for filename, pk in jobs.filter(status=ImportJob.Status.FAILED).values_list("filename", "pk"):
        if not any(name == filename and later > pk for name, later in done):
            return True
    return False


def _seen_since(job: ImportJob) -> dt.datetime:
    stamp = job.state.get("seen_since")
    if stamp:
        return dt.datetime.fromisoformat(stamp)
    return job.started or job.created


def full_scope_in(path: Path) -> FullScope:
    """The catalogs and classifiers ``path`` holds in full, read from its headers only.

    Reading stops at the first product or offer (the headers come before
    them). A file broken before that may hold anything (``anything``): its
    import will tell, and until then nothing waits on less. The answer is
    remembered while the file keeps its inode, size and times: each file an
    exchange imports asks again about every file still waiting (a CommerceML
    3.1 exchange has dozens). Do not change the scope returned.
    """
    try:
        stat = path.stat()
    except OSError:
        return _full_scope_in(path)
    key = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return _remembered_scope(str(path.resolve()), key)


@functools.lru_cache(maxsize=1024)
def _remembered_scope(path: str, _stat: tuple[int, int, int, int]) -> FullScope:
    return _full_scope_in(Path(path))


def _full_scope_in(path: Path) -> FullScope:
    found = FullScope()
    classifier = None  # the full classifier being read, until its first group says it lists them
    try:
        for entity in cml.CmlReader(path, name=path.name, check_references=False):
            if isinstance(entity, (cml.Product, cml.Offer)):
                break
            if isinstance(entity, cml.Catalog) and not entity.only_changes:
                found.catalogs.add(entity.id)
            elif isinstance(entity, cml.OfferPackage) and not entity.only_changes:
                found.offer_catalogs.add(_package_catalog(entity))
            elif isinstance(entity, cml.Classifier):
                classifier = None if entity.only_changes else entity.id
            elif isinstance(entity, cml.Group) and classifier is not None:
                found.classifiers.add(classifier)
    except (CmlExchangeError, OSError):
        found.anything = True  # broken before its first item: it may hold any catalog
    return found


def _package_catalog(header: cml.OfferPackage) -> str:
    """The catalog of an offers package, as far as its header tells (see ``package_catalog_id``)."""
    if header.catalog_id:
        return header.catalog_id
    if header.id.endswith("#") and len(header.id) > 1:
        return header.id[:-1]
    return ANY_CATALOG


def _apply(
    kind: str,
    rows: QuerySet[Any],
    action: MissingAction,
    *,
    seen_at: dt.datetime,
    now: dt.datetime,
    adapter: CatalogAdapter,
    context: AdapterContext,
) -> None:
    missing = rows.filter(Q(last_seen_full__lt=seen_at) | Q(last_seen_full__isnull=True))
    if action == MissingAction.DEACTIVATE:
        deactivated = _deactivate(missing.filter(active=True), now, adapter, context)
        context.count(f"{kind}_deactivated", deactivated)
    elif action == MissingAction.DELETE:
        if overrides(adapter, "delete"):
            pks = list(missing.values_list("pk", flat=True))
            for chunk in _chunks(pks):
                adapter.delete(context, rows.model, chunk)
        deleted = missing.count()
        missing.delete()
        context.count(f"{kind}_deleted", deleted)


def _deactivate(
    rows: QuerySet[Any], now: dt.datetime, adapter: CatalogAdapter, context: AdapterContext
) -> int:
    """Make ``rows`` inactive and tell the adapter which; how many."""
    if not overrides(adapter, "deactivate"):
        return rows.update(active=False, updated=now)
    pks = list(rows.values_list("pk", flat=True))
    for chunk in _chunks(pks):
        rows.model.objects.filter(pk__any=chunk).update(active=False, updated=now)
        adapter.deactivate(context, rows.model, chunk)
    return len(pks)


def _chunks(pks: list[int], size: int = 5000) -> Iterable[list[int]]:
    """``pks`` in slices a database takes as one ``IN`` list."""
    for start in range(0, len(pks), size):
        yield pks[start : start + size]


def deactivate_unseen(jobs: QuerySet[ImportJob], *, before: dt.datetime) -> int:
    """1C's ``mode=deactivate``: what the jobs' full catalogs did not mention since ``before``.

    Products and offers of the catalogs, and groups of the classifiers, that
    these jobs received in full and that no full exchange has refreshed since
    ``before`` are deactivated; nothing is deleted. How many of each kind is
    added to the counters of the exchange's latest job (``products_deactivated``…),
    as :func:`settle` counts what it deactivates. Returns how many rows.
    """
    catalogs: set[str] = set()
    offer_catalogs: set[str] = set()
    classifiers: set[str] = set()
    for job in jobs:
        catalogs.update(job.full_catalogs)
        offer_catalogs.update(job.state.get("full_offer_catalogs", []))
        classifiers.update(job.full_classifiers)
    unseen = Q(last_seen_full__lt=before) | Q(last_seen_full__isnull=True)
    latest = jobs.order_by("-pk").first()
    if latest is None:
        return 0
    counters: dict[str, int] = {}
    context = AdapterContext(
        latest,
        ImportOptions.from_json(latest.options),
        lambda name, amount: counters.update({name: counters.get(name, 0) + amount}),
        partial(_warn_in, latest),
    )
    adapter = get_catalog_adapter()
    warnings_before = sum(latest.warning_counts.values())
    total = 0
    for kind, rows in (
        ("products", Product.objects.filter(catalog__external_id__any=catalogs)),
        ("offers", Offer.objects.filter(catalog__external_id__any=offer_catalogs)),
        ("groups", Group.objects.filter(classifier__external_id__any=classifiers)),
    ):
        stale = rows.filter(unseen, active=True)
        deactivated = _deactivate(stale, timezone.now(), adapter, context)
        if deactivated:  # the monitor and cml_status say what 1C's deactivate did
            context.count(f"{kind}_deactivated", deactivated)
        total += deactivated
    warned = sum(latest.warning_counts.values())
    if counters or warned != warnings_before:  # what the adapter said is kept with the job
        for name, amount in counters.items():
            latest.counters[name] = latest.counters.get(name, 0) + amount
        with transaction.atomic():  # the counts and the listed warnings together
            ImportJob.objects.filter(pk=latest.pk).update(
                counters=latest.counters,
                warning_counts=latest.warning_counts,
            )
            latest.save_warnings()
    return total


def _warn_in(job: ImportJob, code: str, message: str, key: str | None) -> None:
    """An adapter's warning outside an import step: kept in ``job`` (saved by the caller)."""
    job.warning_counts[code] = job.warning_counts.get(code, 0) + 1
    if len(job.warnings) < MAX_WARNINGS:
        job.warnings.append({"code": code, "message": message})
