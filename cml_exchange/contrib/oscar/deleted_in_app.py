"""The app's rows deleted on the site (its admin, a script): their Oscar rows go with them.

An app product, offer, group, catalog, property or warehouse deleted on the
site took its link to Oscar with it and left the Oscar product, category,
product class, attribute or partner behind: public, for sale, and doubled by
1C's next exchange, which made another. Now the adapter deletes products and
categories as it does for the items 1C deletes (``OscarCatalogAdapter.delete``),
with the shop's exchange settings, its counters going to the log; the others
go with their app rows.

A deletion of many (a queryset, the admin's bulk action, a catalog's products,
a classifier's groups) is told to the adapter once, at its first row. An offer
going with its product or catalog needs nothing of its own: the product's
Oscar product takes its children. Rows whose mirror is gone already (1C's
deletions, told to the adapter before the rows go) need nothing either.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.signals import pre_delete
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.mirroring import (
    first_of_deletion,
    from_app,
    mirroring,
    model_of,
    oscar_adapter,
    site_deletion,
)
from cml_exchange.contrib.oscar.models import (
    AttributeLink,
    CategoryLink,
    OfferLink,
    ProductLink,
)
from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.models import Catalog, Classifier, Group, Offer, Product, Property, Warehouse

logger = logging.getLogger(__name__)

ProductAttribute: Any = get_model("catalogue", "ProductAttribute")
ProductClass: Any = get_model("catalogue", "ProductClass")
Partner: Any = get_model("partner", "Partner")

#: The link each app model's mirror hangs on, and its field naming the app's row.
_LINKS: dict[type[Model], tuple[type[Model], str]] = {
    Product: (ProductLink, "product_id"),
    Offer: (OfferLink, "offer_id"),
    Group: (CategoryLink, "group_id"),
}

#: The rows owning many of a model's, whose deletion takes them: by (model, owner), the field.
_OWNERS: dict[tuple[type[Model], type[Model]], str] = {
    (Product, Catalog): "catalog",
    (Group, Classifier): "classifier",
}


def delete_mirror(
    sender: type[Model],
    instance: Model,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """An app product, offer or group is going: its Oscar product or category goes too."""
    if sender is Offer and model_of(origin) is not Offer:
        return
    if not site_deletion(using):
        return
    taken = _taken(sender, origin, using)
    if taken is None:
        rows: Any = [instance.pk]
    elif first_of_deletion(using, origin, f"mirror_{sender._meta.model_name}"):
        rows = taken.values("pk")  # a subquery: a deletion of any size is one parameter
    else:
        return
    link, field = _LINKS[sender]
    linked = sorted(
        link._default_manager.db_manager(using)
        .filter(**{f"{field}__in": rows})
        .values_list(field, flat=True)
    )
    _tell_deleted(sender, linked, using)


def _tell_deleted(model: type[Model], pks: list[int], using: str) -> None:
    """Tell the adapter these rows are going, as many a call as its statements can list."""
    adapter, context = oscar_adapter(), site_context()
    size = _rows_a_call(using)
    for start in range(0, len(pks), size):
        adapter.delete(context, model, pks[start : start + size])


def _rows_a_call(using: str) -> int:
    """5,000 rows, or fewer where SQLite was built to take fewer parameters a statement."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return 5000
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(5000, limit - 100))  # the statements' other parameters


def _taken(sender: type[Model], origin: Any, using: str) -> QuerySet[Any] | None:
    """The rows of ``sender`` that deleting ``origin`` takes, when it says (else ``None``).

    A queryset of them; a catalog's products; a classifier's groups (each an
    instance or a queryset).
    """
    rows = sender._default_manager.db_manager(using)
    owner = model_of(origin)
    if owner is sender and isinstance(origin, QuerySet):
        return origin.using(using)
    field = _OWNERS.get((sender, owner))  # type: ignore[arg-type]
    if field is None:
        return None
    return rows.filter(**{f"{field}__in" if isinstance(origin, QuerySet) else field: origin})


