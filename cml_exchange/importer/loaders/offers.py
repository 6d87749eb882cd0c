"""Loader for offers: identity and characteristics (prices and stock: ``prices``), when sent.

Split packages send an offer's identity (``offers___``), prices
(``prices___``) and stock (``rests___``) in different files, in any order.
Each aspect has its own checksum and is written only when the file carries it
and it changed, so no file erases what another brought.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cml_exchange import signals
from cml_exchange.commerceml import entities as cml
from cml_exchange.importer import queries, sql
from cml_exchange.importer.loaders import pending
from cml_exchange.importer.loaders.adapting import tell_offers, tell_prices, tell_stock
from cml_exchange.importer.loaders.classifier import catalog_pk, unit_pks
from cml_exchange.importer.loaders.common import checksum, upsert_marking_full
from cml_exchange.importer.loaders.prices import (
    new_offer_parts,
    prices_checksums,
    stock_checksums,
    write_prices,
    write_stock,
)
from cml_exchange.importer.loaders.products import property_value_rows
from cml_exchange.importer.loaders.unchanged import pass_over
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import (
    Offer,
    OfferCharacteristic,
    OfferPropertyValue,
    Product,
)

_IDENTITY_FIELDS = [
    "product", "product_external_id", "name", "barcode", "article", "code", "base_unit",
    "deleted", "version", "checksum", "source_digest", "source_parts", "active", "updated",
]  # fmt: skip


#: What a batch reads of its stored offers.
_STORED_COLUMNS = (
    "external_id", "pk", "checksum", "prices_checksum", "stock_checksum", "source_digest",
    "source_parts", "prices_digest", "stock_digest", "active", "product_id",
)  # fmt: skip


def load_offers(
    session: ImportSession, items: Sequence[tuple[cml.Offer | cml.Unchanged, Scope]]
) -> None:
    """Upsert a batch of offers, catalog by catalog."""
    by_catalog: dict[int, dict[str, tuple[cml.Offer | cml.Unchanged, Scope]]] = {}
    for offer, scope in items:
        by_catalog.setdefault(catalog_pk(session, scope.catalog or ""), {})[offer.id] = (
            offer,
            scope,
        )
    for catalog, batch in by_catalog.items():
        _load(session, catalog, list(batch.values()))


def _has_identity(offer: cml.Offer) -> bool:
    return (
        offer.name is not None
        or offer.characteristics is not None
        or offer.property_values is not None
        or offer.version is not None
    )


def _load(
    session: ImportSession, catalog: int, items: list[tuple[cml.Offer | cml.Unchanged, Scope]]
) -> None:
    batch, passed = pass_over(session, Offer, catalog, items)
    offers: list[cml.Offer] = [offer for offer, _ in batch]
    full = {offer.id for offer, scope in batch if scope.full}
    existing = {
        row["external_id"]: row
        for row in queries.values(
            Offer,
            _STORED_COLUMNS,
            catalog_id=catalog,
            external_id__any=[o.id for o in offers],
        )
    }
    use_checksums = session.options.use_checksums
    sums = {o.id: checksum(_identity(o)) for o in offers if _has_identity(o)}
    identity = [
        o
        for o in offers
        if o.id in sums
        and (
            not use_checksums
            or o.id not in existing
            or existing[o.id]["checksum"] != sums[o.id]
            or existing[o.id]["active"] == o.deleted  # deactivated as missing, now back
        )
    ]
    # A stored offer with its product keeps it unless its identity is written again: the
    # products are looked up only for the others (a prices or rests file's offers need none).
    rewritten = {o.id for o in identity}
    linked = {
        xid
        for xid, row in existing.items()
        if row["product_id"] is not None and xid not in rewritten
    }
    products = _product_pks(catalog, [o for o in offers if o.id not in linked])
    session.count(
        "offers_without_product",
        sum(1 for o in offers if o.id not in linked and _product_of(o, products) is None),
    )
    for offer in offers:
        if offer.id not in existing and _product_of(offer, products) is None:
            session.warn(
                "unknown_product",
                f"Предложение {offer.id}: товара {offer.product_id} в каталоге пока нет; "
                "предложение сохранено и будет связано с товаром, когда тот придет.",
                key=offer.product_id,
            )
    prices_sums, stock_sums = prices_checksums(offers), stock_checksums(offers)
    # An offer new to the site gets its prices' and stock's checksums and its quantity
    # with its identity: no update of its row follows (a second version of it, on PostgreSQL).
    preset = {
        o.id: new_offer_parts(o, prices_sums, stock_sums) for o in identity if o.id not in existing
    }
    _save_identity(session, catalog, identity, sums, products, full, existing, preset)
    bare = [o for o in offers if o.id not in sums and o.id not in existing]
    if bare:
        sql.insert(
            Offer,
            [
                {
                    "catalog_id": catalog,
                    "external_id": o.id,
                    "product_external_id": o.product_id,
                    "product_id": _product_of(o, products),
                    "updated": session.now,
                }
                for o in bare
            ],
            ignore_conflicts=True,
        )
    pks = {xid: row["pk"] for xid, row in existing.items()}
    pks |= sql.pks(
        Offer, "external_id", [o.id for o in offers if o.id not in pks], catalog_id=catalog
    )
    _replace_details(session, catalog, identity, pks, existing)
    updates: dict[str, dict[str, object]] = {}
    write_prices(session, offers, existing, pks, full, updates, prices_sums)
    write_stock(session, offers, existing, pks, full, updates, stock_sums)
    written = {o.id for o in identity} | set(updates)
    digests = _with_part_digests(
        offers, existing, _with_digests(offers, identity, existing, updates)
    )
    _update_offers(pks, _not_written(digests, preset))
    new = [pks[o.id] for o in offers if o.id not in existing]
    tell_offers(session, [pks[o.id] for o in identity] + [pks[o.id] for o in bare], new)
    tell_prices(
        session, [pks[xid] for xid, fields in updates.items() if "prices_checksum" in fields]
    )
    tell_stock(session, [pks[xid] for xid, fields in updates.items() if "stock_checksum" in fields])

    created = sum(1 for o in offers if o.id not in existing)
    session.count("offers_created", created)
    session.count("offers_updated", sum(1 for o in offers if o.id in existing and o.id in written))
    session.count("offers_unchanged", sum(1 for o in offers if o.id not in written) + len(passed))
    session.count("prices_unchanged", sum(marker.prices for _pk, marker in passed.values()))
    session.count("stock_rows_unchanged", sum(marker.stock_rows for _pk, marker in passed.values()))
    pks |= {xid: pk for xid, (pk, _marker) in passed.items()}
    # Offers whose identity was just written carry the mark already (see _save_identity).
    marked = {o.id for o in identity}
    seen = [pks[item.id] for item, scope in items if scope.full and item.id not in marked]
    if seen:
        Offer.objects.filter(pk__any=seen).update(last_seen_full=session.seen_at)
    # An element of the offer's identity names its values; one with values replaced them.
    replaced = {o.id for o in identity if o.property_values is not None}
    pending.count_still_waiting(
        session, Offer, [pks[o.id] for o in offers if _has_identity(o) and o.id not in replaced]
    )
    signals.offers_saved.send(
        sender=Offer, job=session.job, catalog_id=catalog, offer_ids=sorted(pks.values())
    )


def _identity(offer: cml.Offer) -> tuple[object, ...]:
    return (
        offer.name,
        offer.barcode,
        offer.article,
        offer.code,
        offer.base_unit,
        offer.deleted,
        offer.version,
        offer.characteristics,
        offer.property_values,
    )


def _product_pks(catalog: int, offers: list[cml.Offer]) -> dict[str, int]:
    """Products the offers belong to, by the offer's exact id or by its product id."""
    wanted = {o.id for o in offers} | {o.product_id for o in offers}
    return dict(
        queries.values_list(
            Product, ["external_id", "pk"], catalog_id=catalog, external_id__any=wanted
        )
    )


