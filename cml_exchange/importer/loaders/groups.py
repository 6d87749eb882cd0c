"""The group tree: groups of a classifier, their parents, slugs and moved subtrees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer import queries, sql
from cml_exchange.importer.loaders import pending
from cml_exchange.importer.loaders.adapting import tell_groups
from cml_exchange.importer.loaders.classifier import by_classifier
from cml_exchange.importer.loaders.common import save_with_slugs, slugs_wanted, upsert
from cml_exchange.importer.root_group import without_root
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import Group


def load_groups(session: ImportSession, items: Sequence[tuple[cml.Group, Scope]]) -> None:
    """Upsert groups (parents always come before children) and keep their tree paths right."""
    for classifier, batch in by_classifier(session, items).items():
        _load_groups_of(session, classifier, batch)


def _load_groups_of(
    session: ImportSession, classifier: int, batch: list[tuple[cml.Group, Scope]]
) -> None:
    _mark_full(session, batch)
    batch = without_root(session, classifier, batch)
    if not batch:
        return
    occurrences = [group for group, _ in batch]
    # A group whose Ид comes twice is one row: the last occurrence's data, the first's turn.
    groups = list({g.id: g for g in occurrences}.values())
    existing = {
        row["external_id"]: row
        for row in queries.values(
            Group,
            ["external_id", "pk", "slug", "name", "path"],
            classifier_id=classifier,
            external_id__any=[g.id for g in groups],
        )
    }
    saved: dict[str, Group] = {}

    def save(slugs: dict[str, str]) -> None:
        rows = [
            Group(
                classifier_id=classifier,
                external_id=g.id,
                name=g.name or g.id,
                slug=slugs.get(g.id) or existing[g.id]["slug"],
                position=g.position,
                version=g.version or "",
                deleted=g.deleted,
                active=not g.deleted,
                updated=session.now,
            )
            for g in groups
        ]
        written = upsert(
            Group,
            rows,
            unique_fields=["classifier", "external_id"],
            update_fields=["name", "slug", "position", "version", "deleted", "active", "updated"],
        )
        saved.clear()
        saved.update((row.external_id, row) for row in written)

    save_with_slugs(
        Group,
        slugs_wanted(
            ((x.id, x.name) for x in groups), existing, session.options, id_prefix="group"
        ),
        save,
        scope={"classifier_id": classifier},
        replace_char=session.options.slug_replace_char,
    )
    session.count("groups", len(occurrences))
    session.forget(Group)
    _set_parents(session, classifier, occurrences, saved, existing)
    seen = [saved[g.id].pk for g, scope in batch if scope.full]
    if seen:
        Group.objects.filter(pk__any=seen).update(last_seen_full=session.seen_at)
    tell_groups(session, [row.pk for row in saved.values()])
    pending.resolve_groups(session, {xid: row.pk for xid, row in saved.items()})


def _mark_full(session: ImportSession, batch: list[tuple[cml.Group, Scope]]) -> None:
    """A full classifier that lists groups has all its groups in the exchange.

    One without ``Группы`` (the ``Классификатор`` of an offers file, which
    only names it) says nothing about the groups: what it does not list is
    not missing.
    """
    full = session.job.full_classifiers
    for classifier in {scope.classifier for _group, scope in batch if scope.full}:
        if classifier and classifier not in full:
            full.append(classifier)


def _set_parents(
    session: ImportSession,
    classifier: int,
    occurrences: list[cml.Group],
    saved: dict[str, Group],
    existing: Mapping[str, Mapping[str, Any]],
) -> None:
    """Put each group under its parent, and give it and the stored groups under it their paths.

    The occurrences are placed one at a time, in the file's order, each
    under its parent as the tree stands at that moment (so the batches of a
    file give what the whole file in one batch gives). A group is never put
    inside itself: an occurrence whose parent is the group or lies inside it
    (its Ид repeated in its own subtree) is a ``group_cycle`` warning, and
    the group stays where it was. Paths are ``/root pk/…/own pk/``; stored
    groups below a group that moved get theirs (and their depths) anew.
    """
    outside = {g.parent_id for g in occurrences if g.parent_id and g.parent_id not in saved}
    parents = {
        row["external_id"]: row
        for row in queries.values(
            Group, ["external_id", "pk", "path"], classifier_id=classifier, external_id__any=outside
        )
    }
    tree = _Tree()
    for stored in [*existing.values(), *parents.values()]:
        tree.learn(str(stored["path"]))
    for g in occurrences:
        pk = saved[g.id].pk
        parent: int | None = None
        if g.parent_id and g.parent_id in saved:
            parent = saved[g.parent_id].pk
        elif g.parent_id and g.parent_id in parents:
            parent = parents[g.parent_id]["pk"]
        elif g.parent_id:
            session.warn(
                "unknown_group",
                f"Группа {g.id} вложена в необъявленную группу {g.parent_id}.",
                key=g.parent_id,
            )
        if parent is not None and pk in tree.chain(parent):
            session.warn(
                "group_cycle",
                f"Группа {g.id} вложена сама в себя; вложение пропущено, группа оставлена "
                "на прежнем месте."
                if g.parent_id == g.id
                else f"Группа {g.id} не перенесена в группу {g.parent_id}: та находится "
                f"внутри группы {g.id}. Группа оставлена на прежнем месте.",
                key=g.id,
            )
            tree.keep(pk)
        else:
            tree.place(pk, parent)

    rows = list(saved.values())
    for row in rows:
        tree.apply(row)
    # The upsert leaves a stored group's place alone; its parent and depth follow its path.
    placed = [
        row
        for row in rows
        if row.external_id not in existing or existing[row.external_id]["path"] != row.path
    ]
    sql.update_rows(
        Group,
        [
            {"pk": row.pk, "parent_id": row.parent_id, "path": row.path, "depth": row.depth}
            for row in placed
        ],
        ["parent", "path", "depth"],
    )
    moved = [
        str(existing[row.external_id]["path"])
        for row in rows
        if row.external_id in existing and existing[row.external_id]["path"] != row.path
    ]
    _move_subtrees(classifier, moved, tree)


class _Tree:
    """A classifier's tree as a batch reshapes it: the batch's placements over the stored paths.

    Only the stored paths :meth:`learn` was given are known; they are enough
    for the groups of the batch, their parents and what lies above them.
    """

    def __init__(self) -> None:
        self.stored: dict[int, int | None] = {}
        self.placed: dict[int, int | None] = {}

    def learn(self, path: str) -> None:
        """Note the stored parents along ``path`` (``/1/5/9/``)."""
        parent: int | None = None
        for part in path.strip("/").split("/"):
            if not part.isdigit():
                return
            self.stored.setdefault(int(part), parent)
            parent = int(part)

    def place(self, pk: int, parent: int | None) -> None:
        self.placed[pk] = parent

    def keep(self, pk: int) -> None:
        """Leave ``pk`` where it is: where the batch put it, where it was stored, or at the top."""
        if pk not in self.placed:
            self.placed[pk] = self.stored.get(pk)

    def chain(self, pk: int) -> list[int]:
        """``pk`` and the groups above it, from the top down.

        A loop in the stored paths (left by an old version) ends the chain
        where it closes.
        """
        chain: list[int] = []
        node: int | None = pk
        while node is not None and node not in chain:
            chain.append(node)
            node = self.placed[node] if node in self.placed else self.stored.get(node)
        return chain[::-1]

    def apply(self, row: Group) -> None:
        """Set ``row``'s parent, path and depth from the tree."""
        chain = self.chain(row.pk)
        row.parent_id = chain[-2] if len(chain) > 1 else None
        row.path = "/" + "".join(f"{pk}/" for pk in chain)
        row.depth = len(chain) - 1


def _move_subtrees(classifier: int, old_paths: list[str], tree: _Tree) -> None:
    """Rewrite the paths and depths of the stored groups below the groups that moved."""
    tops: list[str] = []
    for path in sorted(old_paths, key=len):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    below: dict[int, Group] = {}
    for top in tops:
        for row in Group.objects.filter(classifier_id=classifier, path__startswith=top).only(
            "pk", "path", "depth", "parent"
        ):
            if row.pk not in tree.placed:
                below[row.pk] = row
                tree.learn(row.path)
    changed = []
    for row in below.values():
        before = (row.parent_id, row.path, row.depth)
        tree.apply(row)
        if (row.parent_id, row.path, row.depth) != before:
            changed.append(row)
    Group.objects.bulk_update(changed, ["parent", "path", "depth"], batch_size=500)
