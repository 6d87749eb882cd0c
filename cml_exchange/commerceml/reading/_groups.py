"""The classifier's group tree as the reader walks it: each group's parent, position, depth.

A ``Группа`` of the tree stands in the classifier's ``Группы`` or in the
``Группы`` of another group; anywhere else (in a product's ``Группы``, say)
it is refused. Groups are yielded parents first: a group as soon as its own
fields are read (at its subgroups' ``Группы``, or at its end), so the tree
keeps the groups open around the element being read.
"""

from __future__ import annotations

from dataclasses import dataclass

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Group
from cml_exchange.commerceml.reading._structure import misplaced_group
from cml_exchange.commerceml.reading._xml import Element


@dataclass(slots=True)
class GroupFrame:
    """A classifier group being read; ``level`` is its element's index in the reader's stack."""

    group: Group
    level: int
    emitted: bool = False
    child_count: int = 0


class GroupTree:
    """The groups open around the element being read, the innermost last."""

    def __init__(self) -> None:
        self._open: list[GroupFrame] = []
        self._top_groups = 0

    def open(self, element: Element, owner: str, level: int, file: str) -> None:
        """A ``Группа`` starts at ``level`` in a ``Группы`` of ``owner``; refused outside the tree.

        Its ``Group`` gets its position among its siblings, its depth, and its
        parent's id (read by then: a group's fields precede its subgroups).
        """
        groups = self._open
        parent: GroupFrame | None
        if owner == T.CLASSIFIER:
            parent = None
        elif owner == T.GROUP and groups and groups[-1].level == level - 2:
            parent = groups[-1]
        else:
            raise misplaced_group(element, file)
        if parent is None:
            position, self._top_groups = self._top_groups, self._top_groups + 1
        else:
            position = parent.child_count
            parent.child_count += 1
        group = Group(
            id="",
            parent_id=(parent.group.id or None) if parent else None,
            position=position,
            depth=len(groups),
        )
        groups.append(GroupFrame(group, level=level))

    def innermost_at(self, level: int) -> GroupFrame | None:
        """The innermost open group, if its element is at ``level`` of the reader's stack."""
        groups = self._open
        return groups[-1] if groups and groups[-1].level == level else None

    def close_at(self, level: int) -> GroupFrame | None:
        """Close and return the innermost open group, if its element is at ``level``."""
        frame = self.innermost_at(level)
        if frame is not None:
            self._open.pop()
        return frame
