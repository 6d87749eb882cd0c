"""Loaders for containers and the classifier: catalogs, properties, units, prices.

The group tree has its own module, :mod:`~cml_exchange.importer.loaders.groups`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import router
from django.db.models import Exists, Model, OuterRef, Subquery

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer import partial_indexes, queries, sql
from cml_exchange.importer.adapter import overrides
from cml_exchange.importer.loaders import pending
from cml_exchange.importer.loaders.adapting import tell_declared, tell_offers, tell_products
from cml_exchange.importer.loaders.common import pk_map, upsert, upsert_dicts
from cml_exchange.importer.session import ImportSession, Scope
from cml_exchange.models import (
    Catalog,
    Category,
    Classifier,
    PriceType,
    Property,
    PropertyOption,
    Unit,
    Warehouse,
)
from cml_exchange.models.base import WAITING_FOR_OPTION
from cml_exchange.models.catalog import ProductPropertyValue
from cml_exchange.models.offers import OfferPropertyValue

E = TypeVar("E")

# -- containers ---------------------------------------------------------------


def classifier_pk(session: ImportSession, external_id: str | None, name: str = "") -> int:
    """The pk of a classifier, created on first mention (a name given later fills it in)."""
    external_id = external_id or ""
    cache = session.cache(Classifier)
    if external_id not in cache:
        cache[external_id] = _pk_of(Classifier, external_id, name=name)
    return cache[external_id]


def catalog_pk(session: ImportSession, external_id: str) -> int:
    """The pk of a catalog, created on first mention (by an offers package, say)."""
    cache = session.cache(Catalog)
    if external_id not in cache:
        cache[external_id] = _pk_of(Catalog, external_id)
    return cache[external_id]


def _pk_of(model: type[Classifier] | type[Catalog], external_id: str, **defaults: object) -> int:
    """The pk of ``model``'s row of ``external_id`` (a unique key), inserted if there is none.

    ``get_or_create`` without its savepoint and its model object: an insert that
    leaves alone a row another import stored meanwhile, then the row looked up again.
    """
    using = router.db_for_write(model)  # the row inserted is looked up where it went
    found = queries.values_list(model, ["pk"], using=using, external_id=external_id)
    if not found:
        sql.insert(model, [{"external_id": external_id, **defaults}], ignore_conflicts=True)
        found = queries.values_list(model, ["pk"], using=using, external_id=external_id)
    if found:
        return int(found[0][0])
    # Deleted as soon as stored (the admin, say): as get_or_create would, once more.
    manager = model._default_manager.db_manager(using)
    row, _ = manager.get_or_create(external_id=external_id, defaults=defaults)
    return int(row.pk)


def load_classifier_header(session: ImportSession, header: cml.Classifier) -> None:
    pk = classifier_pk(session, header.id, header.name)
    if header.name:
        Classifier.objects.filter(pk=pk).exclude(name=header.name).update(
            name=header.name, updated=session.now
        )


def load_catalog_header(session: ImportSession, header: cml.Catalog) -> None:
    pk = catalog_pk(session, header.id)
    fields: dict[str, object] = {"name": header.name, "description": header.description or ""}
    if header.classifier_id is not None:
        fields["classifier_id"] = classifier_pk(session, header.classifier_id)
    queries.update(Catalog, {"updated": session.now, "active": True, **fields}, pk=pk)
    session.forget("catalog-classifier")
    if not header.only_changes and header.id not in session.job.full_catalogs:
        session.job.full_catalogs.append(header.id)


def package_catalog_id(session: ImportSession, header: cml.OfferPackage) -> str:
    """The catalog an offers package belongs to.

    ``ИдКаталога`` when given; otherwise the package's own id without the
    ``#`` 1C appends to the catalog's; otherwise the shop's only catalog.
    """
    if header.catalog_id:
        return header.catalog_id
    if header.id.endswith("#") and len(header.id) > 1:
        return header.id[:-1]
    only = list(Catalog.objects.values_list("external_id", flat=True)[:2])
    return only[0] if len(only) == 1 else ""


# -- the classifier's contents --------------------------------------------------


def load_properties(session: ImportSession, items: Sequence[tuple[cml.Property, Scope]]) -> None:
    for classifier, batch in by_classifier(session, items).items():
        properties = [p for p, _ in batch]
        # Rows, not model objects: a classifier declares thousands of properties and options.
        rows = [
            {
                "classifier_id": classifier,
                "external_id": p.id,
                "name": p.name or p.id,
                "value_type": p.value_type or Property.ValueType.STRING,
                "for_products": p.for_products,
                "for_offers": p.for_offers,
                "required": p.required,
                "multiple": p.multiple,
                "version": p.version or "",
                "deleted": p.deleted,
                "active": not p.deleted,
            }
            for p in properties
        ]
        changed = _changes(session, Property, rows, ["name"], classifier_id=classifier)
        saved = upsert_dicts(
            Property,
            rows,
            unique_fields=["classifier", "external_id"],
            update_fields=[
                "name", "value_type", "for_products", "for_offers", "required",
                "multiple", "version", "deleted", "active", "updated",
            ],
        )  # fmt: skip
        session.count("properties", len(rows))
        tell_declared(session, Property, changed(saved))
        session.forget(Property, "property-is-directory")
        pks = {p.id: pk for p, pk in zip(properties, saved, strict=True)}
        options = [
            {"property_id": pks[p.id], "external_id": o.id, "value": o.value}
            for p in properties
            for o in p.options
        ]
        if options:
            renamed = _renamed_options(options)
            upsert_dicts(
                PropertyOption,
                options,
                unique_fields=["property", "external_id"],
                update_fields=["value"],
            )
            session.count("property_options", len(options))
            told = _owners_told(session)
            _tell_owners(session, _copy_new_texts(renamed, collect=told))
            _tell_owners(session, _link_waiting_values(list(pks.values()), collect=told))
        pending.resolve_values(session, list(pks))


def _renamed_options(options: list[dict[str, Any]]) -> list[int]:
    """The pks of the stored options whose text ``options`` (rows about to be upserted) change."""
    sent = {(o["property_id"], o["external_id"]): o["value"] for o in options}
    stored = PropertyOption.objects.filter(
        property_id__in={o["property_id"] for o in options}
    ).values_list("pk", "property_id", "external_id", "value")
    return [
        pk
        for pk, prop, external_id, value in stored
        if sent.get((prop, external_id), value) != value
    ]


#: The value rows of products and offers, and the field that names their owner.
_VALUE_OWNERS: tuple[tuple[type[ProductPropertyValue] | type[OfferPropertyValue], str], ...] = (
    (ProductPropertyValue, "product_id"),
    (OfferPropertyValue, "offer_id"),
)

#: ``(product pks, offer pks)``: items whose values changed without their elements changing.
Owners = tuple[set[int], set[int]]


def _owners_told(session: ImportSession) -> bool:
    """Whether the catalog adapter hears of products or offers: only then are owners read."""
    return overrides(session.adapter, "save_products") or overrides(session.adapter, "save_offers")


def _copy_new_texts(option_pks: list[int], *, collect: bool) -> Owners:
    """Values naming a renamed option take its new text, as a value naming it first would.

    A product or offer names a reference value by its id, so its own element, and
    with it its checksum and digest, does not change when 1C renames the value:
    the copy of the text its value row keeps is brought up to date here. Returns
    the products and offers whose values these are, for the catalog adapter
    (with ``collect``; none without).
    """
    owners: Owners = (set(), set())
    if not option_pks:
        return owners
    text = PropertyOption.objects.filter(pk=OuterRef("option_id")).values("value")[:1]
    for (model, owner), found in zip(_VALUE_OWNERS, owners, strict=True):
        renamed = model.objects.filter(option_id__in=option_pks)
        if collect:
            found.update(renamed.values_list(owner, flat=True))
        renamed.update(value=Subquery(text))
    return owners


def _link_waiting_values(property_pks: list[int], *, collect: bool) -> Owners:
    """Values that named an option before it was declared get it (and its text) now.

    Returns the products and offers whose values these are, for the catalog
    adapter (with ``collect``; none without).
    """
    owners: Owners = (set(), set())
    for (model, owner), found, index in zip(
        _VALUE_OWNERS, owners, ("cml_product_value_waiting", "cml_offer_value_waiting"), strict=True
    ):
        # WAITING_FOR_OPTION has a partial index of its own: the few waiting values.
        waiting = partial_indexes.pks_in_partial_index(model, index, "property", property_pks)
        if not waiting:
            continue
        option = PropertyOption.objects.filter(
            property_id=OuterRef("property_id"), external_id=OuterRef("option_external_id")
        )
        linked = model.objects.filter(WAITING_FOR_OPTION, Exists(option), pk__any=waiting)
        if collect:
            found.update(linked.values_list(owner, flat=True))
        linked.update(
            option_id=Subquery(option.values("pk")[:1]),
            value=Subquery(option.values("value")[:1]),
        )
    return owners


def _tell_owners(session: ImportSession, owners: Owners) -> None:
    """Tell the catalog adapter of products and offers whose values changed under them.

    Their own elements are unchanged (1C names a value by its id), so with
    checksums on they are passed over and would not be told otherwise. Told
    a batch at a time, as the loaders tell what they write.
    """
    products, offers = (sorted(pks) for pks in owners)
    size = session.options.batch_size
    for start in range(0, len(products), size):
        tell_products(session, products[start : start + size], ())
    for start in range(0, len(offers), size):
        tell_offers(session, offers[start : start + size], ())


def load_categories(session: ImportSession, items: Sequence[tuple[cml.Category, Scope]]) -> None:
    for classifier, batch in by_classifier(session, items).items():
        categories = [c for c, _ in batch]
        rows = [
            Category(
                classifier_id=classifier, external_id=c.id, name=c.name or c.id, updated=session.now
            )
            for c in categories
        ]
        saved = {
            row.external_id: row.pk
            for row in upsert(
                Category,
                rows,
                unique_fields=["classifier", "external_id"],
                update_fields=["name", "updated"],
            )
        }
        wanted = {pid for c in categories for pid in c.property_ids}
        properties = pk_map(
            Property.objects.filter(classifier_id=classifier, external_id__any=wanted)
        )
        through = Category.properties.through
        through.objects.filter(category_id__any=saved.values()).delete()
        through.objects.bulk_create(
            [
                through(category_id=saved[c.id], property_id=properties[pid])
                for c in categories
                for pid in dict.fromkeys(c.property_ids)
                if pid in properties
            ]
        )
        session.count("categories", len(rows))
        session.forget(Category)


def by_classifier(
    session: ImportSession, items: Sequence[tuple[E, Scope]]
) -> dict[int, list[tuple[E, Scope]]]:
    grouped: dict[int, list[tuple[E, Scope]]] = {}
    for entity, scope in items:
        grouped.setdefault(classifier_pk(session, scope.classifier), []).append((entity, scope))
    return grouped


# -- shared by all catalogs -----------------------------------------------------


def load_units(session: ImportSession, units: Sequence[cml.Unit]) -> None:
    rows = {
        u.code: Unit(
            code=u.code,
            external_id=u.id or "",
            name_full=u.name_full or "",
            name_short=u.name_short or "",
            international_abbr=u.international_abbr or "",
        )
        for u in units
        if u.code
    }
    saved = upsert(
        Unit,
        list(rows.values()),
        unique_fields=["code"],
        update_fields=["external_id", "name_full", "name_short", "international_abbr"],
    )
    session.cache(Unit).update({row.code: row.pk for row in saved})


def unit_pks(session: ImportSession, units: Sequence[cml.Unit | None]) -> dict[str, int]:
    """Pks of the units named by code, creating the ones never declared (as 1C names them)."""
    cache = session.cache(Unit)
    missing = {u.code: u for u in units if u is not None and u.code and u.code not in cache}
    if missing:
        cache.update(pk_map(Unit.objects.filter(code__any=missing), key="code"))
        new = [u for code, u in missing.items() if code not in cache]
        if new:
            Unit.objects.bulk_create(
                [
                    Unit(
                        code=u.code or "",
                        name_full=u.name_full or "",
                        name_short=u.name_short or "",
                        international_abbr=u.international_abbr or "",
                    )
                    for u in new
                ],
                ignore_conflicts=True,
            )
            cache.update(pk_map(Unit.objects.filter(code__any=[u.code for u in new]), key="code"))
    return cache


def load_price_types(session: ImportSession, price_types: Sequence[cml.PriceType]) -> None:
    rows = [
        PriceType(
            external_id=p.id,
            name=p.name,
            currency=p.currency or "",
            tax_name=p.tax_name or "",
            tax_included=p.tax_included,
            description=p.description or "",
            declared=True,
            active=not p.deleted,
            updated=session.now,
        )
        for p in price_types
    ]
    changed = _changes(session, PriceType, rows, ["name", "currency"])
    saved = upsert(
        PriceType,
        rows,
        unique_fields=["external_id"],
        update_fields=[
            "name", "currency", "tax_name", "tax_included", "description",
            "declared", "active", "updated",
        ],
    )  # fmt: skip
    session.cache(PriceType).update({row.external_id: row.pk for row in saved})
    session.count("price_types", len(rows))
    tell_declared(session, PriceType, changed([row.pk for row in saved]))


def load_warehouses(session: ImportSession, warehouses: Sequence[cml.Warehouse]) -> None:
    rows = [
        Warehouse(
            external_id=w.id,
            name=w.name,
            address=w.address or "",
            comment=w.comment or "",
            declared=True,
            active=not w.deleted,
            updated=session.now,
        )
        for w in warehouses
    ]
    changed = _changes(session, Warehouse, rows, ["name"])
    saved = upsert(
        Warehouse,
        rows,
        unique_fields=["external_id"],
        update_fields=["name", "address", "comment", "declared", "active", "updated"],
    )
    session.cache(Warehouse).update({row.external_id: row.pk for row in saved})
    session.count("warehouses", len(rows))
    tell_declared(session, Warehouse, changed([row.pk for row in saved]))


def _changes(
    session: ImportSession,
    model: type[Model],
    rows: Sequence[Any],
    fields: Sequence[str],
    **scope: object,
) -> Callable[[Sequence[int]], list[int]]:
    """What the stored rows of ``rows`` (dicts or model objects, by 1C id) hold in ``fields``.

    Read before ``rows`` are written; the function returned takes the pks they
    got and gives those of the rows stored before with other ``fields``: what
    1C changed, for the catalog adapter's ``save_declared`` (nothing is read
    for an adapter without it). A row new to the site is not among them; of an
    id 1C declares twice, the last declaration is the one written and compared.
    """
    if not overrides(session.adapter, "save_declared"):
        return lambda pks: []
    stored = {
        external_id: tuple(values)
        for external_id, *values in model._default_manager.filter(
            external_id__any=[_field(row, "external_id") for row in rows], **scope
        ).values_list("external_id", *fields)
    }

    def changed(pks: Sequence[int]) -> list[int]:
        last = {
            _field(row, "external_id"): (tuple(_field(row, name) for name in fields), pk)
            for row, pk in zip(rows, pks, strict=True)
        }
        return sorted(
            {pk for key, (sent, pk) in last.items() if stored.get(key) not in (None, sent)}
        )

    return changed


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)
