"""Seeded random streams and the 1C-looking identifiers drawn from them.

Determinism rests here: every random choice of the generator comes from a
``random.Random`` made by :func:`stream_rng` (or, for the run-wide context,
seeded with the run's seed), never from the global generator, the clock or
hash randomisation.
"""

from __future__ import annotations

import base64
import random
import uuid

# Random streams: each product draws from its own generator per stream.
STREAM_SKU = 1
STREAM_IMPORT = 2
STREAM_OFFER = 3
STREAM_ORDERS = 4
STREAM_FILES = 5  # the GUIDs in the names of 3.1 files


def stream_rng(seed: int, stream: int, index: int) -> random.Random:
    """The generator of one product (or one pass) in one stream; distinct for distinct inputs."""
    return random.Random((seed << 48) | (stream << 40) | index)


def guid(rng: random.Random, node: str) -> str:
    """A 1C-looking time-based GUID (``xxxxxxxx-xxxx-11ex-8xxx-<node>``)."""
    return (
        f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-11e{rng.getrandbits(4):x}-"
        f"{0x8000 | rng.getrandbits(12):04x}-{node}"
    )


def file_guid(rng: random.Random) -> str:
    """A random (version 4) GUID, as in the names of 3.1 files (``goods_1_1_<guid>.xml``)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def product_guid(seed_salt: int, index: int, rng: random.Random, node: str) -> str:
    """A GUID whose first field is a bijection of ``index``, so product ids never collide."""
    time_low = (index * 0x9E3779B1 + seed_salt) & 0xFFFFFFFF
    return (
        f"{time_low:08x}-{rng.getrandbits(16):04x}-11e{rng.getrandbits(4):x}-"
        f"{0x8000 | rng.getrandbits(12):04x}-{node}"
    )


def ean13(rng: random.Random) -> str:
    """A valid EAN-13 with the Russian prefix ``46`` (the last digit is the check digit)."""
    digits = "46" + "".join(str(rng.randrange(10)) for _ in range(10))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def version_stamp(rng: random.Random) -> str:
    """A ``НомерВерсии`` like 1C's (``AAAAAADjIlA=``): base64 of a small big-endian number."""
    return base64.b64encode(rng.getrandbits(30).to_bytes(8, "big")).decode("ascii")
