"""Offers' prices and stock: written only when an offer carries them and they changed.

A full package lists all of an offer's prices (or stock rows): the others
are deleted. Price types and warehouses a file uses without declaring them
get placeholder rows, filled in when a file declares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer import sql
from cml_exchange.importer.loaders.common import checksum
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import Price, PriceType, Stock, Warehouse


def prices_checksums(offers: list[cml.Offer]) -> dict[str, str]:
    """The checksums of the prices of the offers that carry prices, by 1C id."""
    return {o.id: checksum(o.prices) for o in offers if o.prices is not None}


def stock_checksums(offers: list[cml.Offer]) -> dict[str, str]:
    """The checksums of the stock of the offers that carry stock or a quantity, by 1C id."""
    return {
        o.id: checksum(o.quantity, o.stock)
        for o in offers
        if o.stock is not None or o.quantity is not None
    }


def new_offer_parts(
    offer: cml.Offer, prices_sums: Mapping[str, str], stock_sums: Mapping[str, str]
) -> dict[str, object]:
    """The fields :func:`write_prices` and :func:`write_stock` note for an offer new to the site.

    Its identity row may be inserted with them, sparing the update that would
    follow (``sums`` as :func:`prices_checksums` and :func:`stock_checksums`
    give them): the checksums, the quantity (1C's total, else the sum of its
    warehouses' rows, as :func:`write_stock` stores them), and no part digest.
    """
    fields: dict[str, object] = {}
    if offer.id in prices_sums:
        fields["prices_checksum"] = prices_sums[offer.id]
        fields["prices_digest"] = 0
    if offer.id in stock_sums:
        fields["stock_checksum"] = stock_sums[offer.id]
        fields["stock_digest"] = 0
        quantity = offer.quantity
        if quantity is None and offer.stock:
            by_warehouse = {row.warehouse_id: row.quantity for row in offer.stock}
            quantity = sum(by_warehouse.values(), Decimal(0))
        fields["quantity"] = quantity
    return fields


def write_prices(
    session: ImportSession,
    offers: list[cml.Offer],
    existing: Mapping[str, Mapping[str, Any]],
    pks: dict[str, int],
    full: set[str],
    updates: dict[str, dict[str, object]],
    sums: Mapping[str, str],
) -> None:
    """Write the prices of offers that carry changed prices; note their new checksums.

    ``sums``: :func:`prices_checksums` of ``offers``.
    """
    due = [o for o in offers if o.id in sums and _changed(session, existing, o.id, "prices", sums)]
    due_ids = {o.id for o in due}
    session.count(
        "prices_unchanged",
        sum(len(o.prices or ()) for o in offers if o.id in sums and o.id not in due_ids),
    )
    if not due:
        return
    types = placeholders(session, PriceType, {p.price_type_id for o in due for p in o.prices or ()})
    rows = {
        (pks[o.id], types[p.price_type_id]): {
            "offer_id": pks[o.id],
            "price_type_id": types[p.price_type_id],
            "value": p.value,
            "currency": p.currency or "",
            "unit": p.unit or "",
            "coefficient": p.coefficient,
            "presentation": p.presentation or "",
        }
        for o in due
        for p in o.prices or ()
    }
    # A full package lists all prices of an offer: the others are gone. An offer the batch
    # found unstored has no others. Deleted first: the upsert is queued (late_writes), and
    # a statement on the table after it would have it written here, not by its thread.
    stored = [pks[o.id] for o in due if o.id in full and o.id in existing]
    _delete_other_prices(stored, rows)
    _upsert(
        Price,
        rows,
        {pks[o.id] for o in due if o.id not in existing},
        unique_fields=["offer", "price_type"],
        update_fields=["value", "currency", "unit", "coefficient", "presentation"],
    )
    for o in due:
        updates.setdefault(o.id, {})["prices_checksum"] = sums[o.id]
    session.count("prices", len(rows))


def write_stock(
    session: ImportSession,
    offers: list[cml.Offer],
    existing: Mapping[str, Mapping[str, Any]],
    pks: dict[str, int],
    full: set[str],
    updates: dict[str, dict[str, object]],
    sums: Mapping[str, str],
) -> None:
    """Write the stock of offers that carry changed stock; note their quantities and checksums.

    ``sums``: :func:`stock_checksums` of ``offers``.
    """
    due = [o for o in offers if o.id in sums and _changed(session, existing, o.id, "stock", sums)]
    due_ids = {o.id for o in due}
    session.count(
        "stock_rows_unchanged",
        sum(len(o.stock or ()) for o in offers if o.id in sums and o.id not in due_ids),
    )
    if not due:
        return
    with_rows = [o for o in due if o.stock is not None]
    warehouses = placeholders(
        session, Warehouse, {row.warehouse_id for o in with_rows for row in o.stock or ()}
    )
    rows: dict[tuple[int, int], dict[str, Any]] = {
        (pks[o.id], warehouses[row.warehouse_id]): {
            "offer_id": pks[o.id],
            "warehouse_id": warehouses[row.warehouse_id],
            "quantity": row.quantity,
        }
        for o in with_rows
        for row in o.stock or ()
    }
    # The statements on the stock table come before the upsert: it is queued (late_writes),
    # and one after it would have the queue written first, here, instead of by its thread.
    new = {pks[o.id] for o in with_rows if o.id not in existing}
    replaced = {pks[o.id] for o in with_rows if o.id in full and o.id in existing}
    summed = {pks[o.id] for o in due if o.quantity is None}
    totals = _other_warehouses(replaced, summed - replaced - new, rows)
    _upsert(
        Stock,
        rows,
        new,
        unique_fields=["offer", "warehouse"],
        update_fields=["quantity"],
    )
    # 1C's total is kept as sent, even when it differs from the warehouses' sum;
    # without a total (a rests___ file with warehouse rows only), it is the sum of what is
    # stored now. A warehouse-less Остаток is a total (the reader makes it the quantity).
    for (offer, _warehouse), row in rows.items():
        if offer in summed:
            totals[offer] = totals.get(offer, Decimal(0)) + row["quantity"]
    for o in due:
        fields = updates.setdefault(o.id, {})
        fields["stock_checksum"] = sums[o.id]
        fields["quantity"] = o.quantity if o.quantity is not None else totals.get(pks[o.id])
    session.count("stock_rows", len(rows))


def _upsert(
    model: type[Price] | type[Stock],
    rows: Mapping[tuple[int, int], dict[str, Any]],
    new_offers: set[int],
    *,
    unique_fields: list[str],
    update_fields: list[str],
) -> None:
    """Upsert the rows; those of offers the batch found unstored (``new_offers``) as new.

    Such an offer can have no rows yet (unless another import wrote them
    meanwhile, which ``sql.upsert_rows(new=True)`` still ends right), so its
    rows skip the update clause an upsert pays for on every row.
    """
    fresh = [row for row in rows.values() if row["offer_id"] in new_offers]
    stored = [row for row in rows.values() if row["offer_id"] not in new_offers]
    for part, new in ((fresh, True), (stored, False)):
        sql.upsert_rows(
            model,
            part,
            unique_fields=unique_fields,
            update_fields=update_fields,
            new=new,
            late=True,
        )


def _delete_other_prices(offer_pks: list[int], kept: Mapping[tuple[int, int], object]) -> None:
    """Delete the prices of ``offer_pks`` whose ``(offer, price type)`` is not among ``kept``."""
    if not offer_pks:
        return
    stale = [
        pk
        for pk, offer, price_type in Price.objects.filter(offer_id__any=offer_pks).values_list(
            "pk", "offer_id", "price_type_id"
        )
        if (offer, price_type) not in kept
    ]
    if stale:
        Price.objects.filter(pk__any=stale).delete()


def _other_warehouses(
    replaced: set[int], summed: set[int], rows: Mapping[tuple[int, int], object]
) -> dict[int, Decimal]:
    """The stock of ``summed`` offers stored for other warehouses than in ``rows``, by offer.

    The stored rows of the offers ``replaced`` (a full package lists all of an
    offer's warehouses) that ``rows`` lacks are deleted instead.
    """
    if not replaced and not summed:
        return {}
    stale: list[int] = []
    totals: dict[int, Decimal] = {}
    for pk, offer, warehouse, quantity in Stock.objects.filter(
        offer_id__any=[*replaced, *summed]
    ).values_list("pk", "offer_id", "warehouse_id", "quantity"):
        if (offer, warehouse) in rows:
            continue
        if offer in replaced:
            stale.append(pk)
        else:
            totals[offer] = totals.get(offer, Decimal(0)) + quantity
    if stale:
        Stock.objects.filter(pk__any=stale).delete()
    return totals


def _changed(
    session: ImportSession,
    existing: Mapping[str, Mapping[str, Any]],
    offer_id: str,
    aspect: str,
    sums: Mapping[str, str],
) -> bool:
    if not session.options.use_checksums or offer_id not in existing:
        return True
    return existing[offer_id][f"{aspect}_checksum"] != sums[offer_id]


def placeholders(
    session: ImportSession, model: type[PriceType] | type[Warehouse], external_ids: set[str]
) -> dict[str, int]:
    """Pks of price types or warehouses by 1C id; one never declared gets a placeholder row.

    The placeholder (``declared=False``) keeps the price or stock row, and is
    filled in when a file declares it; a warning says what was missing.
    """
    cache = session.cache(model)
    missing = {xid for xid in external_ids if xid not in cache}
    if missing:
        cache.update(
            dict(model.objects.filter(external_id__any=missing).values_list("external_id", "pk"))
        )
        new = sorted(xid for xid in missing if xid not in cache)
        if new:
            manager: Any = model.objects
            manager.bulk_create(
                [model(external_id=xid, declared=False, updated=session.now) for xid in new],
                ignore_conflicts=True,
            )
            cache.update(
                dict(model.objects.filter(external_id__any=new).values_list("external_id", "pk"))
            )
            what = "тип цены" if model is PriceType else "склад"
            for xid in new:
                session.warn(
                    f"unknown_{'price_type' if model is PriceType else 'warehouse'}",
                    f"Файл ссылается на необъявленный {what} {xid}; создан с пустым названием.",
                    key=xid,
                )
    return cache
