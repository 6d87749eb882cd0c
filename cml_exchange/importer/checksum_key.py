"""What wrote the stored checksums and digests: items written by another importer are written again.

An item's checksum (of the entity its element builds) and its element digest say
that 1C sent nothing new for it. They do not say that this importer would store it as
the row holds it: a release whose loaders store an item otherwise (a new column, a
value kept in another form) would never reach the items 1C does not change. So the
loaders' code and the columns they write are hashed into a key (:func:`importer_key`)
kept with the data (:class:`~cml_exchange.models.ChecksumKey`). A step that finds
another key there (or none: rows written before it was kept) first clears every
item's checksums and digests, and records its own: the next exchange writes every
item again, once, as the current code stores it, and the job's warnings say so.

The key changes with any change to the loaders, a refactoring too: the cost is one
exchange that writes everything, as a first import does, after such an upgrade. Each
process looks the key up once: a worker of the old version left running past an
upgrade would write its checksums under the new key, so every worker is restarted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import suppress
from functools import cache
from pathlib import Path

from django.db import models, transaction
from django.db.models import Q

from cml_exchange.models import (
    ChecksumKey,
    Offer,
    OfferCharacteristic,
    OfferPropertyValue,
    Price,
    Product,
    ProductGroup,
    ProductImage,
    ProductPropertyValue,
    ProductRequisite,
    ProductTax,
    Stock,
)

#: Where the loaders are: their code is in the key.
LOADERS = Path(__file__).resolve().parent / "loaders"

#: The models the loaders write for an item: their columns are in the key.
WRITTEN: tuple[type[models.Model], ...] = (
    Product,
    ProductGroup,
    ProductImage,
    ProductPropertyValue,
    ProductRequisite,
    ProductTax,
    Offer,
    OfferCharacteristic,
    OfferPropertyValue,
    Price,
    Stock,
)

#: What the checks clear, by model: an item's checksums and element digests.
CLEARED: dict[type[models.Model], dict[str, object]] = {
    Product: {"checksum": "", "source_digest": 0},
    Offer: {
        "checksum": "",
        "prices_checksum": "",
        "stock_checksum": "",
        "source_digest": 0,
        "prices_digest": 0,
        "stock_digest": 0,
    },
}

#: The key this process found recorded (or recorded itself): not looked up again.
_confirmed: str | None = None


@cache
def importer_key() -> str:
    """The key of this importer: its loaders' code and the columns they write."""
    return key_of(sorted(LOADERS.glob("*.py")), WRITTEN)


def key_of(sources: Iterable[Path], written: Iterable[type[models.Model]]) -> str:
    """The SHA-256 of the ``sources``' bytes and of the columns of the ``written`` models.

    A column is its name, its kind and its sizes: not its labels, whose
    translation does not change what is stored.
    """
    key = hashlib.sha256()
    for path in sources:
        key.update(path.name.encode() + b"\0")
        with suppress(OSError):  # installed without its sources: the names stand in
            key.update(path.read_bytes())
    for model in written:
        columns = [
            (
                field.column,
                field.get_internal_type(),
                getattr(field, "max_length", None),
                getattr(field, "max_digits", None),
                getattr(field, "decimal_places", None),
                field.null,
            )
            for field in model._meta.concrete_fields
        ]
        key.update(repr((model._meta.label, columns)).encode())
    return key.hexdigest()


def make_current() -> int:
    """Clear the items' checksums and digests unless the recorded key is this importer's.

    Returns how many products and offers were cleared (0 when the key was
    current, or no item held any). Cheap after the first call in a process,
    which reads the recorded key; the clearing and the new key are one
    transaction, which two processes may both run (the second clears nothing).
    """
    global _confirmed
    key = importer_key()
    if _confirmed == key:
        return 0
    cleared = 0
    with transaction.atomic():
        recorded = ChecksumKey.objects.select_for_update().filter(pk=1).first()
        if recorded is None or recorded.key != key:
            for model, values in CLEARED.items():
                held = Q()
                for column, empty in values.items():
                    held |= ~Q(**{column: empty})
                cleared += model._default_manager.filter(held).update(**values)
            ChecksumKey.objects.update_or_create(pk=1, defaults={"key": key})
    _confirmed = key
    return cleared


def forget_confirmed() -> None:
    """Look the recorded key up again at the next :func:`make_current` (for tests)."""
    global _confirmed
    _confirmed = None


def confirm() -> None:
    """Take the recorded key for this importer's, unread (for tests)."""
    global _confirmed
    _confirmed = importer_key()
