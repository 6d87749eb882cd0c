"""A file's items that need no reading: every one is stored as its element says.

A file read whole keeps its items' element digests (``importer.scans.keep_items``).
When the same bytes come again, the runner asks :func:`stored_items` whether the
catalog still holds every one of them as :func:`~.unchanged.pass_over` would
confirm it (a row of that catalog with that digest, not deactivated since): the
rows that hold each digest are found in a :class:`DigestIndex` of every stored
product's or offer's digests, read once a step (or an exchange), and then read themselves. If
it does, reading the items could only pass each of them over, so the runner
stops before the first one and :func:`load_passed` does what passing them over
one by one would have done: the counts, the marks of a full exchange, offers
waiting for these products, the signals. If one digest is missing (an item
changed on the site's side, deleted, deactivated, or written from another
element since), the file is read as usual.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from itertools import pairwise

from cml_exchange import signals
from cml_exchange.commerceml.reading.digests import OFFERS, FileItems
from cml_exchange.commerceml.reading.reader import CmlReader
from cml_exchange.importer import queries
from cml_exchange.importer.exchange_reads import shared
from cml_exchange.importer.loaders.products import link_waiting_offers, offers_wait_in
from cml_exchange.importer.loaders.unchanged import DIGEST_COLUMNS
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
    since can only make a file be read. The digests are spread over buckets by
    their low bits, each a pair of arrays (16 bytes a digest; an offer's row
    may hold three) searched in C: no sort, whose Python objects would take
    five times the memory at 100,000 products.
    """

    #: Digests a bucket holds on average, at most.
    BUCKET = 64

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
        self._digests = [array("q") for _ in range(buckets)]
        self._pks = [array("q") for _ in range(buckets)]
        for digest, pk in zip(read_digests, read_pks, strict=True):
            bucket = digest & mask
            self._digests[bucket].append(digest)
            self._pks[bucket].append(pk)

    @classmethod
    def of(cls, session: ImportSession, model: type[Product] | type[Offer]) -> DigestIndex:
        """The index of ``model``, read at its first use in the step, or in the exchange."""
        return shared(session.exchange, (cls, model), lambda: cls(model), session.built)

    def rows_of(self, digest: int) -> list[int]:
        """The pks of the rows that held ``digest`` when the index was read."""
        bucket = digest & self._mask
        digests = self._digests[bucket]
        held = digests.count(digest)  # in C, as index(): no exception to end the search
        if not held:
            return []
        pks = self._pks[bucket]
        position = digests.index(digest)
        found = [pks[position]]
        for _ in range(held - 1):
            position = digests.index(digest, position + 1)
            found.append(pks[position])
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
    )


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
    is the item's element digest, and it is not deactivated (the condition of
    ``pass_over``): the digest is keyed with the reader's code and covers the
    element's ``Ид``, so the row was written from that very element. ``index``
    (of the items' model) says which rows held each digest; those rows are read
    by their pks, so the look costs what the file holds, not what the catalog
    holds.
    """
    model = Offer if items.kind == OFFERS else Product
    columns = DIGEST_COLUMNS[model]
    pks: list[int] = []
    for start in range(0, len(items.digests), _CHUNK):  # a file of 100,000 items too
        chunk = items.digests[start : start + _CHUNK]
        candidates = {digest: index.rows_of(digest) for digest in set(chunk)}
        if not all(candidates.values()):
            return None
        wanted = sorted({pk for rows in candidates.values() for pk in rows})
        held: dict[int, tuple[int, ...]] = {}
        for first in range(0, len(wanted), _CHUNK):
            for pk, row_catalog, active, deleted, *digests in queries.values_list(
                model,
                ["pk", "catalog_id", "active", "deleted", *columns],
                pk__any=wanted[first : first + _CHUNK],
            ):
                if row_catalog == catalog and active != deleted:
                    held[pk] = tuple(digests)
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
    if offers:
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
