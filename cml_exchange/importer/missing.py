"""What a full exchange did not mention: deactivated or deleted, per the options.

Only within what came in full: products and offers of the catalogs whose
``Каталог``/``ПакетПредложений`` was not "only changes", groups of the
classifiers that came whole. Never the rest of the shop.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cml_exchange.importer.options import MissingAction
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import Group, ImportJob, Offer, Product


def handle_missing(session: ImportSession) -> bool:
    """Apply the missing-items options; return whether there was anything to consider."""
    job = session.job
    partial_classifiers = {
        info.get("classifier")
        for info in job.state.get("catalogs", {}).values()
        if not info.get("full")
    }
    full_classifiers = [c for c in job.full_classifiers if c not in partial_classifiers]
    full_offer_catalogs = job.state.get("full_offer_catalogs", [])
    options = session.options
    if job.full_catalogs:
        _apply(
            session,
            "products",
            Product.objects.filter(catalog__external_id__in=job.full_catalogs),
            options.missing_products,
        )
    if full_offer_catalogs:
        _apply(
            session,
            "offers",
            Offer.objects.filter(catalog__external_id__in=full_offer_catalogs),
            options.missing_products,
        )
    if full_classifiers:
        _apply(
            session,
            "groups",
            Group.objects.filter(classifier__external_id__in=full_classifiers),
            options.missing_groups,
        )
    return bool(job.full_catalogs or full_offer_catalogs or full_classifiers)


def _apply(session: ImportSession, kind: str, rows: QuerySet[Any], action: MissingAction) -> None:
    missing = rows.filter(Q(last_seen_full__lt=session.seen_at) | Q(last_seen_full__isnull=True))
    if action == MissingAction.DEACTIVATE:
        session.count(
            f"{kind}_deactivated",
            missing.filter(active=True).update(active=False, updated=session.now),
        )
    elif action == MissingAction.DELETE:
        count = missing.count()
        missing.delete()
        session.count(f"{kind}_deleted", count)


def deactivate_unseen(jobs: QuerySet[ImportJob], *, before: dt.datetime) -> int:
    """1C's ``mode=deactivate``: what the jobs' full catalogs did not mention since ``before``.

    Products and offers of the catalogs, and groups of the classifiers, that
    these jobs received in full and that no full exchange has refreshed since
    ``before`` are deactivated; nothing is deleted. Returns how many rows.
    """
    catalogs: set[str] = set()
    offer_catalogs: set[str] = set()
    classifiers: set[str] = set()
    for job in jobs:
        catalogs.update(job.full_catalogs)
        offer_catalogs.update(job.state.get("full_offer_catalogs", []))
        classifiers.update(job.full_classifiers)
    unseen = Q(last_seen_full__lt=before) | Q(last_seen_full__isnull=True)
    total = 0
    for rows in (
        Product.objects.filter(catalog__external_id__in=catalogs),
        Offer.objects.filter(catalog__external_id__in=offer_catalogs),
        Group.objects.filter(classifier__external_id__in=classifiers),
    ):
        total += rows.filter(unseen, active=True).update(active=False, updated=timezone.now())
    return total
