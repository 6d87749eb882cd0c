"""The loopback floor an upload is weighed against (benchmarks/upload_floor.py).

No timing is asserted: a floor that lost or reordered bytes would make the upload's
figure look better than it is, so what arrives is checked byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.upload_floor import PIECE, Loopback


def test_the_loopback_writes_every_part_in_order_and_whole(tmp_path: Path) -> None:
    # Parts smaller than, equal to and larger than the receiver's buffer, and one byte.
    parts = [os.urandom(size) for size in (1000, PIECE, 3 * PIECE + 17, 1)]
    target = tmp_path / "received.bin"

    loopback = Loopback(target)
    try:
        for part in parts:
            loopback.send(part)
    finally:
        loopback.close()

    assert target.read_bytes() == b"".join(parts)
    assert loopback.process.returncode == 0
