"""Oscar's search index (haystack) kept up with what the adapter writes.

Oscar's catalogue pages list products from its haystack index, which Django
signals keep current; the adapter writes in bulk, which sends none. So each
adapter call notes the Oscar products it touched, and once its batch has
committed (``transaction.on_commit``) they are indexed again, or removed
when they are no longer browsable (hidden, a child, deleted): a batch at a
time, never the whole catalog.

Nothing is done with haystack's simple backend (it has no index: it reads
the database), nor with ``CML_EXCHANGE_OSCAR_UPDATE_INDEX = False``, for a
shop that runs ``update_index`` itself (say, from cron after exchanges).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.conf import oscar_settings
from cml_exchange.contrib.oscar.db import chunks

OscarProduct: Any = get_model("catalogue", "Product")

SIMPLE = "haystack.backends.simple_backend.SimpleEngine"


def index_later(oscar_pks: Collection[int]) -> None:
    """Index these Oscar products (parents of children instead) once the batch commits."""
    if not oscar_pks or not oscar_settings.UPDATE_INDEX or not _indexed_aliases():
        return
    pks = set(oscar_pks)
    transaction.on_commit(lambda: update_index(pks))


def update_index(oscar_pks: Collection[int]) -> None:
    """Index the browsable ones of ``oscar_pks`` (children: their parents); remove the others.

    An Oscar product that is gone (deleted) is removed by its pk. Only what
    the index holds is removed: a backend such as Whoosh commits each
    removal on its own, a second or so on a big index.
    """
    from haystack import connections
    from haystack.exceptions import NotHandled
    from haystack.utils import get_identifier

    # Children are not indexed: their parents are, with the children's prices and stock.
    parents = dict(OscarProduct.objects.filter(pk__in=oscar_pks).values_list("pk", "parent_id"))
    tops = {parents.get(pk) or pk for pk in oscar_pks}
    for alias in _indexed_aliases():
        try:
            index = connections[alias].get_unified_index().get_index(OscarProduct)
        except NotHandled:
            continue
        backend = connections[alias].get_backend()
        for part in chunks(sorted(tops), 500):
            shown = list(index.index_queryset(using=alias).filter(pk__in=part))
            if shown:
                backend.update(index, shown)
            hidden = set(part) - {product.pk for product in shown}
            for pk in _indexed(alias, hidden):
                backend.remove(get_identifier(OscarProduct(pk=pk)))


def _indexed(alias: str, oscar_pks: Collection[int]) -> list[int]:
    """Those of ``oscar_pks`` that the index ``alias`` holds: one search."""
    from haystack.query import SearchQuerySet

    if not oscar_pks:
        return []
    found = (
        SearchQuerySet(using=alias)
        .models(OscarProduct)
        .filter(django_id__in=[str(pk) for pk in oscar_pks])
    )
    return sorted({int(result.pk) for result in found[: len(oscar_pks)]})


def _indexed_aliases() -> list[str]:
    from django.conf import settings

    return [
        alias
        for alias, connection in getattr(settings, "HAYSTACK_CONNECTIONS", {}).items()
        if connection.get("ENGINE") != SIMPLE
    ]
