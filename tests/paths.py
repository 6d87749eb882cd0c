"""Where the test data lives."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
#: Real exchange files copied from ../shared/cml-samples (origins in SOURCES.md there).
CML_DIR = DATA_DIR / "cml"


def sample(name: str) -> Path:
    """A real exchange file by the start of its name (unique prefixes only)."""
    matches = sorted(CML_DIR.glob(f"{name}*"))
    if len(matches) != 1:
        raise LookupError(f"{name!r} matches {len(matches)} sample files")
    return matches[0]
