"""What a full exchange did not mention: deactivated or deleted, per the options.

Only within what came in full: products and offers of the catalogs whose
``Каталог``/``ПакетПредложений`` was not "only changes", groups of the
classifiers that came whole. Never the rest of the shop.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cml_exchange.importer.options import MissingAction
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import Group, Offer, Product


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
