"""Archives built for the unzip tests, and how the tests run the extractor."""

import hashlib
import json
import time
import zipfile
from pathlib import Path

from cml_exchange.storage.unzip import (
    DEFAULT_LIMITS,
    UnzipLimits,
    UnzipPosition,
    UnzipStep,
    unzip_step,
)

MiB = 1024 * 1024
IMPORT_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация/>\n'.encode()
OFFERS_XML = '<?xml version="1.0" encoding="windows-1251"?>\n<КоммерческаяИнформация/>\n'.encode(
    "cp1251"
)
BIG = hashlib.shake_256(b"big").digest(5 * MiB)  # incompressible: 5 chunks, stored or not

Entries = list[tuple[str | zipfile.ZipInfo, bytes]]


def build(path: Path, entries: Entries, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def patch(path: Path, old: bytes, new: bytes, count: int = 2) -> None:
    """Replace bytes in the local header and the central directory (or ``count`` places)."""
    data = path.read_bytes()
    assert data.count(old) == count, data.count(old)
    path.write_bytes(data.replace(old, new))


def past() -> float:
    return time.monotonic() - 1


def far() -> float:
    return time.monotonic() + 3600


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def unzip_all(archive: Path, target: Path, limits: UnzipLimits | None = None) -> UnzipStep:
    step = unzip_step(
        archive, target, UnzipPosition(), deadline=far(), limits=limits or DEFAULT_LIMITS
    )
    assert step.done
    return step


def unzip_in_steps(archive: Path, target: Path, saved: dict | None = None) -> list[UnzipStep]:
    """One call per "request", the deadline already past, the position through JSON each time."""
    saved = saved or UnzipPosition().to_dict()
    steps = []
    while True:
        position = UnzipPosition.from_dict(json.loads(json.dumps(saved)))
        step = unzip_step(archive, target, position, deadline=past())
        steps.append(step)
        saved = step.position.to_dict()
        if step.done:
            return steps
        assert len(steps) < 1000
