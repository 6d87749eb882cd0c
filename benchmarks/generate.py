"""Command line of the benchmark data generator; the code is the package ``benchmarks.generator``.

Kept as the documented entry point: ``python benchmarks/generate.py --products N
--out DIR [--seed S] [--schema 2.08|2.07|3.1] [--orders M] [--stock-form
attr|nested|both] [--packet 1000] [--properties-packet 50]`` runs
:func:`benchmarks.generator.cli.main`, and
``from benchmarks.generate import generate_catalog, COUNT_KEYS`` imports the
package's public names (see :mod:`benchmarks.generator` for the contracts).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, only ``benchmarks/`` is on the path: make the package importable.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks.generator import (  # noqa: E402
    COUNT_KEYS,
    GENERATOR_VERSION,
    NAMESPACES,
    STOCK_FORMS,
    TINY_JPEG,
    generate_catalog,
)
from benchmarks.generator.cli import main  # noqa: E402

__all__ = [
    "COUNT_KEYS",
    "GENERATOR_VERSION",
    "NAMESPACES",
    "STOCK_FORMS",
    "TINY_JPEG",
    "generate_catalog",
    "main",
]

if __name__ == "__main__":
    sys.exit(main())
