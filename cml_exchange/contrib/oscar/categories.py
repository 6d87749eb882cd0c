"""Groups → Oscar's category tree (treebeard's materialised path).

Treebeard places one node at a time (``add_root``, ``add_child``, ``move``),
so categories are written one by one: groups are few (hundreds where
products are tens of thousands). Everything else is read once per call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.db import fit
from cml_exchange.contrib.oscar.models import CategoryLink
from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.models import Group

Category: Any = get_model("catalogue", "Category")


def save_groups(context: AdapterContext, groups: Sequence[Group]) -> None:
    """Make or update the category of each group, under its parent's; move it when it moved.

    A group whose parent (or an ancestor) has no category yet, say one
    imported before the adapter was installed, gets its ancestors' first.
    """
    if not groups:
        return
    todo = _with_missing_ancestors(groups)
    links = dict(
        CategoryLink.objects.filter(group_id__in=[g.pk for g in todo]).values_list(
            "group_id", "category_id"
        )
    )
    categories = Category.objects.in_bulk(list(links.values()))
    by_group = {
        pk: categories[category] for pk, category in links.items() if category in categories
    }
    created = moved = updated = 0
    visibility_changed = False
    new_links = []
    for group in todo:
        parent = by_group.get(group.parent_id) if group.parent_id else None
        category = by_group.get(group.pk)
        name = fit(context, group.name, 255, "Название группы")
        if category is None:
            category = _add(parent, Category(name=name, slug=group.slug, is_public=group.active))
            by_group[group.pk] = category
            new_links.append(CategoryLink(group_id=group.pk, category_id=category.pk))
            created += 1
            continue
        if _parent_path(category) != (parent.path if parent is not None else None):
            _move(category, parent)
            moved += 1
            # A move rewrites the paths below and beside: read the tree anew.
            fresh = Category.objects.in_bulk([c.pk for c in by_group.values()])
            by_group = {pk: fresh[c.pk] for pk, c in by_group.items() if c.pk in fresh}
            category = by_group[group.pk]
        changes = {
            "name": name,
            "slug": group.slug,
            "is_public": group.active,
        }
        if any(getattr(category, name) != value for name, value in changes.items()):
            visibility_changed |= category.is_public != group.active
            Category.objects.filter(pk=category.pk).update(**changes)
            for name, value in changes.items():
                setattr(category, name, value)
            updated += 1
    CategoryLink.objects.bulk_create(new_links)
    if visibility_changed or moved:
        refresh_ancestors_are_public()
    context.count("oscar_categories_created", created)
    context.count("oscar_categories_updated", updated)
    context.count("oscar_categories_moved", moved)


def _with_missing_ancestors(groups: Sequence[Group]) -> list[Group]:
    """``groups`` and the ancestors of theirs that have no category, parents first."""
    given = {g.pk: g for g in groups}
    ancestors = {
        int(part)
        for g in groups
        for part in g.path.strip("/").split("/")[:-1]
        if part.isdigit() and int(part) not in given
    }
    if ancestors:
        unlinked = Group.objects.filter(pk__in=ancestors, oscar_link__isnull=True)
        for group in unlinked.select_related("parent"):
            given[group.pk] = group
    return sorted(given.values(), key=lambda g: (g.depth, g.position, g.pk))


def _parent_path(category: Any) -> str | None:
    if category.depth <= 1:
        return None
    return str(category.path[: -Category.steplen])


# Treebeard 7 moved the tree's methods to the manager; Oscar allows treebeard 4.7 and up.
_MANAGER_API = hasattr(Category.objects, "add_root")


def _add(parent: Any | None, node: Any) -> Any:
    if _MANAGER_API:
        if parent is None:
            return Category.objects.add_root(instance=node)
        return Category.objects.add_child(parent, instance=node)
    return Category.add_root(instance=node) if parent is None else parent.add_child(instance=node)


def _move(category: Any, parent: Any | None) -> None:
    manager = Category.objects if _MANAGER_API else Category
    target, pos = (
        (parent, "last-child") if parent else (manager.get_last_root_node(), "last-sibling")
    )
    if _MANAGER_API:
        Category.objects.move(category, target, pos)
    else:
        category.move(target, pos)


def hide_groups(context: AdapterContext, group_pks: Sequence[int]) -> None:
    """The categories of ``group_pks`` stop being public."""
    hidden = Category.objects.filter(cml_link__group_id__in=group_pks, is_public=True).update(
        is_public=False
    )
    if hidden:
        refresh_ancestors_are_public()
    context.count("oscar_categories_hidden", hidden)


def delete_groups(context: AdapterContext, group_pks: Sequence[int]) -> None:
    """Delete the categories of ``group_pks``; categories below them that stay become roots.

    The app's groups below a deleted one lose their parent and become
    top-level groups: their categories do the same, instead of going with
    treebeard's subtree delete.
    """
    doomed = set(
        CategoryLink.objects.filter(group_id__in=group_pks).values_list("category_id", flat=True)
    )
    if not doomed:
        return
    tops = list(Category.objects.filter(pk__in=doomed))
    survivors = _descendants(tops).exclude(pk__in=doomed)
    for category in survivors.order_by("depth", "path"):
        if _parent_path(category) is None:
            continue
        category.refresh_from_db()
        parents = Category.objects.filter(path=_parent_path(category)).values_list("pk", flat=True)
        if set(parents) & doomed:
            _move(category, None)
    deleted = Category.objects.filter(pk__in=doomed).count()
    Category.objects.filter(pk__in=doomed).delete()
    context.count("oscar_categories_deleted", deleted)


def _descendants(categories: Iterable[Any]) -> Any:
    below = Q(pk__in=[])
    for category in categories:
        below |= Q(path__startswith=category.path, depth__gt=category.depth)
    return Category.objects.filter(below)


def refresh_ancestors_are_public() -> None:
    """Oscar's ``ancestors_are_public`` for the whole tree, in one statement.

    Oscar keeps it per saved category (a ``post_save`` receiver); queryset
    updates bypass that, so it is recomputed here as Oscar does.
    """
    hidden_above = Category.objects.filter(
        is_public=False, path__rstartswith=OuterRef("path"), depth__lt=OuterRef("depth")
    )
    Category.objects.update(ancestors_are_public=~Exists(hidden_above.values("id")))
