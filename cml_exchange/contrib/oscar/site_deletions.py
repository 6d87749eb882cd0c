"""Rows the site deletes outside an import, on either side of the mirror.

The adapter keeps Oscar's catalogue as the app's catalog holds it. A deletion
made on the site, in an admin rather than by the adapter, used to break that
quietly:

* An Oscar product (a stand-alone one, a parent, a child) or a stock record
  deleted in Oscar's dashboard: the app's product or offer still held what 1C
  sent, so 1C's next exchange passed it over unchanged and it never came back,
  while 1C was told ``success``. Now the app's item forgets its checksums and
  element digests (:func:`forget_unlinked_product`, :func:`forget_unlinked_offer`,
  :func:`forget_stock_record`), so that exchange writes it again and the
  adapter makes its Oscar product and stock records anew, as it does for the
  app's own rows deleted on the site (``cml_exchange.receivers``).
* An app product, offer or group deleted in the app's admin: its link went
  with it, its Oscar product or category stayed (public, for sale), and 1C's
  next exchange made a second one. Now the adapter deletes them with it, as it
  does for the items 1C has deleted (:func:`delete_mirror`).

The adapter's own deletions (a child dropped when its product's structure
changes, 1C's deletions) happen inside :func:`mirroring` and change nothing here.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.signals import pre_delete
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.models import CategoryLink, OfferLink, ProductLink
from cml_exchange.exceptions import ConfigError
from cml_exchange.models import Catalog, Classifier, Group, Offer, Product

logger = logging.getLogger(__name__)

OscarProduct: Any = get_model("catalogue", "Product")
StockRecord: Any = get_model("partner", "StockRecord")
Partner: Any = get_model("partner", "Partner")

_MIRRORING: ContextVar[bool] = ContextVar("cml_exchange_oscar_mirroring", default=False)

Method = TypeVar("Method", bound=Callable[..., Any])


@contextmanager
def mirroring() -> Iterator[None]:
    """The adapter at work: what it deletes in Oscar is its own doing, not the site's."""
    token = _MIRRORING.set(True)
    try:
        yield
    finally:
        _MIRRORING.reset(token)


def mirrors(method: Method) -> Method:
    """An adapter method whose deletions are the adapter's own (see :func:`mirroring`)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with mirroring():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# -- deleted in Oscar's dashboard ----------------------------------------------------------

#: What an offer's Oscar product and stock records are made from: all of it, written again.
_OFFER_FORGOTTEN = {
    "checksum": "",
    "prices_checksum": "",
    "stock_checksum": "",
    "source_digest": 0,
    "prices_digest": 0,
    "stock_digest": 0,
}


def forget_unlinked_product(
    sender: type[Model],
    instance: ProductLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """The Oscar product of an app product is going: 1C's next exchange writes the product again."""
    if not _MIRRORING.get() and not _from_app(origin):
        Product._default_manager.db_manager(using).filter(pk=instance.product_id).update(
            checksum="", source_digest=0
        )


