"""The app's own signal receivers, wired in ``CmlExchangeConfig.ready()``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Model, QuerySet
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from cml_exchange.conf import app_settings
from cml_exchange.models import (
    Category,
    Classifier,
    ExchangeFile,
    ExchangeKind,
    Group,
    ImportJob,
    Offer,
    PriceType,
    Product,
    Property,
    Unit,
    Warehouse,
)
from cml_exchange.signals import import_finished


@receiver(import_finished, sender=ImportJob, dispatch_uid="cml_exchange.mark_files_imported")
def mark_files_imported(sender: type[ImportJob], job: ImportJob, **kwargs: Any) -> None:
    """The stored files a finished import read count as imported, however it ran.

    The endpoint's imports and the stored-files page's "import again" alike;
    an import of files outside the exchange directory (``cml_import``) has no
    rows to mark.
    """
    directory = app_settings.UPLOAD_ROOT / ExchangeKind.CATALOG.value
    try:
        folder = Path(job.base_dir).relative_to(directory).as_posix()
    except ValueError:
        return
    names = [name if folder == "." else f"{folder}/{name}" for name in job.files]
    ExchangeFile.objects.filter(kind=ExchangeKind.CATALOG, name__in=names).update(
        imported=timezone.now()
    )


@receiver(pre_delete, sender=PriceType, dispatch_uid="cml_exchange.forget_deleted_prices")
def forget_deleted_prices(
    sender: type[PriceType], instance: PriceType, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    """Deleting a price type deletes its prices: their offers no longer hold what 1C sent.

    Their checksums and digests of prices are cleared before the prices go, so that
    the next exchange writes them again (to the type 1C declares anew) instead of
    passing the unchanged offers, or their unchanged file, over.
    """
    from cml_exchange.importer.loaders.offers import PRICES

    _forget(Offer.objects.db_manager(using).filter(prices__price_type=instance), "prices", PRICES)


@receiver(pre_delete, sender=Warehouse, dispatch_uid="cml_exchange.forget_deleted_stock")
def forget_deleted_stock(
    sender: type[Warehouse], instance: Warehouse, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    """The same for a warehouse, whose stock rows go with it."""
    from cml_exchange.importer.loaders.offers import STOCK

    _forget(Offer.objects.db_manager(using).filter(stock__warehouse=instance), "stock", STOCK)


def _forget(offers: Any, part: str, bit: int) -> None:
    """Clear ``part``'s checksum and digests of ``offers`` (a queryset: any number of them)."""
    offers.update(**{f"{part}_checksum": "", f"{part}_digest": 0})
    # The element of the offer's identity carried this part too (``Offer.source_parts``):
    # its digest no longer says what the offer holds.
    offers.annotate(carried=F("source_parts").bitand(bit)).filter(carried=bit).update(
        source_digest=0
    )


#: The rows of the site's that products and offers name, and how each model finds the items
#: naming one (``None``: its items never do). Deleting such a row takes something 1C wrote
#: from those items: a group its links, a property its values, a unit or a category the
#: reference (set to null). A deleted option needs nothing: the values naming it keep its
#: id and take the option 1C declares anew (``classifier._link_waiting_values``).
NAMED_BY: dict[type[Model], tuple[str | None, str | None]] = {
    Group: ("group_links__group", None),
    Category: ("category", None),
    Unit: ("base_unit", "base_unit"),
    Property: ("property_values__property", "property_values__property"),
}


def forget_naming_items(
    sender: type[Model],
    instance: Model,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """Deleting a row that products or offers name: they no longer hold what 1C sent.

    Their checksums and element digests are cleared before the row goes (and,
    for a cascade, before any row goes), so that the next exchange writes them
    again, naming the row 1C declares anew, instead of passing them, or their
    unchanged file, over. An offer's prices and stock are not touched: they
    name none of these.

    One deletion of many rows (a queryset's, the admin's bulk action, the
    importer's of missing groups; a classifier's, with its groups, categories
    and properties) clears them all at its first row of each model, in a
    statement a model and 5,000 rows: Django sends this signal for every row.
    """
    pks = _deleted(sender, instance, origin, using)
    if not pks:
        return  # cleared at an earlier row of the same deletion
    products, offers = NAMED_BY[sender]
    for model, path in ((Product, products), (Offer, offers)):
        if not path:
            continue
        manager = model._default_manager.db_manager(using)
        for start in range(0, len(pks), _CHUNK):
            manager.filter(**{f"{path}__in": pks[start : start + _CHUNK]}).update(
                checksum="", source_digest=0
            )


#: Rows per statement (below SQLite's parameter limit).
_CHUNK = 5000


def _deleted(sender: type[Model], instance: Model, origin: Any, using: str) -> list[Any]:
    """The pks of the rows of ``sender`` to clear the items of at this row of a deletion.

    At the first row of a deletion of many (``origin``: a queryset of them, or
    their classifier), every row the origin takes, as the deletion's first
    signal finds them; later rows of the same deletion (the same ``Collector``'s
    transaction, and the same origin) need nothing more, unless they were not
    among those (a row changed since the deletion collected it). Otherwise, the
    row itself.
    """
    rows = _taken(sender, origin, using)
    if rows is None:
        return [instance.pk]
    blocks = connections[using].atomic_blocks
    # Collector.delete() sends the signals in an atomic block of its own: a retried
    # deletion of the same queryset, whose clearing was rolled back, is another.
    block = blocks[-1] if blocks else None
    deletion = _deletion
    if (
        getattr(deletion, "block", None) is not block
        or getattr(deletion, "origin", None) is not origin
    ):
        deletion.block, deletion.origin, deletion.cleared = block, origin, {}
    cleared: set[Any] | None = deletion.cleared.get(sender)
    if cleared is None:
        cleared = deletion.cleared[sender] = {*rows.values_list("pk", flat=True), instance.pk}
        return sorted(cleared)
    return [] if instance.pk in cleared else [instance.pk]


def _taken(sender: type[Model], origin: Any, using: str) -> QuerySet[Any] | None:
    """The rows of ``sender`` that deleting ``origin`` takes, when it says (else ``None``)."""
    if isinstance(origin, QuerySet) and origin.model is sender:
        return origin
    if sender is Unit:  # not a classifier's
        return None
    rows = sender._default_manager.db_manager(using)
    if isinstance(origin, QuerySet) and origin.model is Classifier:
        return rows.filter(classifier__in=origin)
    if isinstance(origin, Classifier):
        return rows.filter(classifier=origin)
    return None


#: The deletion under way in this thread (its transaction's atomic block and its origin)
#: and, by model, the pks whose naming items it cleared.
_deletion = threading.local()


for _model in NAMED_BY:
    pre_delete.connect(
        forget_naming_items,
        sender=_model,
        dispatch_uid=f"cml_exchange.forget_naming_{_model._meta.model_name}",
    )
