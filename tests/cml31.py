"""The CommerceML 3.1 test exchange (tests/data/cml31/, see its README.md)."""

from __future__ import annotations

from pathlib import Path

from cml_exchange.client.packing import KINDS_3_1
from tests.paths import DATA_DIR

CML31 = DATA_DIR / "cml31"

#: The kinds in the order 1C sends them (README.md, from docs/research/commerceml-3.1.md).
SENDING_ORDER = KINDS_3_1


def catalog_files() -> list[Path]:
    """The set's catalog files in 1C's sending order, packets of a kind by their number."""
    return [path for kind in SENDING_ORDER for path in sorted(CML31.glob(f"{kind}_*.xml"))]