def forget_unlinked_offer(
    sender: type[Model],
    instance: OfferLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """The Oscar product an offer is sold as is going (its stock records with it): the same."""
    if not _MIRRORING.get() and not _from_app(origin):
        Offer._default_manager.db_manager(using).filter(pk=instance.offer_id).update(
            **_OFFER_FORGOTTEN
        )


def forget_unlinked_group(
    sender: type[Model],
    instance: CategoryLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """A group's Oscar category is going, and its products' places in it with it: the same.

    1C's next exchange makes the category again (groups are read at every
    exchange); the products in it, written again, are put back in it.
    """
    if not _MIRRORING.get() and not _from_app(origin):
        Product._default_manager.db_manager(using).filter(
            group_links__group_id=instance.group_id
        ).update(checksum="", source_digest=0)


def _from_app(origin: Any) -> bool:
    """Whether the deletion began at the app's own rows: what they link is going with them."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    meta = getattr(model, "_meta", None)
    return meta is not None and meta.app_label == Product._meta.app_label


def forget_stock_record(
    sender: type[Model],
    instance: Any,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """A stock record the adapter made is going: its offer's prices and stock are written again.

    A partner's deletion takes all its stock records: their offers are found
    at its first record, in one statement.
    """
    if _MIRRORING.get():
        return
    from cml_exchange.importer.loaders.offers import PRICES, STOCK
    from cml_exchange.receivers import forget_offer_part

    offers = Offer._default_manager.db_manager(using)
    if isinstance(origin, Partner):
        if not _first_of_deletion(using, origin, StockRecord):
            return
        sold = offers.filter(oscar_link__oscar_product__stockrecords__partner=origin)
    else:
        sold = offers.filter(oscar_link__oscar_product_id=instance.product_id)
    forget_offer_part(sold, "prices", PRICES)
    forget_offer_part(sold, "stock", STOCK)


# -- deleted in the app's admin ----------------------------------------------------------

#: The link each app model's mirror hangs on, by the name of its field for the app's row.
_LINKS: dict[type[Model], tuple[type[Model], str]] = {
    Product: (ProductLink, "product_id"),
    Offer: (OfferLink, "offer_id"),
    Group: (CategoryLink, "group_id"),
}


def delete_mirror(
    sender: type[Model],
    instance: Model,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """An app product, offer or group is going: its Oscar product or category goes too.

    What the adapter does for 1C's deletions (``OscarCatalogAdapter.delete``),
    with the shop's exchange settings; its counters go to the log. A deletion
    of many (a queryset's, the admin's bulk action) is told to the adapter
    once, at its first row. An offer going with its product or catalog needs
    nothing of its own: its product's Oscar product takes its children. Rows
    whose mirror is gone already (1C's deletions, told to the adapter first)
    need nothing either.
    """
    if _MIRRORING.get():
        return
    if sender is Offer and not _is_offers(origin):
        return
    adapter = _oscar_adapter()
    if adapter is None:
        return
    taken = _taken(sender, origin, using)
    if taken is None:
        pks = [instance.pk]
    elif _first_of_deletion(using, origin, sender):
        pks = [*taken.values_list("pk", flat=True), instance.pk]
    else:
        return
    link, field = _LINKS[sender]
    linked = sorted(
        link._default_manager.db_manager(using)
        .filter(**{f"{field}__in": pks})
        .values_list(field, flat=True)
    )
    if linked:
        adapter.delete(_site_context(), sender, linked)


def _taken(sender: type[Model], origin: Any, using: str) -> QuerySet[Any] | None:
    """The rows of ``sender`` that deleting ``origin`` takes, when it says (else ``None``).

    A queryset of them; a catalog's products; a classifier's groups (each an
    instance or a queryset).
    """
    rows = sender._default_manager.db_manager(using)
    if isinstance(origin, QuerySet):
        if origin.model is sender:
            return origin.using(using)
        if (sender, origin.model) in _OWNERS:
            return rows.filter(**{f"{_OWNERS[sender, origin.model]}__in": origin})
        return None
    if (sender, type(origin)) in _OWNERS:
        return rows.filter(**{_OWNERS[sender, type(origin)]: origin})
    return None


#: The rows owning many of a model's, whose deletion takes them: by (model, owner), the field.
_OWNERS: dict[tuple[type[Model], type[Model]], str] = {
    (Product, Catalog): "catalog",
    (Group, Classifier): "classifier",
}


def _is_offers(origin: Any) -> bool:
    return isinstance(origin, Offer) or (isinstance(origin, QuerySet) and origin.model is Offer)


def _oscar_adapter() -> Any:
    """The configured catalog adapter, if it is Oscar's (else the mirror is not this app's)."""
    from cml_exchange.contrib.oscar.adapter import OscarCatalogAdapter
    from cml_exchange.importer.adapter import get_catalog_adapter

    try:
        adapter = get_catalog_adapter()
    except ConfigError:
        return None  # the checks and the exchange tell of it; the site's deletion goes on
    return adapter if isinstance(adapter, OscarCatalogAdapter) else None


def _site_context() -> Any:
    """An adapter context for a deletion made on the site: the shop's options, counts logged."""
    from cml_exchange.importer.adapter import AdapterContext
    from cml_exchange.importer.options import ImportOptions
    from cml_exchange.models import ExchangeSettings

    def count(name: str, amount: int) -> None:
        if amount:
            logger.info("Deleted on the site: %s %s", name, amount)

    def warn(code: str, message: str, key: str | None) -> None:
        logger.warning("Deleted on the site: %s", message)

    options = ImportOptions.from_settings(ExchangeSettings.load())
    return AdapterContext(None, options, count, warn)  # type: ignore[arg-type]


#: The deletion under way in this thread (its transaction's atomic block and its origin).
_deletion = threading.local()


def _first_of_deletion(using: str, origin: Any, sender: type[Model]) -> bool:
    """Whether this is the first signal of ``sender``'s rows in the deletion of ``origin``.

    Keyed by the ``Collector``'s atomic block, so a retried deletion of the same
    queryset, rolled back the first time, is another.
    """
    blocks = connections[using].atomic_blocks
    block = blocks[-1] if blocks else None
    if (
        getattr(_deletion, "block", None) is not block
        or getattr(_deletion, "origin", None) is not origin
    ):
        _deletion.block, _deletion.origin, _deletion.senders = block, origin, set()
    senders: set[type[Model]] = _deletion.senders
    if sender in senders:
        return False
    senders.add(sender)
    return True


def connect() -> None:
    """Connect the receivers (``OscarAdapterConfig.ready()``)."""
    uid = "cml_exchange_oscar."
    pre_delete.connect(forget_unlinked_product, ProductLink, dispatch_uid=f"{uid}product_link")
    pre_delete.connect(forget_unlinked_offer, OfferLink, dispatch_uid=f"{uid}offer_link")
    pre_delete.connect(forget_unlinked_group, CategoryLink, dispatch_uid=f"{uid}category_link")
    pre_delete.connect(forget_stock_record, StockRecord, dispatch_uid=f"{uid}stock_record")
    for model in _LINKS:
        pre_delete.connect(
            delete_mirror, model, dispatch_uid=f"{uid}mirror_{model._meta.model_name}"
        )
