"""One generated catalog as CommerceML 2.08 and as the 3.1 file set, and what each imports into.

The two sets come from :func:`benchmarks.generator.generate_catalog` with the
same seed and options; the 3.1 set is cut into several packets of goods,
product properties and stock. :func:`reference` imports the 2.08 set once a
test session and keeps its rows (:func:`~tests.integration.importer.helpers.snapshot`
without :data:`NOT_COMPARED`) and counts; a test compares what the 3.1 set
gave against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchmarks.generator import generate_catalog
from cml_exchange.importer import create_job
from cml_exchange.importer.results import StepResult
from cml_exchange.models import (
    Group,
    ImportJob,
    Offer,
    OfferCharacteristic,
    Price,
    Product,
    ProductGroup,
    ProductImage,
    ProductPropertyValue,
    Property,
    PropertyOption,
    Stock,
)
from tests.integration.importer.helpers import run_to_end, snapshot, wipe

PRODUCTS = 150
SEED = 11
#: Products per goods and rests packet: 3 packets of each.
PACKET = 60
#: Properties per propertiesGoods packet: the 30 properties in 4 packets.
PROPERTIES_PACKET = 8

#: Fields left out of the comparison. The checksums are the importer's own
#: bookkeeping of what it read: the same product written as 2.08 and as 3.1
#: is two different texts (``БазоваяЕдиница`` with attributes or as a bare code,
#: an offer's ``Количество`` given or summed from the rests).
NOT_COMPARED = frozenset(
    {
        "Product.checksum",
        "Product.source_digest",
        "Offer.checksum",
        "Offer.source_digest",
        "Offer.source_parts",
        "Offer.prices_digest",
        "Offer.stock_digest",
        "Offer.prices_checksum",
        "Offer.stock_checksum",
    }
)

Rows = dict[str, list[tuple[str, ...]]]
_REFERENCE: dict[str, tuple[Rows, dict[str, int]]] = {}


def generate(directory: Path, schema: str) -> list[str]:
    """Write the catalog in ``schema`` into ``directory``; its files in 1C's sending order.

    The packet sizes only concern 3.1 (2.x ignores them).
    """
    manifest = generate_catalog(
        directory,
        PRODUCTS,
        seed=SEED,
        schema=schema,
        packet=PACKET,
        properties_packet=PROPERTIES_PACKET,
    )
    exchange = manifest["exchange"]
    assert isinstance(exchange, list)
    return [str(name) for name in exchange]


def import_files(directory: Path, names: Sequence[str]) -> tuple[ImportJob, StepResult]:
    """Import ``names`` from ``directory`` as one job, in the order given, to its end."""
    job = create_job(list(names), base_dir=directory)
    result = run_to_end(job)
    job.refresh_from_db()
    return job, result


def counts() -> dict[str, int]:
    """How many of each thing a shop shows the database holds."""
    return {
        "groups": Group.objects.count(),
        "products": Product.objects.count(),
        "products_active": Product.objects.filter(active=True).count(),
        "product_groups": ProductGroup.objects.count(),
        "properties": Property.objects.count(),
        "property_options": PropertyOption.objects.count(),
        "property_values": ProductPropertyValue.objects.count(),
        "pictures": ProductImage.objects.count(),
        "offers": Offer.objects.count(),
        "offers_without_product": Offer.objects.filter(product__isnull=True).count(),
        "characteristics": OfferCharacteristic.objects.count(),
        "prices": Price.objects.count(),
        "stock_rows": Stock.objects.count(),
    }


def reference(tmp_path: Path) -> tuple[Rows, dict[str, int]]:
    """The rows and counts the 2.08 set imports into (kept after the first call); leaves no rows."""
    if "2.08" not in _REFERENCE:
        directory = tmp_path / "reference-2.08"
        import_files(directory, generate(directory, "2.08"))
        _REFERENCE["2.08"] = (snapshot(NOT_COMPARED), counts())
        wipe()
    return _REFERENCE["2.08"]


def kind(name: str) -> str:
    """A 3.1 file's kind: its name up to the first ``_`` (``goods`` of ``goods_1_2_….xml``)."""
    return name.split("_", 1)[0]


def moved(names: Sequence[str], kinds: Sequence[str], *, first: bool) -> list[str]:
    """``names`` with the files of ``kinds`` moved to the front (``first``) or to the end."""
    chosen = [name for name in names if kind(name) in kinds]
    others = [name for name in names if kind(name) not in kinds]
    return chosen + others if first else others + chosen
