"""Looking up what entities refer to by 1C id, preferring the catalog's own classifier.

Group, property and category ids are scoped to a classifier; a product
refers to them by id alone. The lookups prefer the classifier of the
product's catalog and fall back to any classifier, since offers files carry
a classifier of their own and some exporters mix them up.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model

from cml_exchange.importer import queries
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import Catalog, Property, PropertyOption


def catalog_classifier(session: ImportSession, catalog: int) -> int | None:
    """The pk of a catalog's classifier (``None`` when 1C never said which)."""
    cache = session.cache("catalog-classifier")
    key = str(catalog)
    if key not in cache:
        cache[key] = queries.values_list(Catalog, ["classifier_id"], pk=catalog)[0][0] or 0
    return cache[key] or None


def scoped_pks(
    session: ImportSession, model: type[Model], external_ids: Iterable[str], catalog: int
) -> dict[str, int]:
    """``{external id: pk}`` of ``model`` rows, from the catalog's classifier when it has them."""
    preferred = catalog_classifier(session, catalog)
    cache = session.cache((model, preferred))
    wanted = {xid for xid in external_ids if xid not in cache}
    if wanted:
        rows = queries.values_list(
            model, ["external_id", "pk", "classifier_id"], external_id__any=wanted
        )
        for external_id, pk, _classifier in sorted(rows, key=lambda row: row[2] == preferred):
            cache[external_id] = pk  # rows of the preferred classifier come last and win
    return {xid: cache[xid] for xid in external_ids if xid in cache}


def property_types(
    session: ImportSession, external_ids: Iterable[str], catalog: int
) -> dict[str, tuple[int, bool]]:
    """``{external id: (pk, is a Справочник)}`` of the properties named."""
    pks = scoped_pks(session, Property, external_ids, catalog)
    directory = session.cache("property-is-directory")
    unknown = [pk for pk in pks.values() if str(pk) not in directory]
    if unknown:
        for pk, value_type in queries.values_list(Property, ["pk", "value_type"], pk__any=unknown):
            directory[str(pk)] = int(value_type == Property.ValueType.DIRECTORY)
    return {xid: (pk, bool(directory[str(pk)])) for xid, pk in pks.items()}


def option_values(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """``{(property pk, option id): (option pk, its text)}`` for the pairs that exist."""
    if not pairs:
        return {}
    properties = {pk for pk, _ in pairs}
    ids = {xid for _, xid in pairs}
    return {
        (property_pk, external_id): (pk, value)
        for pk, property_pk, external_id, value in queries.values_list(
            PropertyOption,
            ["pk", "property_id", "external_id", "value"],
            property_id__any=properties,
            external_id__any=ids,
        )
        if (property_pk, external_id) in pairs
    }