def _product_of(offer: cml.Offer, products: dict[str, int]) -> int | None:
    # УТ 10.3 puts "product#characteristic" items in the catalog: the exact id first.
    return products.get(offer.id) or products.get(offer.product_id)


def _save_identity(
    session: ImportSession,
    catalog: int,
    identity: list[cml.Offer],
    sums: dict[str, str],
    products: dict[str, int],
    full: set[str],
    existing: Mapping[str, Any],
    preset: Mapping[str, Mapping[str, object]],
) -> None:
    """Upsert the offers whose identity changed; those of a full package get its mark too.

    ``existing``: the stored rows of the batch's offers, by 1C id; ``preset``: more
    fields of the offers new to the site (:func:`~.prices.new_offer_parts`), set by an
    upsert too should another import have stored one of them since.
    """
    if not identity:
        return
    units = unit_pks(session, [o.base_unit for o in identity])
    rows: list[dict[str, object]] = [
        {
            "catalog_id": catalog,
            "external_id": o.id,
            "product_id": _product_of(o, products),
            "product_external_id": o.product_id,
            "name": o.name or "",
            "barcode": o.barcode or "",
            "article": o.article or "",
            "code": o.code or "",
            "base_unit_id": units.get(o.base_unit.code or "") if o.base_unit else None,
            "deleted": o.deleted,
            "version": o.version or "",
            "checksum": sums[o.id],
            "source_digest": o.source_digest,
            "source_parts": _parts(o),
            "active": not o.deleted,
            "updated": session.now,
            **preset.get(o.id, {}),
        }
        for o in identity
    ]
    by_fields: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for o, row in zip(identity, rows, strict=True):
        by_fields.setdefault(tuple(sorted(preset.get(o.id, {}))), []).append(row)
    for extra_fields, part in by_fields.items():
        upsert_marking_full(
            Offer,
            part,
            full=full,
            seen_at=session.seen_at,
            update_fields=[*_IDENTITY_FIELDS, *extra_fields],
            stored=existing,
        )


