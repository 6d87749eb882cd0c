"""A product's identity, rebuilt from ``(seed, index)`` by every pass that needs it.

The import, offers and orders passes each call :func:`build_sku` instead of
keeping the catalog in memory. It draws from the product's own stream
(:data:`benchmarks.generator.ids.STREAM_SKU`) in the same order every time, so
all passes agree on a product's id, name, price and characteristic offers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from benchmarks.generator.context import Context
from benchmarks.generator.ids import STREAM_SKU, guid, product_guid, stream_rng
from benchmarks.generator.vocabulary import AXES, BRANDS, KINDS, MODEL_LETTERS, Kind


@dataclass(frozen=True, slots=True)
class Variant:
    """One characteristic offer of a product (its ``Ид`` after the ``#``)."""

    id: str
    suffix: str
    characteristics: tuple[tuple[str, str, str], ...]  # (id, name, value)
    price: int  # retail price in kopecks


@dataclass(frozen=True, slots=True)
class Sku:
    """What every pass needs to know about one product, rebuilt from ``(seed, index)``."""

    index: int
    id: str
    name: str
    kind: Kind
    brand: str
    model: str
    article: str
    code: str
    group_id: str
    deleted: bool
    price: int  # retail price in kopecks
    variants: tuple[Variant, ...]


def build_sku(ctx: Context, index: int) -> Sku:
    """Rebuild product ``index``'s identity; the same draws in the same order every time."""
    rng = stream_rng(ctx.seed, STREAM_SKU, index)
    product_id = product_guid(ctx.seed * 7919, index, rng, ctx.node)
    kind = rng.choice(KINDS)
    brand = rng.choice(BRANDS)
    letters = rng.choice(MODEL_LETTERS) + rng.choice(MODEL_LETTERS)
    model = f"{letters}-{rng.randrange(100, 10000)}"
    article = f"{letters}{rng.randrange(10000, 100000)}"
    group_id = rng.choice(ctx.leaf_ids)
    deleted = rng.random() < 0.01
    price = rng.randrange(kind.price_min, kind.price_max + 1) * 100
    if rng.random() < 0.3:
        price -= rng.choice((1, 10))
    variants: list[Variant] = []
    if kind.axes and rng.random() < ctx.variant_chance:
        first_name, first_values = AXES[kind.axes[0]]
        count = min(len(first_values), rng.randint(2, 4))
        for position, value in enumerate(rng.sample(first_values, count)):
            chars = [(ctx.axis_ids[first_name], first_name, value)]
            for axis in kind.axes[1:]:
                axis_name, axis_values = AXES[axis]
                chars.append((ctx.axis_ids[axis_name], axis_name, rng.choice(axis_values)))
            factor = 100 if position == 0 else rng.randrange(95, 116)
            variants.append(
                Variant(
                    id=guid(rng, ctx.node),
                    suffix=" (" + ", ".join(c[2] for c in chars) + ")",
                    characteristics=tuple(chars),
                    price=price * factor // 100,
                )
            )
    return Sku(
        index=index,
        id=product_id,
        name=f"{kind.noun} {brand} {model}",
        kind=kind,
        brand=brand,
        model=model,
        article=article,
        code=f"{ctx.code_prefix}-{index + 1:08d}",
        group_id=group_id,
        deleted=deleted,
        price=price,
        variants=tuple(variants),
    )


def offer_rows(sku: Sku) -> Iterator[tuple[str, str, int, Variant | None]]:
    """The offers of a product: ``(offer id, name, retail price, variant or None)``."""
    if not sku.variants:
        yield sku.id, sku.name, sku.price, None
        return
    for variant in sku.variants:
        yield f"{sku.id}#{variant.id}", sku.name + variant.suffix, variant.price, variant
