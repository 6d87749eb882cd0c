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
from dataclasses import dataclass, field, fields

from benchmarks.generator.ids import guid
from benchmarks.generator.manifest import COUNT_KEYS
from benchmarks.generator.vocabulary import (
    AXES,
    BRANDS,
    DEPARTMENTS,
    KINDS,
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


#: The text encodings a 2.x file may be written in, and what its declaration says for each.
ENCODINGS = {"utf-8": "UTF-8", "cp1251": "windows-1251"}
#: What happens to the pictures products reference: written under ``import_files/``,
#: referenced but not written (1C sent the XML without the files), or not referenced at all.
PICTURES = ("present", "missing", "none")
#: How many kinds of product have axes (only those can have characteristic offers).
_KINDS_WITH_AXES = sum(1 for kind in KINDS if kind.axes)

#: The most property values one product can have (the classifier declares 30 properties).
MAX_PROPERTY_VALUES = 30


@dataclass(frozen=True, slots=True)
class Options:
    """The catalog's shape; the defaults give the generator's original output, byte for byte.

    ``property_values``: how many property values each product has (0 to
    :data:`MAX_PROPERTY_VALUES`; ``None``: 2–5, drawn per product).
    ``characteristics``: the share of products with characteristic offers
    (0 to 0.6). ``pictures``: one of :data:`PICTURES`. ``namespace``: whether
    the root declares the schema's namespace (without it, as УТ 10.3 and
    МойСклад write). ``encoding``: a key of :data:`ENCODINGS` (the BOM only
    with UTF-8). ``warehouses``: how many warehouses are declared and stocked
    (1 to 3).
    """

    property_values: int | None = None
    characteristics: float = 0.2
    pictures: str = "present"
    namespace: bool = True
    encoding: str = "utf-8"
    warehouses: int = 3

    def check(self) -> None:
        """Raise ``ValueError`` for an option out of its range."""
        if self.property_values is not None and not (
            0 <= self.property_values <= MAX_PROPERTY_VALUES
        ):
            raise ValueError(f"property_values must be 0 to {MAX_PROPERTY_VALUES}")
        if not 0 <= self.characteristics <= 0.6:
            raise ValueError("characteristics must be a share from 0 to 0.6")
        if self.pictures not in PICTURES:
            raise ValueError(f"pictures must be one of {', '.join(PICTURES)}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
        if not 1 <= self.warehouses <= len(WAREHOUSES):
            raise ValueError(f"warehouses must be 1 to {len(WAREHOUSES)}")

    def changed(self) -> dict[str, object]:
        """The options that differ from the defaults, by name (what the manifest records)."""
        default = Options()
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if getattr(self, item.name) != getattr(default, item.name)
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
    options: Options = field(default_factory=Options)

    @property
    def variant_chance(self) -> float:
        """The chance that a product with axes gets characteristic offers.

        Chosen so that ``options.characteristics`` of all products do (about 20% by default).
        """
        return self.options.characteristics * len(KINDS) / _KINDS_WITH_AXES


def _numbered(names: Sequence[str], position: int) -> str:
    """``names[position]``, with a number appended once the list is used up."""
    base = names[position % len(names)]
    cycle = position // len(names)
    return f"{base} {cycle + 1}" if cycle else base


def build_context(seed: int, schema: str, products: int, options: Options | None = None) -> Context:
    """The context of a run; ``schema`` must be a key of :data:`NAMESPACES`.

    ``products`` only sets the number of groups (``products / 50``, at least
    one). Every count starts at zero. ``options.warehouses`` keeps the first
    warehouses (all are drawn, so the other ids stay the same).
    """
    options = options or Options()
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
        choices = tuple((guid(rng, node), value) for value in values)
        properties.append(Property(property_id, name, value_type, choices))

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
        warehouses=warehouses[: options.warehouses],
        counts=dict.fromkeys(COUNT_KEYS, 0),
        options=options,
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
