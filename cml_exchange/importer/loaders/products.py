"""Loader for products: the rows, their groups, property values, requisites, taxes, pictures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from cml_exchange import signals
from cml_exchange.commerceml import entities as cml
from cml_exchange.importer import queries, sql
from cml_exchange.importer.images import sync_images
from cml_exchange.importer.limits import value_limits
from cml_exchange.importer.loaders import pending
from cml_exchange.importer.loaders.adapting import (
    tell_products,
)
from cml_exchange.importer.loaders.classifier import catalog_pk, unit_pks
from cml_exchange.importer.loaders.common import (
    checksum,
    save_with_slugs,
    slugs_wanted,
    upsert_marking_full,
)
from cml_exchange.importer.loaders.matching import match_existing
from cml_exchange.importer.loaders.references import option_values, property_types, scoped_pks
from cml_exchange.importer.loaders.unchanged import pass_over
from cml_exchange.importer.loaders.waiting_offers import link_waiting_offers
from cml_exchange.importer.root_group import skipped_roots
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import (
    Category,
    Group,
    Product,
    ProductGroup,
    ProductPropertyValue,
    ProductRequisite,
    ProductTax,
)

_PRODUCT_FIELDS = [
    "name", "full_name", "slug", "code", "article", "barcode", "description", "base_unit",
    "category", "manufacturer", "country", "weight", "deleted", "version", "checksum",
    "source_digest", "active", "updated",
]  # fmt: skip
#: The columns each field the site may own (``ImportOptions.site_owned``) stands for.
_SITE_COLUMNS = {
    "name": ("name", "full_name"),
    "description": ("description",),
    "slug": ("slug",),
    "pictures": (),
}


def load_products(
    session: ImportSession, items: Sequence[tuple[cml.Product | cml.Unchanged, Scope]]
) -> None:
    """Upsert a batch of products, catalog by catalog."""
    by_catalog: dict[int, dict[str, tuple[cml.Product | cml.Unchanged, Scope]]] = {}
    for product, scope in items:
        # The last of two items with one id wins, as 1C's own import does.
        by_catalog.setdefault(catalog_pk(session, scope.catalog or ""), {})[product.id] = (
            product,
            scope,
        )
    for catalog, batch in by_catalog.items():
        _load(session, catalog, list(batch.values()))


def _load(
    session: ImportSession, catalog: int, items: list[tuple[cml.Product | cml.Unchanged, Scope]]
) -> None:
    batch, passed = pass_over(session, Product, catalog, items)
    products: list[cml.Product] = [product for product, _ in batch]
    existing = _existing(catalog, products)
    new = [p for p in products if p.id not in existing]
    if match_existing(session, catalog, new, [item.id for item, _ in items]):
        existing = _existing(catalog, products)
    sums = {p.id: checksum(p) for p in products}
    use_checksums = session.options.use_checksums
    # An unchanged product is skipped, unless a past exchange deactivated it.
    changed = [
        p
        for p in products
        if not use_checksums
        or p.id not in existing
        or existing[p.id]["checksum"] != sums[p.id]
        or existing[p.id]["active"] == p.deleted
    ]
    full = {p.id for p, scope in batch if scope.full}
    owned = session.options.site_owned
    saved = _save_rows(session, catalog, changed, existing, sums, full) if changed else {}
    if saved:
        _replace_children(session, catalog, changed, saved, existing)
        # Pictures the site owns are 1C's only for the products 1C creates.
        pictured = [p for p in changed if "pictures" not in owned or p.id not in existing]
        sync_images(session, [(p, saved[p.id]) for p in pictured])
    _refresh_digests(products, changed, existing)
    created = sum(1 for p in changed if p.id not in existing)
    session.count("products_created", created)
    session.count("products_updated", len(changed) - created)
    session.count("products_unchanged", len(products) - len(changed) + len(passed))

    pks = {xid: row["pk"] for xid, row in existing.items()} | saved
    pks |= {xid: pk for xid, (pk, _marker) in passed.items()}
    # The rows just written carry the mark already (see _save_rows).
    seen = [pks[p.id] for p, scope in items if scope.full and p.id not in saved]
    if seen:
        Product.objects.filter(pk__any=seen).update(last_seen_full=session.seen_at)
    tell_products(session, saved.values(), [saved[p.id] for p in changed if p.id not in existing])
    link_waiting_offers(session, catalog, list(pks))
    # (Those passed over are counted by pass_over.)
    pending.count_still_waiting(
        session, Product, [pks[p.id] for p in products if p.id not in saved]
    )
    signals.products_saved.send(
        sender=Product,
        job=session.job,
        catalog_id=catalog,
        product_ids=sorted(saved.values()),
        unchanged_ids=sorted(pk for xid, pk in pks.items() if xid not in saved),
    )


def _existing(catalog: int, products: list[cml.Product]) -> dict[str, Mapping[str, Any]]:
    """The stored rows of ``products`` in ``catalog``, by 1C id."""
    columns = ["external_id", "pk", "checksum", "source_digest", "slug", "name", "active"]
    ids = [p.id for p in products]
    return {
        row["external_id"]: row
        for row in queries.values(Product, columns, catalog_id=catalog, external_id__any=ids)
    }


def _refresh_digests(
    products: list[cml.Product],
    changed: list[cml.Product],
    existing: Mapping[str, Mapping[str, Any]],
) -> None:
    """Store the element digests of unchanged products whose rows hold another one.

    That is a row written before digests were kept, or by another version of the
    reader: from now on its element is passed over unbuilt.
    """
    written = {p.id for p in changed}
    stale = [
        Product(pk=existing[p.id]["pk"], source_digest=p.source_digest)
        for p in products
        if p.id not in written and existing[p.id]["source_digest"] != p.source_digest
    ]
    if stale:
        Product.objects.bulk_update(stale, ["source_digest"], batch_size=500)


def _save_rows(
    session: ImportSession,
    catalog: int,
    changed: list[cml.Product],
    existing: Mapping[str, Mapping[str, Any]],
    sums: dict[str, str],
    full: set[str],
) -> dict[str, int]:
    """Upsert the changed products; ``{1C id: pk}`` of them.

    New and renamed products get their slugs here (see
    :func:`~cml_exchange.importer.loaders.common.save_with_slugs`). Those of
    a full catalog (``full``) get its ``last_seen_full`` mark in the same
    statement; the others keep theirs.
    """
    units = unit_pks(session, [p.base_unit for p in changed])
    categories = scoped_pks(
        session, Category, {p.category_id for p in changed if p.category_id}, catalog
    )
    rows: list[dict[str, Any]] = [
        {
            "catalog_id": catalog,
            "external_id": p.id,
            "name": p.name or p.full_name or p.id,
            "full_name": p.full_name or "",
            "slug": str(existing[p.id]["slug"]) if p.id in existing else "",
            "code": p.code or "",
            "article": p.article or "",
            "barcode": p.barcode or "",
            "description": p.description or "",
            "base_unit_id": units.get(p.base_unit.code or "") if p.base_unit else None,
            "category_id": categories.get(p.category_id) if p.category_id else None,
            "manufacturer": p.manufacturer.name if p.manufacturer else "",
            "country": p.country or "",
            "weight": p.weight,
            "deleted": p.deleted,
            "version": p.version or "",
            "checksum": sums[p.id],
            "source_digest": p.source_digest,
            "active": not p.deleted,
            "updated": session.now,
            # Only ever inserted: the shop owner's switch is not in the update fields.
            "published": not session.options.hide_new_products,
        }
        for p in changed
    ]
    owned = session.options.site_owned
    kept = {column for name in owned for column in _SITE_COLUMNS[name]}
    update_fields = [name for name in _PRODUCT_FIELDS if name not in kept]
    options = session.options
    if "slug" in owned or "name" in owned:
        # A slug the site owns, or made from a name the site owns, stays as it is.
        options = replace(options, slug_on_update=False)

    def save(slugs: dict[str, str]) -> None:
        for row in rows:
            row["slug"] = slugs.get(row["external_id"], row["slug"])
        upsert_marking_full(
            Product,
            rows,
            full=full,
            seen_at=session.seen_at,
            update_fields=update_fields,
            stored=existing,
        )

    save_with_slugs(
        Product,
        slugs_wanted(((x.id, x.name) for x in changed), existing, options, id_prefix="item"),
        save,
        scope={"catalog_id": catalog},
        replace_char=session.options.slug_replace_char,
    )
    saved = {xid: row["pk"] for xid, row in existing.items() if xid in sums}
    new = [p.id for p in changed if p.id not in existing]
    if new:
        saved |= sql.pks(Product, "external_id", new, catalog_id=catalog)
    return {p.id: saved[p.id] for p in changed}


def _replace_children(
    session: ImportSession,
    catalog: int,
    changed: list[cml.Product],
    saved: dict[str, int],
    existing: Mapping[str, Mapping[str, Any]],
) -> None:
    """Replace the groups, property values, requisites and taxes of changed products."""
    # Products new to the site have no children to replace.
    replaced = [saved[p.id] for p in changed if p.id in existing]
    if replaced:
        for model in (ProductGroup, ProductPropertyValue, ProductRequisite, ProductTax):
            model.objects.filter(product_id__any=replaced).delete()
        pending.forget([pending.Kind.GROUP, pending.Kind.PRODUCT_VALUE], products=replaced)

    groups = scoped_pks(session, Group, {g for p in changed for g in p.group_ids}, catalog)
    roots = skipped_roots(session) if any(p.group_ids for p in changed) else {}
    links: list[dict[str, object]] = []
    waiting: list[dict[str, object]] = []
    for p in changed:
        named = [group_id for group_id in dict.fromkeys(p.group_ids) if group_id not in roots]
        for position, group_id in enumerate(named):
            link = {"product_id": saved[p.id], "position": position}
            if group_id in groups:
                links.append({**link, "group_id": groups[group_id]})
                continue
            if not pending.can_be_declared(group_id):
                session.warn(
                    "unknown_group",
                    f"Товар {p.id} ссылается на группу с Ид {pending.too_long(group_id)}: "
                    "такой группы не может быть в классификаторе, товар в нее не попадет.",
                    key=group_id,
                )
                continue
            waiting.append({**link, "kind": pending.Kind.GROUP, "external_id": group_id})
            session.warn(
                "unknown_group",
                f"Товар {p.id} ссылается на группу {group_id}, которой пока нет в "
                "классификаторе; товар попадет в нее, когда 1С ее пришлет.",
                key=group_id,
            )
    sql.insert(ProductGroup, links, late=True)

    values, unknown = property_value_rows(
        session,
        catalog,
        [(saved[p.id], p.id, p.property_values) for p in changed],
        owner_field="product_id",
    )
    sql.insert(ProductPropertyValue, [fields for _, fields in values], late=True)
    kind = pending.Kind.PRODUCT_VALUE
    waiting += [{"product_id": owner, "kind": kind, **row} for owner, row in unknown]
    pending.keep(session, waiting)
    sql.insert(
        ProductRequisite,
        [
            {"product_id": saved[p.id], "name": r.name, "value": r.value, "position": i}
            for p in changed
            for i, r in enumerate(p.requisites)
        ],
        late=True,
    )
    sql.insert(
        ProductTax,
        [
            {"product_id": saved[p.id], "name": t.name, "rate": t.rate}
            for p in changed
            for t in p.tax_rates
        ],
        late=True,
    )


def property_value_rows(
    session: ImportSession,
    catalog: int,
    owners: Sequence[tuple[int, str, Sequence[cml.PropertyValue]]],
    *,
    owner_field: str = "",
) -> tuple[list[tuple[int, dict[str, object]]], list[tuple[int, dict[str, object]]]]:
    """Rows of property values for (owner pk, owner 1C id, values) of products or offers.

    With ``owner_field`` (``product_id``), each row of the first list holds the
    owner's pk under that name too, ready for :func:`~cml_exchange.importer.sql.insert`.

    A ``Справочник`` value names an option: the row points at it and repeats
    its text; an option not (yet) declared keeps its id, to be linked when it
    is. A value of a property not (yet) declared is a warning, and comes back
    in the second list as ``(owner, {"external_id", "values", "position"})``
    for :mod:`~cml_exchange.importer.loaders.pending` to keep.
    """
    properties = property_types(
        session, {v.property_id for _, _, vs in owners for v in vs}, catalog
    )
    options = option_values(
        {
            (properties[v.property_id][0], raw)
            for _, _, vs in owners
            for v in vs
            if v.property_id in properties
            for raw in v.values
        }
    )
    option_id_length = value_limits().lengths["PropertyOption.external_id"]
    rows: list[tuple[int, dict[str, object]]] = []
    unknown: list[tuple[int, dict[str, object]]] = []
    for owner, owner_id, values in owners:
        position = 0
        for value in values:
            found = properties.get(value.property_id)
            if found is None and not pending.can_be_declared(value.property_id):
                session.warn(
                    "unknown_property",
                    f"{owner_id}: свойства с Ид {pending.too_long(value.property_id)} не может "
                    "быть в классификаторе; его значения не записаны.",
                    key=value.property_id,
                )
                position += len(value.values)
                continue
            if found is None:
                session.warn(
                    "unknown_property",
                    f"{owner_id}: свойства {value.property_id} пока нет в классификаторе; "
                    "значение будет записано, когда 1С его пришлет.",
                    key=value.property_id,
                )
                unknown.append(
                    (
                        owner,
                        {
                            "external_id": value.property_id,
                            "values": list(value.values),
                            "position": position,
                        },
                    )
                )
                position += len(value.values)  # its place, kept for when it is written
                continue
            property_pk, is_directory = found
            for raw in value.values:
                option = options.get((property_pk, raw))
                waiting = option is None and is_directory
                if waiting and len(raw) > option_id_length:
                    # No option can have such an id (the scan refuses it): the text stays.
                    waiting = False
                    session.warn(
                        "option_id_too_long",
                        f"{owner_id}: значение свойства {value.property_id} длиннее "
                        f"{option_id_length} символов и не может быть Ид значения справочника; "
                        "записано как текст.",
                        key=value.property_id,
                    )
                elif waiting:
                    session.warn(
                        "unknown_option",
                        f"{owner_id}: значения {raw} свойства {value.property_id} пока нет "
                        "в справочнике; оно будет записано, когда 1С его пришлет.",
                        key=f"{value.property_id}\n{raw}",
                    )
                row: dict[str, object] = {
                    "property_id": property_pk,
                    "option_id": option[0] if option else None,
                    "option_external_id": raw if option or waiting else "",
                    "value": option[1] if option else raw,
                    "position": position,
                }
                if owner_field:
                    row[owner_field] = owner
                rows.append((owner, row))
                position += 1
    return rows, unknown
