"""``python -m benchmarks.generator``: the same CLI as ``python benchmarks/generate.py``."""

import sys

from benchmarks.generator.cli import main

if __name__ == "__main__":
    sys.exit(main())