def _replace_details(
    session: ImportSession,
    catalog: int,
    identity: list[cml.Offer],
    pks: dict[str, int],
    existing: Mapping[str, Any],
) -> None:
    """Replace characteristics and property values of offers whose identity changed."""
    with_characteristics = [o for o in identity if o.characteristics is not None]
    with_values = [o for o in identity if o.property_values is not None]
    if existing:  # offers new to the site have nothing to replace
        OfferCharacteristic.objects.filter(
            offer_id__any=[pks[o.id] for o in with_characteristics if o.id in existing]
        ).delete()
        replaced = [pks[o.id] for o in with_values if o.id in existing]
        OfferPropertyValue.objects.filter(offer_id__any=replaced).delete()
        pending.forget([pending.Kind.OFFER_VALUE], offers=replaced)
    sql.insert(
        OfferCharacteristic,
        [
            {
                "offer_id": pks[o.id],
                "external_id": c.id or "",
                "name": c.name,
                "value": c.value,
                "position": i,
            }
            for o in with_characteristics
            for i, c in enumerate(o.characteristics or ())
        ],
        late=True,
    )
    rows, unknown = property_value_rows(
        session,
        catalog,
        [(pks[o.id], o.id, o.property_values or ()) for o in with_values],
        owner_field="offer_id",
    )
    sql.insert(OfferPropertyValue, [fields for _, fields in rows], late=True)
    pending.keep(
        session,
        [{"offer_id": owner, "kind": pending.Kind.OFFER_VALUE, **row} for owner, row in unknown],
    )


