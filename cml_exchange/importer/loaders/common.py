"""Helpers shared by the loaders: upserts, id lookups, slugs, checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import models

from cml_exchange.importer import sql
from cml_exchange.importer.slugs import disambiguated, fallback_slug, make_slug

M = TypeVar("M", bound=models.Model)


def checksum(*parts: object) -> str:
    """A short, stable hash of what 1C sent (dataclass reprs are deterministic)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def upsert_marking_full(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    full: set[str],
    seen_at: dt.datetime,
    update_fields: Sequence[str],
) -> None:
    """Upsert ``rows`` by (catalog, 1C id); those of a full package (``full``) are marked seen.

    The mark (``last_seen_full``) goes in the same statement; the other rows
    keep theirs.
    """
    marked = [row for row in rows if row["external_id"] in full]
    for row in marked:
        row["last_seen_full"] = seen_at
    for part, fields in (
        (marked, [*update_fields, "last_seen_full"]),
        ([row for row in rows if row["external_id"] not in full], list(update_fields)),
    ):
        sql.upsert_rows(model, part, unique_fields=["catalog", "external_id"], update_fields=fields)


def upsert(
    model: type[M],
    objects: Sequence[M],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
) -> list[M]:
    """Insert or update ``objects`` in one statement per database batch; pks are set on return.

    On PostgreSQL and SQLite 3.35+ Django fills the primary keys of upserted
    rows, inserted or updated alike.
    """
    if not objects:
        return []
    return model.objects.bulk_create(  # type: ignore[attr-defined]
        objects,
        update_conflicts=True,
        unique_fields=list(unique_fields),
        update_fields=list(update_fields),
        batch_size=500,
    )


def pk_map(queryset: models.QuerySet[Any], key: str = "external_id") -> dict[str, int]:
    """``{external id: pk}`` for the rows of ``queryset``."""
    return dict(queryset.values_list(key, "pk"))


def ids_by_external_id(
    model: type[models.Model],
    external_ids: Iterable[str],
    cache: dict[str, int],
    **scope: Any,
) -> dict[str, int]:
    """Look up the pks of ``external_ids`` within ``scope``, querying only what ``cache`` lacks."""
    wanted = {external_id for external_id in external_ids if external_id not in cache}
    if wanted:
        found = pk_map(model.objects.filter(external_id__in=wanted, **scope))  # type: ignore[attr-defined]
        cache.update(found)
    return cache


def assign_slugs(
    items: Sequence[tuple[str, str]],
    taken: Callable[[set[str]], set[str]],
    *,
    replace_char: str,
) -> dict[str, str]:
    """Choose unique slugs for ``items`` of (external id, name) that need one.

    ``taken(candidates)`` returns which candidates rows outside ``items``
    already use. A slug in use gets a suffix that depends only on the item's
    1C id, so the outcome does not depend on how the import was cut into
    batches or steps.
    """
    options: dict[str, tuple[str, ...]] = {}
    for external_id, name in items:
        slug = make_slug(name, replace_char=replace_char) or fallback_slug(
            external_id, replace_char=replace_char
        )
        options[external_id] = (
            slug,
            *(
                disambiguated(slug, external_id, replace_char=replace_char, strength=strength)
                for strength in (8, 32)
            ),
        )
    in_use = taken({candidate for choices in options.values() for candidate in choices})
    result: dict[str, str] = {}
    for external_id, choices in options.items():
        for candidate in choices:
            if candidate not in in_use:
                break
        else:  # pragma: no cover - needs a 128-bit hash collision
            raise RuntimeError(f"No free slug for {external_id!r}")
        in_use.add(candidate)
        result[external_id] = candidate
    return result
