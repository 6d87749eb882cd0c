"""The scope of what follows a container header: its classifier, catalog, and whether full."""

from __future__ import annotations

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer.loaders.classifier import package_catalog_id
from cml_exchange.importer.session import ImportSession, Scope


def scope_after(session: ImportSession, header: cml.Entity, scope: Scope) -> Scope:
    """The scope of what follows ``header`` (``scope``: the one before it).

    A catalog's header and a full offers package are noted in the job's state
    (``catalogs``, ``full_offer_catalogs``), for the missing items at the end.
    """
    state = session.job.state
    if isinstance(header, cml.Classifier):
        return Scope(classifier=header.id, catalog=scope.catalog, full=not header.only_changes)
    if isinstance(header, cml.Catalog):
        catalogs = state.setdefault("catalogs", {})
        catalogs[header.id] = {
            "full": not header.only_changes,
            "classifier": header.classifier_id,
        }
        return Scope(
            classifier=header.classifier_id or scope.classifier,
            catalog=header.id,
            full=not header.only_changes,
        )
    if not isinstance(header, cml.OfferPackage):
        return scope
    catalog = package_catalog_id(session, header)
    if not header.only_changes:
        full = state.setdefault("full_offer_catalogs", [])
        if catalog not in full:
            full.append(catalog)
    return Scope(
        classifier=header.classifier_id or scope.classifier,
        catalog=catalog,
        full=not header.only_changes,
    )
