"""What a file holds, in numbers: the engine of ``manage.py cml_inspect``.

The counts mean what ``_definitions`` of the samples' EXPECTED_COUNTS.json says
they mean, counted over the entities the reader yields (so an offer without an
``Ид`` is not an offer, as there).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

from cml_exchange.commerceml.entities import (
    Document,
    Group,
    Offer,
    PriceType,
    Product,
    Property,
    Unit,
    Warehouse,
)
from cml_exchange.commerceml.reading._prolog import Source
from cml_exchange.commerceml.reading.reader import CmlReader, KnownIds
from cml_exchange.commerceml.reading.scan import ValueLimits, scan

#: Counted fields, in the order they are printed.
COUNT_FIELDS = (
    "groups",
    "properties",
    "property_values",
    "units",
    "products",
    "products_deleted",
    "images",
    "barcodes",
    "offers",
    "price_types",
    "prices",
    "warehouses_declared",
    "stock_rows",
    "orders",
    "order_lines",
)


@dataclass(slots=True)
class FileSummary:
    """Counts and facts about one file; ``as_dict()`` is the ``cml_inspect --json`` object.

    ``value_problems`` (the first 100) and ``value_problem_count`` are the
    values an import would refuse the file for, when the limits were given.
    """

    file: str
    kind: list[str] = field(default_factory=list)
    schema_version: str | None = None
    encoding: str | None = None
    namespace: str | None = None
    only_changes: dict[str, bool] = field(default_factory=dict)
    groups: int = 0
    properties: int = 0
    property_values: int = 0
    units: int = 0
    products: int = 0
    products_deleted: int = 0
    images: int = 0
    barcodes: int = 0
    offers: int = 0
    offers_deleted: int = 0
    empty_offers: int = 0
    price_types: int = 0
    prices: int = 0
    warehouses_declared: int = 0
    stock_rows: int = 0
    orders: int = 0
    order_lines: int = 0
    warnings: list[dict[str, str | None]] = field(default_factory=list)
    warning_counts: dict[str, int] = field(default_factory=dict)
    value_problems: list[dict[str, Any]] = field(default_factory=list)
    value_problem_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(
    source: Source,
    *,
    name: str | None = None,
    known: KnownIds | None = None,
    limits: ValueLimits | None = None,
) -> FileSummary:
    """Read a whole file and count what it holds.

    Pass the same ``known`` for the files of one exchange, in upload order, so
    that references between them resolve as they would in an import.
    Raises the reader's errors unchanged. With ``limits`` (the importer's,
    ``cml_exchange.importer.limits.value_limits()``), ``source`` must be a
    path, and the values the import would refuse the file for are listed too.
    """
    path = source if isinstance(source, (str, os.PathLike)) else None
    if limits is not None and path is None:
        raise TypeError("summarize() checks values only in a file given by its path")
    reader = CmlReader(source, name=name, known=known)
    summary = FileSummary(file=reader.name)
    for entity in reader:
        if isinstance(entity, Product):
            summary.products += 1
            summary.products_deleted += entity.deleted
            summary.images += len(entity.images)
            summary.barcodes += entity.barcode is not None
        elif isinstance(entity, Offer):
            summary.offers += 1
            summary.offers_deleted += entity.deleted
            summary.prices += len(entity.prices or ())
            summary.stock_rows += len(entity.stock or ())
        elif isinstance(entity, Group):
            summary.groups += 1
        elif isinstance(entity, Property):
            summary.properties += 1
            summary.property_values += len(entity.options)
        elif isinstance(entity, PriceType):
            summary.price_types += 1
        elif isinstance(entity, Warehouse):
            summary.warehouses_declared += 1
        elif isinstance(entity, Unit):
            summary.units += 1
        elif isinstance(entity, Document):
            summary.orders += 1
            summary.order_lines += len(entity.lines or ())
    summary.kind = list(reader.kinds)
    summary.schema_version = reader.info.schema_version
    summary.encoding = reader.info.encoding
    summary.namespace = reader.info.namespace
    summary.only_changes = dict(reader.only_changes)
    summary.empty_offers = reader.skipped["empty_offer"]
    # EXPECTED_COUNTS counts every child of ВариантыЗначений, empty ones included.
    summary.property_values += reader.skipped["empty_option"]
    summary.warnings = [
        {"code": warning.code, "message": warning.message, "id": warning.entity_id}
        for warning in reader.warnings
    ]
    summary.warning_counts = dict(reader.warning_counts)
    if limits is not None and path is not None:  # after the reader, whose errors come first
        found = scan(path, name=reader.name, limits=limits, refuse=False)
        summary.value_problems = [
            {
                "column": problem.column,
                "message": problem.message,
                "owner": problem.owner,
                "line": problem.line,
                "element": problem.element,
            }
            for problem in found.problems
        ]
        summary.value_problem_count = found.problem_count
    return summary