def delete_product_class(
    sender: type[Model],
    instance: Catalog,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """A catalog is going: its Oscar product class too, with its attributes, once it is empty.

    The catalog's products go first (:func:`delete_mirror`); a class that still
    has products (the shop's own, put in it by hand) stays.
    """
    if not site_deletion(using):
        return
    products = list(
        Product._default_manager.db_manager(using)
        .filter(catalog=instance, oscar_link__isnull=False)
        .values_list("pk", flat=True)
    )
    # Told before the products' own signals, should Django's order of them change.
    _tell_deleted(Product, products, using)
    classes = ProductClass._default_manager.db_manager(using).filter(cml_link__catalog=instance)
    kept = list(classes.filter(products__isnull=False).distinct().values_list("name", flat=True))
    for name in kept:
        logger.warning(
            "Catalog %r deleted; its Oscar product class %r is kept, as it holds the shop's own "
            "products. 1C's next exchange of the catalog makes a new class.",
            instance.name,
            name,
        )
    with mirroring():
        classes.filter(products__isnull=True).delete()
        # A class kept is the shop's now: a property 1C deletes later takes no attribute of it.
        AttributeLink._default_manager.db_manager(using).filter(
            product_class__in=classes.filter(products__isnull=False)
        ).delete()


def delete_attribute(
    sender: type[Model],
    instance: AttributeLink,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """A property (or its classifier) is going: its Oscar attributes too, the values with them.

    The products and offers that had values of it forget their checksums with
    the property (``cml_exchange.receivers``), so they get the attribute of the
    property 1C declares anew. A deletion of many properties (a queryset, a
    classifier) deletes their attributes at its first link, in one deletion.
    """
    if not from_app(origin) or not site_deletion(using):
        return
    attributes = ProductAttribute._default_manager.db_manager(using)
    owner = model_of(origin)
    path = {Property: "cml_link__property", Classifier: "cml_link__property__classifier"}.get(
        owner  # type: ignore[arg-type]
    )
    if path is None or isinstance(origin, Property):
        doomed = attributes.filter(pk=instance.attribute_id)
    elif first_of_deletion(using, origin, "attributes"):
        doomed = attributes.filter(
            **{f"{path}__in" if isinstance(origin, QuerySet) else path: origin}
        )
    else:
        return
    with mirroring():
        doomed.delete()


def delete_partner(
    sender: type[Model],
    instance: Warehouse,
    origin: Any = None,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """A warehouse is going: its Oscar partner too, with its stock records.

    The offers with stock there forget their stock checksums with the warehouse
    (``cml_exchange.receivers``): the warehouse 1C declares anew gets a partner,
    and their stock records, at its next exchange.
    """
    if site_deletion(using):
        with mirroring():
            Partner._default_manager.db_manager(using).filter(cml_link__warehouse=instance).delete()


def site_context() -> AdapterContext:
    """An adapter context for a deletion made on the site: the shop's options, counts logged."""
    from cml_exchange.importer.options import ImportOptions
    from cml_exchange.models import ExchangeSettings

    def count(name: str, amount: int) -> None:
        if amount:
            logger.info("Deleted on the site: %s %s", name, amount)

    def warn(code: str, message: str, key: str | None) -> None:
        logger.warning("Deleted on the site: %s", message)

    options = ImportOptions.from_settings(ExchangeSettings.load())
    return AdapterContext(None, options, count, warn)  # type: ignore[arg-type]


def connect() -> None:
    """Connect the receivers (``OscarAdapterConfig.ready()``)."""
    for model in _LINKS:
        pre_delete.connect(
            delete_mirror, model, dispatch_uid=f"cml_exchange_oscar.mirror_{model._meta.model_name}"
        )
    pre_delete.connect(
        delete_product_class, Catalog, dispatch_uid="cml_exchange_oscar.delete_product_class"
    )
    pre_delete.connect(
        delete_attribute, AttributeLink, dispatch_uid="cml_exchange_oscar.delete_attribute"
    )
    pre_delete.connect(delete_partner, Warehouse, dispatch_uid="cml_exchange_oscar.delete_partner")
