"""A file's items that need no reading: every one is stored as its element says.

A file read whole keeps its items' element digests (``importer.scans.keep_items``).
When the same bytes come again, the runner asks :func:`stored_items` whether the
catalog still holds every one of them as :func:`~.unchanged.pass_over` would
confirm it (a row of that catalog with that digest, not deactivated since). If
it does, reading the items could only pass each of them over, so the runner
stops before the first one and :func:`load_passed` does what passing them over
one by one would have done: the counts, the marks of a full exchange, offers
waiting for these products, the signals. If one digest is missing (an item
changed on the site's side, deleted, deactivated, or written from another
element since), the file is read as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from django.db.models import F

from cml_exchange import signals
from cml_exchange.commerceml.reading.digests import OFFERS, FileItems
from cml_exchange.commerceml.reading.reader import CmlReader
from cml_exchange.importer.loaders.products import link_waiting_offers
from cml_exchange.importer.loaders.unchanged import DIGEST_COLUMNS
from cml_exchange.importer.scans import keep_items, kept_items
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import Catalog, Offer, Product

#: Ids or pks per statement (one array parameter, ``__any``).
_CHUNK = 5000


@dataclass
class PassedItems:
    """The items of a file passed over unread: the pks of their rows in ``catalog``.

    ``ids``: their 1C ids, in the file's order; ``skipped``: the empty items
    the whole file holds, by code, as reading it counted them (``CmlReader.skipped``).
    """

    kind: str
    catalog: int
    pks: list[int]
    full: bool
    prices: int = 0
    stock_rows: int = 0
    ids: list[str] = field(default_factory=list)
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
    catalog = (
        Catalog.objects.filter(external_id=scope.catalog or "").values_list("pk", flat=True).first()
    )
    if catalog is None:
        return None
    pks = stored_items(items, catalog)
    if pks is None:
        return None
    return PassedItems(
        kind=kind,
        catalog=catalog,
        pks=pks,
        full=scope.full,
        prices=counts.get("prices", 0),
        stock_rows=counts.get("stock_rows", 0),
        ids=items.ids,
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


def stored_items(items: FileItems, catalog: int) -> list[int] | None:
    """The pks of the rows holding ``items`` in ``catalog`` (sorted), or ``None``.

    ``None`` when one item is not held, or one row holds two items (an element
    the file holds twice).

    An item is held by the row of its id in ``catalog`` when one of the row's
    digests (``source_digest``, and an offer's ``prices_digest`` and
    ``stock_digest``) is the item's element digest and the row is not
    deactivated (the condition of ``pass_over``): the digest is keyed with the
    reader's code, so the row was written from that very element. The rows are
    found by their ids, 5,000 a query: the cost is the file's, not the catalog's.
    """
    model = Offer if items.kind == OFFERS else Product
    columns = DIGEST_COLUMNS[model]
    ids = items.ids
    pks: list[int] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = {
            external_id: (pk, digests)
            for external_id, pk, *digests in model._default_manager.filter(
                catalog_id=catalog, external_id__any=chunk
            )
            .exclude(active=F("deleted"))
            .values_list("external_id", "pk", *columns)
        }
        for item_id, digest in zip(chunk, items.digests[start : start + _CHUNK], strict=True):
            row = rows.get(item_id)
            if row is None or digest not in row[1]:
                return None
            pks.append(row[0])
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
    for start in range(0, len(passed.ids), _CHUNK):
        link_waiting_offers(session, passed.catalog, passed.ids[start : start + _CHUNK])
    signals.products_saved.send(
        sender=Product,
        job=session.job,
        catalog_id=passed.catalog,
        product_ids=[],
        unchanged_ids=pks,
    )