def _with_digests(
    offers: list[cml.Offer],
    identity: list[cml.Offer],
    existing: Mapping[str, Any],
    updates: dict[str, dict[str, object]],
) -> dict[str, dict[str, object]]:
    """``updates`` with the offers' new ``source_digest`` where it changes.

    An offer's digest is that of the element that last wrote it, and only of one
    that carries its identity (``offers``, not a ``prices`` or ``rests`` file),
    with what else it carried (``source_parts``). Prices or stock written by
    another element clear it if that element carried them, since it no longer
    says what the offer holds. An unchanged element whose digest the row does not
    hold yet gets it (its identity was just written with it otherwise).
    """
    written = {o.id for o in identity}
    result = dict(updates)
    for o in offers:
        if o.id in written:
            continue
        fields = updates.get(o.id)
        if _has_identity(o):
            if fields is not None or (
                o.id in existing and existing[o.id]["source_digest"] != o.source_digest
            ):
                result[o.id] = {
                    **(fields or {}),
                    "source_digest": o.source_digest,
                    "source_parts": _parts(o),
                }
        elif fields is not None and o.id in existing:
            wrote = (PRICES if "prices_checksum" in fields else 0) | (
                STOCK if "stock_checksum" in fields else 0
            )
            if existing[o.id]["source_parts"] & wrote:
                result[o.id] = {**fields, "source_digest": 0}
    return result


#: ``Offer.source_parts``: what an element carried besides its identity.
PRICES, STOCK = 1, 2


def _parts(offer: cml.Offer) -> int:
    has_stock = offer.stock is not None or offer.quantity is not None
    return (PRICES if offer.prices is not None else 0) | (STOCK if has_stock else 0)


def _part_of(offer: cml.Offer) -> str:
    """``"prices"`` for an element of prices alone, ``"stock"`` of stock alone, else ``""``.

    Such elements (``prices`` and ``rests`` files) keep their digests in columns of
    their own, so that a split package's files do not take each other's.
    """
    if _has_identity(offer):
        return ""
    return {PRICES: "prices", STOCK: "stock"}.get(_parts(offer), "")


#: Each part: its digest column and the checksum whose writing it follows.
_PARTS = (
    ("prices", "prices_digest", "prices_checksum"),
    ("stock", "stock_digest", "stock_checksum"),
)


def _with_part_digests(
    offers: list[cml.Offer],
    existing: Mapping[str, Any],
    updates: dict[str, dict[str, object]],
) -> dict[str, dict[str, object]]:
    """``updates`` with the offers' new ``prices_digest`` and ``stock_digest`` where they change.

    Prices written by an element of prices alone get its digest, written by any
    other element none (that element no longer says what they are); found
    unchanged, they get the digest of an element of prices alone that the row
    does not hold yet. The same for stock.
    """
    result = dict(updates)
    for o in offers:
        part = _part_of(o)
        for name, column, written in _PARTS:
            own = o.source_digest if part == name else 0
            fields = result.get(o.id)
            if fields is not None and written in fields:
                result[o.id] = {**fields, column: own}
            elif own and o.id in existing and existing[o.id][column] != own:
                result[o.id] = {**(fields or {}), column: own}
    return result


def _not_written(
    updates: dict[str, dict[str, object]], preset: Mapping[str, Mapping[str, object]]
) -> dict[str, dict[str, object]]:
    """``updates`` without the values the offers' identity rows were written with (``preset``)."""
    if not preset:
        return updates
    result: dict[str, dict[str, object]] = {}
    for external_id, fields in updates.items():
        written = preset.get(external_id, {})
        due = {
            name: value
            for name, value in fields.items()
            if name not in written or written[name] != value
        }
        if due:
            result[external_id] = due
    return result


def _update_offers(pks: Mapping[str, int], updates: dict[str, dict[str, object]]) -> None:
    """Write offers' new checksums and quantities: one ``UPDATE`` per set of changed fields."""
    by_fields: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for external_id, values in updates.items():
        by_fields.setdefault(tuple(sorted(values)), []).append({"pk": pks[external_id], **values})
    for names, rows in by_fields.items():
        sql.update_rows(Offer, rows, names)
