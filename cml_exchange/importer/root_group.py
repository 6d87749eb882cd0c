"""Leaving out a classifier's only top-level group (Bitrix's SKIP_ROOT_SECTION).

Some 1C configurations put every group under one root ("Товары"). With the
option ``skip_root_group`` on, that group is not imported: its subgroups
become top-level groups, and products that name the root itself are left
without it.

Whether the top level holds one group is known only at the end of the
classifier's ``Группы``, while groups are imported in batches as they are
read. So the scan stage finds out first (:func:`lone_roots`, a pass that
stops where the groups end) and keeps the answer in the job's state, where
every later step of the file finds it, in any process. The classifier keeps
the id of the group left out (``Classifier.skipped_root``), so that products
naming it in later files, or in later exchanges, drop it without a warning.

A classifier with only changes (split packages send theirs so) may hold only
the branches that changed; its one top-level group is taken for the root
unless the classifier already has another top-level group.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cml_exchange.commerceml import entities as cml
from cml_exchange.commerceml.reading.reader import CmlReader
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import Classifier, Group

#: The job state's key: ``{classifier id: its only top-level group}`` of the file being read.
STATE_KEY = "lone_roots"
_CACHE = "skipped-roots"
_PAST_THE_CLASSIFIER = (cml.Catalog, cml.OfferPackage, cml.Product, cml.Offer, cml.Document)


def lone_roots(path: Path, name: str) -> dict[str, str]:
    """``{classifier id: group id}`` for each classifier in the file whose top level is one group.

    Reads only up to the end of the groups (a classifier declares them first,
    before its properties, and they come all together), or to the catalog.
    """
    tops: dict[str, list[str]] = {}
    classifier = ""
    for entity in CmlReader(path, name=name, check_references=False):
        if isinstance(entity, cml.Classifier):
            classifier = entity.id
        elif isinstance(entity, cml.Group):
            if entity.depth == 0:
                tops.setdefault(classifier, []).append(entity.id)
        elif tops or isinstance(entity, _PAST_THE_CLASSIFIER):
            break
    return {classifier: ids[0] for classifier, ids in tops.items() if len(ids) == 1}


def skipped_roots(session: ImportSession) -> dict[str, int]:
    """``{group id: classifier pk}`` of the root groups left out, in every classifier."""
    cache = session.cache(_CACHE)
    if not cache:
        cache[""] = 0  # looked up; the empty id is never a group's
        cache.update(Classifier.objects.exclude(skipped_root="").values_list("skipped_root", "pk"))
    return cache


def without_root(
    session: ImportSession, classifier: int, batch: list[tuple[cml.Group, Scope]]
) -> list[tuple[cml.Group, Scope]]:
    """A batch of one classifier's groups as the option wants it imported.

    The only top-level group found by the scan is left out, and its subgroups
    lose their parent. A root group imported again (the option turned off,
    or the classifier now has several top-level groups) is no longer left out.
    """
    external_id = batch[0][1].classifier or ""
    lone = session.job.state.get(STATE_KEY, {}).get(external_id, "")
    before = next((g for g, pk in skipped_roots(session).items() if pk == classifier), "")
    full = any(scope.full for _, scope in batch)
    root = lone if lone and (full or _still_lone(classifier, lone, before)) else ""
    if not root and not any(group.id == before for group, _ in batch):
        return batch
    if root != before:
        Classifier.objects.filter(pk=classifier).update(skipped_root=root)
        session.forget(_CACHE)
    if not root:
        return batch
    kept = []
    for group, scope in batch:
        if group.id == root:
            session.count("groups_skipped")
        elif group.parent_id == root:
            kept.append((dataclasses.replace(group, parent_id=None), scope))
        else:
            kept.append((group, scope))
    return kept


def _still_lone(classifier: int, lone: str, before: str) -> bool:
    """Whether a classifier with only changes, whose top level holds ``lone``, has no other.

    Such a classifier may hold only the branches that changed, so its one
    top-level group says nothing of the others: ``lone`` is the root if it
    was before, or if the classifier has no other top-level group stored.
    """
    if before:
        return lone == before
    return not (
        Group.objects.filter(classifier_id=classifier, parent__isnull=True)
        .exclude(external_id=lone)
        .exists()
    )
