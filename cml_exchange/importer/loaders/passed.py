"""A file's items that need no reading: every one is stored as its element says.

A file read whole keeps its items' element digests (``importer.scans.keep_items``).
When the same bytes come again, the runner asks :func:`stored_items` whether the
catalog still holds every one of them as :func:`~.unchanged.pass_over` would
confirm it (a row of that catalog with that digest, not deactivated since): the
rows that hold each digest are found in a :class:`DigestIndex` of every stored
product's or offer's digests, read once a step (or an exchange), and then read themselves. If
it does, reading the items could only pass each of them over, so the runner
stops before the first one and :func:`load_passed` does what passing them over
one by one would have done: the counts (what the items still wait for too), the
marks of a full exchange, offers waiting for these products, the signals. If one
digest is missing (an item changed on the site's side, deleted, deactivated, or
written from another element since), the file is read as usual.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from cml_exchange import signals
from cml_exchange.commerceml.reading.digests import OFFERS, FileItems
from cml_exchange.commerceml.reading.reader import CmlReader
from cml_exchange.importer import queries
from cml_exchange.importer.exchange_reads import shared
from cml_exchange.importer.loaders import pending
from cml_exchange.importer.loaders.unchanged import (
    DIGEST_COLUMNS,
    PASSABLE_COLUMNS,
    passable_row,
)
from cml_exchange.importer.loaders.waiting_offers import link_waiting_offers, offers_wait_in
from cml_exchange.importer.scans import keep_items, kept_items
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import Catalog, Offer, Product

#: Pks per statement (one array parameter, ``__any``).
_CHUNK = 5000


class DigestIndex:
    """The element digests of every stored row of a model, and the pk of the row of each.

    Read once a step, or once for an exchange's jobs (:mod:`~cml_exchange.importer.exchange_reads`),
    and never brought up to date: the rows a digest leads to
    are read again before anything is concluded from them, so a row changed
    since can only make a file be read. The digests are grouped by their low
    bits into buckets of a few, which lie one after another in one array, with
    the pks in a second beside it and where each bucket starts in a third (18
    bytes a digest; an offer's row may hold three). A digest is sought among
    its bucket's few by the array's own search, in C: no stored digest becomes
    a Python object, as in a dict, which would take five times the memory at
    100,000 products.
    """

    #: Digests a bucket holds on average, at most.
    BUCKET = 4

    def __init__(self, model: type[Product] | type[Offer]) -> None:
        columns = DIGEST_COLUMNS[model]
        rows = model._default_manager.exclude(**dict.fromkeys(columns, 0))
        # Read whole first, then spread: counting the rows beforehand read the table twice.
        read_digests, read_pks = array("q"), array("q")
        for pk, *held in rows.values_list("pk", *columns).iterator(chunk_size=5000):
            for digest in held:
                if digest:
                    read_digests.append(digest)
                    read_pks.append(pk)
        buckets = 1
        while buckets * self.BUCKET < len(read_digests):
            buckets *= 2
        mask = self._mask = buckets - 1
        # Each bucket's size, counted where the next one starts; summed, each bucket's start,
        # then where its next digest goes.
        bounds = array("q", bytes(8 * (buckets + 1)))
        for digest in read_digests:
            bounds[(digest & mask) + 1] += 1
        total = 0
        for bucket in range(buckets + 1):
            total += bounds[bucket]
            bounds[bucket] = total
        self._starts = array("q", bounds)
        digests = array("q", bytes(8 * len(read_digests)))
        pks = array("q", bytes(8 * len(read_digests)))
        for digest, pk in zip(read_digests, read_pks, strict=True):
            bucket = digest & mask
            slot = bounds[bucket]
            bounds[bucket] = slot + 1
            digests[slot] = digest
            pks[slot] = pk
        self._digests, self._pks = digests, pks

    @classmethod
    def of(cls, session: ImportSession, model: type[Product] | type[Offer]) -> DigestIndex:
        """The index of ``model``, read at its first use in the step, or in the exchange."""
        return shared(session.exchange, (cls, model), lambda: cls(model), session.built)

    def rows_of(self, digest: int) -> list[int]:
        """The pks of the rows that held ``digest`` when the index was read."""
        found = self.rows_of_each([digest])
        return [] if found is None else found[digest]

    def rows_of_each(self, wanted: Iterable[int]) -> dict[int, list[int]] | None:
        """``{digest: pks of the rows that held it}`` for every digest ``wanted``.

        ``None`` as soon as one of them was held by no row: a file with such an
        item is read, whatever the others.
        """
        digests, pks, starts, mask = self._digests, self._pks, self._starts, self._mask
        found: dict[int, list[int]] = {}
        for digest in wanted:
            bucket = digest & mask
            end = starts[bucket + 1]
            try:
                position = digests.index(digest, starts[bucket], end)  # in C
            except ValueError:
                return None
            rows = [pks[position]]
            for other in range(position + 1, end):
                if digests[other] == digest:
                    rows.append(pks[other])
            found[digest] = rows
        return found


@dataclass
class PassedItems:
    """The items of a file passed over unread: the pks of their rows in ``catalog``.

    ``skipped``: the empty items the whole file holds, by code, as reading it
    counted them (``CmlReader.skipped``).
    """

    kind: str
    catalog: int
    pks: list[int]
    full: bool
    prices: int = 0
    stock_rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    #: Those of ``pks`` that wait for a group or value their elements name.
    naming: list[int] = field(default_factory=list)


def passable(
    session: ImportSession,
    kind: str,
    scope: Scope,
    file_digest: str | None,
    counts: dict[str, int] | None,
) -> PassedItems | None:
    """The file's items, if it was read whole before and the catalog holds every one.

    Called when the file's first item of ``kind`` begins, in the ``scope`` of
    its container; ``file_digest`` and ``counts`` are the file's own
    (``importer.scans``). Only with checksums: without them every item is written.
    """
    if not session.options.use_checksums or counts is None:
        return None
    items = kept_items(file_digest)
    if items is None or items.kind != kind:
        return None
    found = queries.values_list(Catalog, ["pk"], external_id=scope.catalog or "")  # unique
    if not found:
        return None
    catalog = found[0][0]
    model = Offer if items.kind == OFFERS else Product
    pks = stored_items(items, catalog, DigestIndex.of(session, model))
    if pks is None:
        return None
    return PassedItems(
        kind=kind,
        catalog=catalog,
        pks=pks,
        full=scope.full,
        prices=counts.get("prices", 0),
        stock_rows=counts.get("stock_rows", 0),
        skipped=items.skipped,
        naming=_naming(session, model, pks, items),
    )


def _naming(
    session: ImportSession, model: type[Product] | type[Offer], pks: list[int], items: FileItems
) -> list[int]:
    """Those of ``pks`` that wait for a group or value their element names (as ``pass_over``).

    A product's element names them; an offer's, when it carries its identity,
    whose digest is its ``source_digest`` (not a ``prices`` or ``rests`` file's).
    Looked for only while any reference waits.
    """
    waiting = sorted(pending.waiting_among(session, pending.OWNER[model], pks))
    if not waiting or model is Product:
        return waiting
    digests = set(items.digests)
    return [
        pk
        for start in range(0, len(waiting), _CHUNK)
        for pk, digest in queries.values_list(
            Offer, ["pk", "source_digest"], pk__any=waiting[start : start + _CHUNK]
        )
        if digest in digests
    ]


def keep_read_items(file_digest: str | None, reader: CmlReader) -> None:
    """Keep the items of a file just read whole, for :func:`passable` next time.

    Only a file whose items were all of one kind, with nothing but items after
    the first, read by one reader from its start without a warning: then those
    digests are all there is to it. Empty items skipped on the way (the
    summary that counts them is its only warning) are kept by number, to be
    told again whenever the file is passed over.
    """
    items = reader.items
    if (
        file_digest
        and items is not None
        and items.whole
        and set(reader.warning_counts) <= set(reader.skipped)
    ):
        items.skipped = dict(reader.skipped)
        keep_items(file_digest, items)


def stored_items(items: FileItems, catalog: int, index: DigestIndex) -> list[int] | None:
    """The pks of the rows holding ``items`` in ``catalog`` (sorted), or ``None``.

    ``None`` when one item is not held, or one row holds two items (an element
    the file holds twice).

    A row holds an item when it is of ``catalog``, one of its digests
    (``source_digest``, and an offer's ``prices_digest`` and ``stock_digest``)
    is the item's element digest, and :func:`~.unchanged.passable_row` says so
    (the condition of ``pass_over``: not deactivated, an offer linked). The digest
    is keyed with the reader's code and covers the element's ``Ид``, so the row
    was written from that very element. ``index`` (of the items' model) says which
    rows held each digest; those rows are read by their pks, so the look costs
    what the file holds, not what the catalog holds.
    """
    model = Offer if items.kind == OFFERS else Product
    columns = DIGEST_COLUMNS[model]
    pks: list[int] = []
    for start in range(0, len(items.digests), _CHUNK):  # a file of 100,000 items too
        chunk = items.digests[start : start + _CHUNK]
        candidates = index.rows_of_each(set(chunk))
        if candidates is None:
            return None
        wanted = sorted({pk for rows in candidates.values() for pk in rows})
        held: dict[int, tuple[int, ...]] = {}
        for first in range(0, len(wanted), _CHUNK):
            flags = len(PASSABLE_COLUMNS[model])
            for pk, row_catalog, *rest in queries.values_list(
                model,
                ["pk", "catalog_id", *PASSABLE_COLUMNS[model], *columns],
                pk__any=wanted[first : first + _CHUNK],
            ):
                if row_catalog == catalog and passable_row(model, rest[:flags]):
                    held[pk] = tuple(rest[flags:])
        for digest in chunk:
            rows = [pk for pk in candidates[digest] if digest in held.get(pk, ())]
            if len(rows) != 1:
                return None
            pks.append(rows[0])
    pks.sort()
    if any(pk == following for pk, following in pairwise(pks)):
        return None  # an element sent twice: read, to be counted as reading counts it
    return pks


def load_passed(session: ImportSession, passed: PassedItems) -> None:
    """Count, mark and tell of the passed items as passing each over would have."""
    offers = passed.kind == OFFERS
    model = Offer if offers else Product
    pks = passed.pks
    session.count(f"{passed.kind}_unchanged", len(pks))
    session.count("items_passed", len(pks))
    if offers:
        session.count("prices_unchanged", passed.prices)
        session.count("stock_rows_unchanged", passed.stock_rows)
    if passed.full:
        for start in range(0, len(pks), _CHUNK):
            model._default_manager.filter(pk__any=pks[start : start + _CHUNK]).update(
                last_seen_full=session.seen_at
            )
    pending.count_still_waiting(session, model, passed.naming)
    if offers:
        if offers_wait_in(passed.catalog):  # nearly always none waits
            session.count(
                "offers_without_product",
                sum(
                    Offer.objects.filter(
                        pk__any=pks[start : start + _CHUNK], product__isnull=True
                    ).count()
                    for start in range(0, len(pks), _CHUNK)
                ),
            )
        signals.offers_saved.send(
            sender=Offer, job=session.job, catalog_id=passed.catalog, offer_ids=pks
        )
        return
    if offers_wait_in(passed.catalog):  # nearly always none waits
        for start in range(0, len(pks), _CHUNK):
            chunk = pks[start : start + _CHUNK]
            ids = [xid for (xid,) in queries.values_list(Product, ["external_id"], pk__any=chunk)]
            link_waiting_offers(session, passed.catalog, ids)
    signals.products_saved.send(
        sender=Product,
        job=session.job,
        catalog_id=passed.catalog,
        product_ids=[],
        unchanged_ids=pks,
    )
