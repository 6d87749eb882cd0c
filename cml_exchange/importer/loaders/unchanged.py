"""Products and offers the reader passed over unbuilt, because their elements' digests are known.

The reader is given the digests of every stored product and offer
(:class:`KnownDigests`) and yields :class:`~cml_exchange.commerceml.entities.Unchanged`
for an element whose digest is among them. The digest alone says only that *some*
stored item came from an equal element; :func:`pass_over` confirms it against the
item's own row (same catalog, same id, same digest, not deactivated since) and
builds the entity after all for any marker it cannot confirm, so that an item
changed earlier in the same exchange, or deactivated as missing, is written as if
no digest had been kept. What an item passed over still waits for (an offer
its product, a product or offer a group or property 1C has not declared) is
counted as reading it would count it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from cml_exchange.commerceml import entities as cml
from cml_exchange.commerceml.reading.digests import rebuild
from cml_exchange.importer.loaders import pending
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import Offer, Product

#: Rows per query when confirming markers (below SQLite's parameter limit).
_CHUNK = 900


class KnownDigests:
    """The digests of all stored products and offers, read when first asked about.

    A sorted array: 8 bytes a digest, membership by bisection. A file without
    products or offers never reads them.
    """

    def __init__(self, digests: Iterable[int] | None = None) -> None:
        self._digests = None if digests is None else array("q", sorted(digests))

    @property
    def loaded(self) -> bool:
        """Whether the digests are read already: asking about one needs no query."""
        return self._digests is not None

    def __contains__(self, digest: object) -> bool:
        found = self._digests
        if found is None:
            found = self._digests = array("q", sorted(_stored()))
        index = bisect_left(found, digest)  # type: ignore[call-overload]
        return index < len(found) and found[index] == digest


#: Digests that match nothing: every element is built, and its digest kept.
NO_DIGESTS: frozenset[int] = frozenset()


def _stored() -> Iterable[int]:
    return chain.from_iterable(
        model._default_manager.exclude(**{column: 0})
        .values_list(column, flat=True)
        .iterator(chunk_size=5000)
        for model, columns in DIGEST_COLUMNS.items()
        for column in columns
    )


#: The columns holding element digests: an offer's prices and stock may have their own.
DIGEST_COLUMNS: dict[type[Product] | type[Offer], tuple[str, ...]] = {
    Product: ("source_digest",),
    Offer: ("source_digest", "prices_digest", "stock_digest"),
}


def pass_over(
    session: ImportSession,
    model: type[Product] | type[Offer],
    catalog: int,
    batch: Sequence[tuple[Any, Scope]],
) -> tuple[list[tuple[Any, Scope]], dict[str, tuple[int, cml.Unchanged]]]:
    """Split ``batch`` into entities to load and the confirmed unchanged items.

    Returns the entities (markers that could not be confirmed built from their
    elements, in their places) and ``{id: (pk, marker)}`` of the items whose rows
    hold exactly what their elements say.
    """
    markers = [item for item, _ in batch if isinstance(item, cml.Unchanged)]
    if not markers:
        return list(batch), {}
    rows = _rows(model, catalog, [marker.id for marker in markers])
    passed: dict[str, tuple[int, cml.Unchanged]] = {}
    without_product = 0
    for marker in markers:
        row = rows.get(marker.id)
        if row is not None and marker.digest in row[1] and row[2]:
            passed[marker.id] = (row[0], marker)
            without_product += row[3]
    if passed:
        # What reading them would have told: offers still without their product, and
        # the references still waiting of the items whose elements name groups or values
        # (a product's; an offer's of its identity, whose digest is its source_digest).
        session.count("offers_without_product", without_product)
        naming = [
            pk
            for xid, (pk, marker) in passed.items()
            if model is Product or marker.digest == rows[xid][1][0]
        ]
        pending.count_still_waiting(session, model, naming)

    def warn(code: str, message: str, entity_id: str | None = None) -> None:
        session.warn(code, message)

    entities = [
        (rebuild(item, warn) if isinstance(item, cml.Unchanged) else item, scope)
        for item, scope in batch
        if not (isinstance(item, cml.Unchanged) and item.id in passed)
    ]
    return entities, passed


def _rows(
    model: type[Product] | type[Offer], catalog: int, ids: list[str]
) -> dict[str, tuple[int, tuple[int, ...], bool, bool]]:
    """``{id: (pk, digests, passable, waiting)}`` of the stored items of ``catalog``.

    ``digests`` are the row's (:data:`DIGEST_COLUMNS`): an element whose digest is
    among them wrote what the row holds of it (an offer's prices alone, say).
    ``passable``: see :func:`passable_row`; ``waiting``: an offer without its product.
    """
    found: dict[str, tuple[int, tuple[int, ...], bool, bool]] = {}
    manager: Any = model._default_manager
    columns = DIGEST_COLUMNS[model]
    flags = len(PASSABLE_COLUMNS[model])
    for start in range(0, len(ids), _CHUNK):
        for external_id, pk, *held in manager.filter(
            catalog_id=catalog, external_id__any=ids[start : start + _CHUNK]
        ).values_list("external_id", "pk", *PASSABLE_COLUMNS[model], *columns):
            condition = held[:flags]
            found[external_id] = (
                pk,
                tuple(held[flags:]),
                passable_row(model, condition),
                model is Offer and condition[2] is None,
            )
    return found


#: The columns :func:`passable_row` reads.
PASSABLE_COLUMNS: dict[type[Product] | type[Offer], tuple[str, ...]] = {
    Product: ("active", "deleted"),
    Offer: ("active", "deleted", "product_id"),
}


def passable_row(model: type[Product] | type[Offer], flags: Sequence[Any]) -> bool:
    """Whether a row holding an element's digest may have that element passed over.

    ``flags`` are the row's :data:`PASSABLE_COLUMNS`. Not when the row was
    deactivated since (as missing from a full exchange: the element brings it
    back). An offer without its product may be: whoever passes it over counts it
    among the offers without product, as reading its element would.
    """
    active, deleted, *_product = flags
    return bool(active != deleted)
