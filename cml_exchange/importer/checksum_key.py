"""What wrote the stored checksums and digests: items written by another importer are written again.

An item's checksum (of the entity its element builds) and its element digest say
that 1C sent nothing new for it. They do not say that this importer would store it as
the row holds it: a release whose loaders store an item otherwise (a new column, a
value kept in another form) would never reach the items 1C does not change, nor
would a catalog adapter that mirrors them otherwise. So the code that stores an item
(the loaders, the statements that write their rows, the configured catalog adapter)
and the columns it writes are hashed into a key (:func:`importer_key`) kept with the
data (:class:`~cml_exchange.models.ChecksumKey`). A step that finds another key there
first clears every item's checksums and digests, and records its own: the next
exchange writes every item again, once, as the current code stores it, and the job's
warnings say so.

The key changes with any change to that code, a refactoring too: the cost is one
exchange that writes everything, as a first import does, after such an upgrade. Each
process looks the key up once: a worker of the old version left running past an
upgrade would write its checksums under the new key, so every worker is restarted.
Pictures are not covered: a stored picture is kept while its file is the same.
"""

from __future__ import annotations

import hashlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata

from django.db import models, transaction
from django.db.models import Q

from cml_exchange.importer.adapter import get_catalog_adapter
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

#: The modules that write an item's rows, besides the loaders (all of ``loaders``).
WRITERS = ("cml_exchange.importer.sql", "cml_exchange.importer.pg_copy")

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
    """The key of this importer: its storing code, the adapter's, and the columns written."""
    return key_of(storing_modules(), WRITTEN)


def storing_modules() -> list[str]:
    """The modules whose code is in the key: the loaders, the writers, the catalog adapter's.

    The adapter's module, or every module of its package when that is one of the
    app's own (``cml_exchange.contrib.oscar``).
    """
    import cml_exchange.importer.loaders as loaders

    names = [f"{loaders.__name__}.{found.name}" for found in pkgutil.iter_modules(loaders.__path__)]
    names += WRITERS
    adapter = type(get_catalog_adapter()).__module__
    package = adapter.rpartition(".")[0]
    if package.startswith("cml_exchange.contrib."):
        spec = importlib.util.find_spec(package)
        locations = spec.submodule_search_locations if spec else None
        names += [f"{package}.{found.name}" for found in pkgutil.iter_modules(locations or [])]
    else:
        names.append(adapter)
    return sorted(set(names))


def key_of(modules: Iterable[str], written: Iterable[type[models.Model]]) -> str:
    """The SHA-256 of the ``modules``' code and of the columns of the ``written`` models.

    A module's code is its source; without it (an install of compiled files
    only), its compiled code; without either, the app's version. A column is
    its name, its kind and its sizes: not its labels, whose translation does
    not change what is stored.
    """
    key = hashlib.sha256()
    for name in modules:
        key.update(name.encode() + b"\0" + _code(name))
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


def _code(module: str) -> bytes:
    spec = importlib.util.find_spec(module)
    origin = spec.origin if spec else None
    try:
        if origin and origin.endswith(".py"):
            with open(origin, "rb") as source:
                return source.read()
        if origin and origin.endswith(".pyc"):
            with open(origin, "rb") as compiled:
                return compiled.read()[16:]  # past the header's timestamp and size
    except OSError:
        pass
    try:
        return metadata.version("cml-exchange").encode()
    except metadata.PackageNotFoundError:
        return b""


def make_current(announce: Callable[[int], object] = lambda cleared: None) -> int:
    """Clear the items' checksums and digests unless the recorded key is this importer's.

    Returns how many products and offers were cleared (0 when the key was
    current, or no item held any); ``announce`` is called with that number in
    the clearing's transaction, so that what tells of it is saved with it, or
    neither is. Cheap after the first call in a process, which reads the
    recorded key (its row, made by the migration, locked: two processes
    starting at once clear once).
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
            if cleared:
                announce(cleared)
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
