"""Seeded mutations of CommerceML files: valid XML, odd CommerceML.

Each mutation changes one thing a third-party exporter or a hand-edited
file gets wrong: an element dropped, doubled, moved inside another, emptied,
or given a value the database cannot hold. The same seed always gives the
same file, so a failure found once is found again.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

from lxml import etree

NS = "urn:1C.ru:commerceml_2"

#: Values that break columns and number types: huge, not numbers, negative, long, empty.
ODD_NUMBERS = ("1e30", "1000000000000000", "NaN", "Infinity", "-5", "0.0000001", "", "12,5", "abc")
ODD_TEXTS = ("", " ", "x" * 300, "Ид" * 200, "<&>", "\u00a0")

Mutation = Callable[[random.Random, etree._Element], str]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _elements(root: etree._Element) -> list[etree._Element]:
    return [
        element for element in root.iter() if isinstance(element.tag, str) and element is not root
    ]


def _leaves(root: etree._Element) -> list[etree._Element]:
    return [element for element in _elements(root) if len(element) == 0]


def drop(rng: random.Random, root: etree._Element) -> str:
    victim = rng.choice(_elements(root))
    victim.getparent().remove(victim)  # type: ignore[union-attr]
    return f"drop {_local(victim)}"


def duplicate(rng: random.Random, root: etree._Element) -> str:
    original = rng.choice(_elements(root))
    parent = original.getparent()
    assert parent is not None
    parent.insert(parent.index(original) + 1, _copy(original))
    return f"duplicate {_local(original)}"


def nest(rng: random.Random, root: etree._Element) -> str:
    """Move an element into another one (a group into a product's groups, a catalog into…)."""
    elements = _elements(root)
    moved = rng.choice(elements)
    targets = [e for e in elements if e is not moved and moved not in e.iterancestors()]
    targets = [e for e in targets if not any(a is moved for a in e.iterancestors())]
    if not targets:
        return "nest nothing"
    target = rng.choice(targets)
    target.append(_copy(moved))
    return f"nest {_local(moved)} into {_local(target)}"


def odd_number(rng: random.Random, root: etree._Element) -> str:
    numeric = [
        e
        for e in _leaves(root)
        if (e.text or "").strip().replace(".", "", 1).replace("-", "", 1).isdigit()
    ]
    if not numeric:
        return "no number"
    target = rng.choice(numeric)
    target.text = rng.choice(ODD_NUMBERS)
    return f"number {_local(target)}={target.text!r}"


def odd_attribute(rng: random.Random, root: etree._Element) -> str:
    holders = [e for e in _elements(root) if e.attrib]
    if not holders:
        return "no attribute"
    target = rng.choice(holders)
    key = rng.choice(sorted(target.attrib))
    target.attrib[key] = rng.choice(ODD_NUMBERS + ODD_TEXTS)
    return f"attribute {_local(target)}@{key}"


def odd_text(rng: random.Random, root: etree._Element) -> str:
    target = rng.choice(_leaves(root))
    target.text = rng.choice(ODD_TEXTS)
    return f"text {_local(target)}"


def same_ids(rng: random.Random, root: etree._Element) -> str:
    """Give two elements of one kind the same Ид (duplicates, and cycles among groups)."""
    ids = [e for e in _elements(root) if _local(e) == "Ид" and e.text]
    if len(ids) < 2:
        return "no ids"
    first, second = rng.sample(ids, 2)
    second.text = first.text
    return f"same id {first.text!r}"


def group_cycle(rng: random.Random, root: etree._Element) -> str:
    """A group that contains a group with its own Ид."""
    groups = [e for e in _elements(root) if _local(e) == "Группа" and _id(e)]
    if not groups:
        return "no groups"
    outer = rng.choice(groups)
    inner = etree.SubElement(outer, f"{{{NS}}}Группы")
    copy = etree.SubElement(inner, f"{{{NS}}}Группа")
    etree.SubElement(copy, f"{{{NS}}}Ид").text = _id(outer)
    etree.SubElement(copy, f"{{{NS}}}Наименование").text = "Цикл"
    return f"cycle {_id(outer)!r}"


def _id(element: etree._Element) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and _local(child) == "Ид":
            return child.text
    return None


def _copy(element: etree._Element) -> etree._Element:
    copied = copy.deepcopy(element)
    copied.tail = None
    return copied


MUTATIONS: tuple[Mutation, ...] = (
    drop,
    duplicate,
    nest,
    odd_number,
    odd_number,
    odd_attribute,
    odd_text,
    same_ids,
    group_cycle,
)


def mutate(data: bytes, rng: random.Random, count: int) -> tuple[bytes, list[str]]:
    """``data`` with ``count`` seeded mutations, and what they were."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(data, parser)
    done = [rng.choice(MUTATIONS)(rng, root) for _ in range(count)]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), done
