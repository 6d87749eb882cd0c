"""A batch of entities read from a file, and the order in which they are written."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer.loaders import classifier as classifier_loader
from cml_exchange.importer.loaders import groups as groups_loader
from cml_exchange.importer.loaders.offers import load_offers
from cml_exchange.importer.loaders.passed import PassedItems, load_passed
from cml_exchange.importer.loaders.products import load_products
from cml_exchange.importer.session import ImportSession, Scope

#: Entity type -> the name used in counters and messages.
_KINDS = {
    cml.Group: "groups",
    cml.Property: "properties",
    cml.Category: "categories",
    cml.PriceType: "price_types",
    cml.Warehouse: "warehouses",
    cml.Unit: "units",
    cml.Product: "products",
    cml.Offer: "offers",
    cml.Document: "documents",
    cml.Counterparty: "counterparties",
}


@dataclass
class Batch:
    """Headers and entities in the order read, each entity with the scope it came in."""

    headers: list[cml.Classifier | cml.Catalog | cml.OfferPackage] = field(default_factory=list)
    items: dict[str, list[tuple[object, Scope]]] = field(default_factory=dict)
    size: int = 0
    #: A file's items passed over unread (loaders/passed.py), counted as their kind.
    passed: list[PassedItems] = field(default_factory=list)

    def add_header(self, header: cml.Classifier | cml.Catalog | cml.OfferPackage) -> None:
        self.headers.append(header)

    def add(self, entity: object, scope: Scope) -> None:
        kind = entity.kind if isinstance(entity, cml.Unchanged) else _KINDS[type(entity)]
        self.items.setdefault(kind, []).append((entity, scope))
        self.size += 1

    def __len__(self) -> int:
        return self.size

    def kinds(self) -> Counter[str]:
        counts = Counter({kind: len(items) for kind, items in self.items.items()})
        for passed in self.passed:
            counts[passed.kind] += len(passed.pks)
        return counts

    def entities(self, kind: str) -> list[Any]:
        return [entity for entity, _ in self.items.get(kind, ())]


def flush(session: ImportSession, batch: Batch) -> None:
    """Write a batch: containers first, then what others refer to, then products and offers.

    Order within a kind is the file's order (parents before subgroups).
    Documents and counterparties are not catalog data and are only counted here.
    """
    for header in batch.headers:
        if isinstance(header, cml.Classifier):
            classifier_loader.load_classifier_header(session, header)
        elif isinstance(header, cml.Catalog):
            classifier_loader.load_catalog_header(session, header)
    items = batch.items
    if "units" in items:
        classifier_loader.load_units(session, batch.entities("units"))
    if "price_types" in items:
        classifier_loader.load_price_types(session, batch.entities("price_types"))
    if "warehouses" in items:
        classifier_loader.load_warehouses(session, batch.entities("warehouses"))
    if "groups" in items:
        groups_loader.load_groups(session, items["groups"])  # type: ignore[arg-type]
    if "properties" in items:
        classifier_loader.load_properties(session, items["properties"])  # type: ignore[arg-type]
    if "categories" in items:
        classifier_loader.load_categories(session, items["categories"])  # type: ignore[arg-type]
    if "products" in items:
        load_products(session, items["products"])  # type: ignore[arg-type]
    if "offers" in items:
        load_offers(session, items["offers"])  # type: ignore[arg-type]
    for passed in batch.passed:
        load_passed(session, passed)
    for kind in ("documents", "counterparties"):
        session.count(f"{kind}_skipped", len(items.get(kind, ())))
