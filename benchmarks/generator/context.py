"""The state one run shares across its passes, built once from the seed.

:class:`Context` holds what is small: the GUID node and the generation time,
the owner, the classifier (about N/50 groups and 30 properties), the price
types, the warehouses and the running counts that become the manifest. The
products themselves are never held (see :mod:`benchmarks.generator.products`).
:func:`build_context` draws from ``random.Random(seed)`` in a fixed order, so
the same seed and product count give the same context.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.generator.ids import guid
from benchmarks.generator.manifest import COUNT_KEYS
from benchmarks.generator.vocabulary import (
    AXES,
    BRANDS,
    DEPARTMENTS,
    MODEL_LETTERS,
    PRICE_TYPES,
    PROPERTY_SPECS,
    SECTIONS,
    WAREHOUSES,
)

#: The namespace each supported schema version is written with.
NAMESPACES = {
    "2.07": "urn:1C.ru:commerceml_2",
    "2.08": "urn:1C.ru:commerceml_210",
    "3.1": "urn:1C.ru:commerceml_3",
}


@dataclass(slots=True)
class Group:
    """A classifier group; ``children`` empty for a leaf (products go to leaves only)."""

    id: str
    name: str
    children: list[Group] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Property:
    """A classifier property; ``options`` are ``(id, value)`` for Справочник, else empty."""

    id: str
    name: str
    value_type: str
    options: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Context:
    """What every pass of a run shares; ``counts`` (keyed by ``COUNT_KEYS``) grows as it writes."""

    seed: int
    schema: str
    namespace: str
    generated_at: dt.datetime
    node: str
    classifier_id: str
    owner: tuple[str, str, str, str]  # id, name, INN, KPP
    code_prefix: str
    groups: list[Group]
    leaf_ids: list[str]
    properties: list[Property]
    axis_ids: dict[str, str]
    price_types: list[tuple[str, str, int]]  # id, name, percent of retail
    warehouses: list[tuple[str, str, str]]  # id, name, address
    counts: dict[str, int]


def _numbered(names: Sequence[str], position: int) -> str:
    """``names[position]``, with a number appended once the list is used up."""
    base = names[position % len(names)]
    cycle = position // len(names)
    return f"{base} {cycle + 1}" if cycle else base


def build_context(seed: int, schema: str, products: int) -> Context:
    """The context of a run; ``schema`` must be a key of :data:`NAMESPACES`.

    ``products`` only sets the number of groups (``products / 50``, at least
    one). Every count starts at zero.
    """
    rng = random.Random(seed)
    node = f"{rng.getrandbits(48):012x}"
    generated_at = dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(365 * 86400))
    classifier_id = guid(rng, node)
    owner = (
        guid(rng, node),
        f"ООО «{rng.choice(BRANDS)}-Трейд»",
        f"77{rng.randrange(10**8):08d}",
        f"77{rng.randrange(10**2):02d}01001",
    )
    code_prefix = rng.choice(("ЦБ", "УТ", "НФ", "00"))

    groups, leaf_ids = _build_groups(rng, node, max(1, round(products / 50)))

    properties = []
    for name, value_type, values in PROPERTY_SPECS:
        property_id = guid(rng, node)
        options = tuple((guid(rng, node), value) for value in values)
        properties.append(Property(property_id, name, value_type, options))

    axis_ids: dict[str, str] = {}
    for axis_name, _values in AXES.values():
        if axis_name not in axis_ids:
            axis_ids[axis_name] = guid(rng, node)

    price_types = [(guid(rng, node), name, percent) for name, percent in PRICE_TYPES]
    warehouses = [(guid(rng, node), name, address) for name, address in WAREHOUSES]

    return Context(
        seed=seed,
        schema=schema,
        namespace=NAMESPACES[schema],
        generated_at=generated_at,
        node=node,
        classifier_id=classifier_id,
        owner=owner,
        code_prefix=code_prefix,
        groups=groups,
        leaf_ids=leaf_ids,
        properties=properties,
        axis_ids=axis_ids,
        price_types=price_types,
        warehouses=warehouses,
        counts=dict.fromkeys(COUNT_KEYS, 0),
    )


def _build_groups(rng: random.Random, node: str, total: int) -> tuple[list[Group], list[str]]:
    """A tree of ``total`` groups, three levels deep once there are enough of them.

    About ``1.5 * total ** (1/3)`` top-level departments; of the rest, a quarter
    are sections under random departments and the others subsections under
    random sections. Returns the top level and the ids of the leaves.
    """
    top_count = max(1, min(total, round(total ** (1 / 3) * 1.5)))
    rest = total - top_count
    second_count = min(rest, -(-rest // 4))
    third_count = rest - second_count

    top = [Group(guid(rng, node), _numbered(DEPARTMENTS, i)) for i in range(top_count)]
    second: list[Group] = []
    for i in range(second_count):
        group = Group(guid(rng, node), _numbered(SECTIONS, i))
        rng.choice(top).children.append(group)
        second.append(group)
    for _ in range(third_count):
        parent = rng.choice(second)
        name = f"{rng.choice(BRANDS)} {rng.choice(MODEL_LETTERS)}{rng.randrange(1, 100)}"
        parent.children.append(Group(guid(rng, node), f"Серия {name}"))

    leaves: list[str] = []

    def walk(groups: list[Group]) -> None:
        for group in groups:
            if group.children:
                walk(group.children)
            else:
                leaves.append(group.id)

    walk(top)
    return top, leaves
