"""What must hold in the shop's database after any import that answered ``success``."""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.apps import apps
from django.db import models

from cml_exchange import commerceml as cml
from cml_exchange.commerceml.errors import CmlExchangeError
from cml_exchange.models import Group, Offer, Product


def problems(differences: Sequence[str] = ()) -> list[str]:
    """Everything wrong with the catalog as stored after an import that said ``differences``.

    ``differences`` are all the import said: its differences and its notes.

    ``[]`` when it is consistent: no offer cut off from its product, no group
    cycle, every number readable back, and no offer left without a product
    unless the import's reconciliation said so.
    """
    found = [*_dangling_offers(), *_group_cycles(), *_unreadable_numbers()]
    orphans = Offer.objects.filter(product__isnull=True).count()
    if orphans and not any("без товара" in text for text in differences):
        found.append(f"{orphans} offers without a product, and the reply did not say so")
    return found


def products_in(paths: Iterable[Path]) -> int:
    """How many distinct products (catalog, Ид) the files hold, as the reader yields them."""
    seen: set[tuple[str, str]] = set()
    for path in paths:
        catalog = ""
        try:
            for entity in cml.CmlReader(path, name=path.name, check_references=False):
                if isinstance(entity, cml.Catalog):
                    catalog = entity.id
                elif isinstance(entity, cml.Product):
                    seen.add((catalog, entity.id))
        except CmlExchangeError:
            continue
    return len(seen)


def _dangling_offers() -> list[str]:
    """Offers without a product although their catalog holds it (a lost link)."""
    found = []
    products = set(Product.objects.values_list("catalog_id", "external_id"))
    for pk, catalog, external_id, own_id in Offer.objects.filter(product__isnull=True).values_list(
        "pk", "catalog_id", "product_external_id", "external_id"
    ):
        if (catalog, external_id) in products or (catalog, own_id) in products:
            found.append(f"offer {pk} not linked to its product {external_id!r}")
    return found


def _group_cycles() -> list[str]:
    parents = dict(Group.objects.values_list("pk", "parent_id"))
    found: list[str] = []
    for start in parents:
        seen = {start}
        current = parents.get(start)
        while current is not None:
            if current in seen:
                found.append(f"group {start} is its own ancestor")
                break
            seen.add(current)
            current = parents.get(current)
    return found


def _unreadable_numbers() -> list[str]:
    """Numbers read back through the ORM, as the storefront reads them."""
    found: list[str] = []
    for model in apps.get_app_config("cml_exchange").get_models():
        fields = [
            field.name
            for field in model._meta.get_fields()
            if isinstance(field, (models.DecimalField, models.FloatField))
        ]
        if not fields:
            continue
        try:
            rows = list(model._default_manager.values_list("pk", *fields))
        except (decimal.InvalidOperation, ArithmeticError, ValueError, TypeError) as error:
            found.append(f"{model.__name__}: numbers cannot be read back ({error!r})")
            continue
        for pk, *values in rows:
            for name, value in zip(fields, values, strict=True):
                if value is not None and not math.isfinite(value):
                    found.append(f"{model.__name__} {pk}.{name} = {value}")
    return found
