"""Helpers shared by the loaders: upserts, id lookups, slugs, checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from django.db import (
    IntegrityError,
    OperationalError,
    connections,
    models,
    router,
    transaction,
)
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from cml_exchange.importer import queries, sql
from cml_exchange.importer.options import ImportOptions
from cml_exchange.importer.slugs import MAX_LENGTH, Wanted, choose

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
    stored: Container[str],
) -> None:
    """Upsert ``rows`` by (catalog, 1C id); those of a full package (``full``) are marked seen.

    The mark (``last_seen_full``) goes in the same statement; the other rows
    keep theirs. ``stored`` holds the 1C ids the caller found stored, in this
    transaction: the other rows are written as new (``sql.upsert_rows(new=True)``).
    """
    parts: dict[tuple[bool, bool], list[dict[str, Any]]] = {}
    for row in rows:
        marked = row["external_id"] in full
        if marked:
            row["last_seen_full"] = seen_at
        parts.setdefault((marked, row["external_id"] not in stored), []).append(row)
    for (marked, new), part in sorted(parts.items(), key=lambda item: (not item[0][0], item[0][1])):
        sql.upsert_rows(
            model,
            part,
            unique_fields=["catalog", "external_id"],
            update_fields=[*update_fields, "last_seen_full"] if marked else list(update_fields),
            new=new,
        )


def upsert(
    model: type[M],
    objects: Sequence[M],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
) -> list[M]:
    """:func:`upsert_dicts` for model objects: their rows written as needed, their pks set."""
    names = _written_attnames(model)
    rows = [{name: getattr(obj, name) for name in names} for obj in objects]
    pks = upsert_dicts(model, rows, unique_fields=unique_fields, update_fields=update_fields)
    for obj, pk in zip(objects, pks, strict=True):
        obj.pk = pk
    return list(objects)


def upsert_dicts(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
) -> list[int]:
    """Insert or update ``rows``, leaving alone those stored as they are; their pks, in order.

    ``rows`` are dicts of attnames: every ``unique_fields`` and ``update_fields``
    but ``updated``; a field left out takes its default in a new row, and
    ``auto_now`` fields (given or not) the time now, as ``save()`` sets them.
    The stored rows of their keys are read first (one query per
    :data:`READ_CHUNK` keys): a row whose ``update_fields`` other than
    ``updated`` equal the stored row's just takes its pk, so a classifier 1C
    sends again unchanged costs no write and keeps its ``updated`` time, as an
    unchanged product does. The others are written
    (:func:`~cml_exchange.importer.sql.upsert_rows`), and their pks are read
    back. Rows with the same ``unique_fields`` (a price type declared in both
    the classifier and the package, say) are one row: the last one's values
    are written, and every one gets its pk. PostgreSQL refuses to update one
    row twice in a statement.
    """
    if not rows:
        return []
    meta = model._meta
    keys = [meta.get_field(name).attname for name in unique_fields]  # type: ignore[union-attr]
    compared = [
        meta.get_field(name).attname  # type: ignore[union-attr]
        for name in update_fields
        if name != "updated"
    ]
    key_of = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    compared_of = itemgetter(*compared) if len(compared) > 1 else None
    last: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        last[key_of(row)] = row
    stored = _stored_values(model, keys, compared, list(last))
    pks: dict[tuple[Any, ...], int] = {}
    changed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, row in last.items():
        found = stored.get(key)
        if found is not None:
            pks[key] = found[0]
        values = (
            compared_of(row)
            if compared_of is not None
            else tuple(row[attribute] for attribute in compared)
        )
        if found is None or found[1:] != values:
            changed[key] = row
    if changed:
        _write_rows(model, changed, stored, unique_fields, update_fields)
        # All of them: a row deleted meanwhile by another transaction was inserted anew.
        for key, (pk,) in _stored_values(model, keys, [], list(changed)).items():
            pks[key] = pk
    return [pks[key_of(row)] for row in rows]


def _written_attnames(model: type[models.Model]) -> list[str]:
    """The attnames a row of ``model`` is written with: not the pk, nor ``auto_now`` fields."""
    auto = _auto_attnames(model)
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in auto
    ]


def _auto_attnames(model: type[models.Model]) -> set[str]:
    """The attnames of ``model``'s ``auto_now`` and ``auto_now_add`` fields (set when written)."""
    return {
        field.attname
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }


def _write_rows(
    model: type[models.Model],
    rows: Mapping[tuple[Any, ...], dict[str, Any]],
    stored: Container[tuple[Any, ...]],
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
) -> None:
    """Upsert ``rows`` (by key): those whose key is not ``stored`` as new ones."""
    auto = _auto_attnames(model)
    for new in (True, False):
        part = [
            {name: value for name, value in row.items() if name not in auto}
            if not auto.isdisjoint(row)
            else row
            for key, row in rows.items()
            if (key not in stored) is new
        ]
        sql.upsert_rows(
            model, part, unique_fields=unique_fields, update_fields=update_fields, new=new
        )


#: Keys per query when :func:`upsert` reads the stored rows (below SQLite's parameter limit).
READ_CHUNK = 900


def _stored_values(
    model: type[models.Model],
    keys: Sequence[str],
    compared: Sequence[str],
    wanted: Sequence[tuple[Any, ...]],
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """``{key: (pk, *compared values)}`` of the stored rows among the ``wanted`` keys."""
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    width = len(keys)
    for start in range(0, len(wanted), READ_CHUNK):
        chunk = wanted[start : start + READ_CHUNK]
        lookups: dict[str, Any] = {
            f"{attribute}__any": {key[index] for key in chunk}
            for index, attribute in enumerate(keys)
        }
        for row in queries.values_list(model, [*keys, "pk", *compared], **lookups):
            found[tuple(row[:width])] = tuple(row[width:])
    return found


def pk_map(queryset: models.QuerySet[Any], key: str = "external_id") -> dict[str, int]:
    """``{external id: pk}`` for the rows of ``queryset``."""
    return dict(queryset.values_list(key, "pk"))


#: Times a batch's rows are written with freshly chosen slugs before the error stands.
SLUG_ATTEMPTS = 10

#: What a row's slug is while the batch gives its old one to another row (in the
#: batch's own savepoint, so nobody else ever reads it). Longer than any slug
#: :mod:`cml_exchange.importer.slugs` makes, so it cannot be one; the pk makes it unique.
_RELEASING = "~" * (MAX_LENGTH + 1)

#: PostgreSQL's ``deadlock_detected``: two imports waited for each other's new slugs.
_DEADLOCK = "40P01"


def save_with_slugs(
    model: type[models.Model],
    wanted: Sequence[Wanted],
    save: Callable[[dict[str, str]], object],
    *,
    scope: dict[str, Any],
    replace_char: str,
) -> dict[str, str]:
    """Choose new slugs for ``wanted`` and call ``save(slugs)`` to write the batch with them.

    ``wanted`` are the batch's items (by ``external_id`` within ``scope``,
    e.g. ``{"catalog_id": pk}``) that get a new slug, in the file's order;
    ``save`` writes the batch's rows, taking ``{1C id: slug}`` for those and
    leaving the other rows' slugs as they are; it may be called again, so it
    must only write. The slugs are chosen by :func:`~cml_exchange.importer.slugs.choose`
    against what is stored; rows of the batch whose old slug goes to another
    row of it give it up first, so the write never trips on the order of its
    rows (two items that swap names, say).

    Another import may take one of the chosen slugs between the choice and
    the write (PostgreSQL then makes this write wait for that import's
    transaction, and fails it if the slug was committed). So the choice and
    the write run in a savepoint: on a unique violation or a deadlock, it is
    rolled back and both are done again against what is stored now. A unique
    violation that choosing again does not avoid is not a slug's, and is
    raised; so is the last error after :data:`SLUG_ATTEMPTS`. On PostgreSQL
    the first attempt copies new rows into their table in the savepoint
    (:func:`~cml_exchange.importer.sql.copying_new_in_callers_savepoint`); after
    its violation, which may be a row another import stored since, the rows
    are written again as an upsert, even with the same slugs.
    """
    if not wanted:
        save({})
        return {}
    using = router.db_for_write(model)
    # sql.py writes through the driver's own cursor on PostgreSQL: its errors are the driver's.
    driver: Any = connections[using].Database  # type: ignore[attr-defined]
    retried = (IntegrityError, OperationalError, driver.IntegrityError, driver.OperationalError)
    ids = [item.external_id for item in wanted]
    failure: Exception | None = None
    tried: dict[str, str] | None = None
    attempt = 0
    # The first attempt copies new rows in the savepoint (PostgreSQL); a unique violation
    # there may be a row another import stored since, which only the upsert settles.
    copying, copied = True, False
    batch, scoped = set(ids), tuple(scope.values())

    def owned(candidates: set[str]) -> Iterable[str]:
        """The candidates rows other than the batch's own hold."""
        rows = queries.values_list(
            model, ["slug", "external_id", *scope], using=using, slug__any=candidates
        )
        return [
            slug
            for slug, external_id, *where in rows
            if external_id not in batch or tuple(where) != scoped
        ]

    while True:
        attempt += 1
        slugs = choose(wanted, owned, replace_char=replace_char)
        if failure is not None and slugs == tried and not _is_deadlock(failure) and not copied:
            raise failure
        try:
            with (
                transaction.atomic(using=using),
                sql.copying_new_in_callers_savepoint(copying),
            ):
                _release(model, wanted, slugs, scope, using)
                save(slugs)
        except retried as error:
            operational = isinstance(error, (OperationalError, driver.OperationalError))
            if attempt >= SLUG_ATTEMPTS or (operational and not _is_deadlock(error)):
                raise
            failure, tried = error, slugs
            copied, copying = copying, False
        else:
            return slugs


def _release(
    model: type[models.Model],
    wanted: Sequence[Wanted],
    slugs: dict[str, str],
    scope: dict[str, Any],
    using: str,
) -> None:
    """Give the rows whose old slug another item of the batch takes a placeholder slug."""
    taken = set(slugs.values())
    giving_up = [
        item.external_id
        for item in wanted
        if item.current and slugs[item.external_id] != item.current and item.current in taken
    ]
    if giving_up:
        model._default_manager.using(using).filter(external_id__any=giving_up, **scope).update(
            slug=Concat(Value(_RELEASING), Cast("pk", output_field=models.CharField()))
        )


def _is_deadlock(error: Exception) -> bool:
    """Whether ``error`` (Django's or the driver's own) is PostgreSQL's deadlock."""
    return any(
        _DEADLOCK in (getattr(each, "sqlstate", None), getattr(each, "pgcode", None))
        for each in (error, error.__cause__)
    )


def slugs_wanted(
    items: Iterable[tuple[str, str]],
    existing: Mapping[str, Mapping[str, Any]],
    options: ImportOptions,
    *,
    id_prefix: str,
) -> list[Wanted]:
    """The items (1C id, name) that get a new slug, in the file's order.

    A new item gets one from its name (or, without ``slug_on_add``, from
    ``id_prefix`` and its 1C id); a stored one only when its name changed and
    ``slug_on_update`` is on. The others keep theirs.
    """
    wanted = []
    for external_id, name in items:
        stored = existing.get(external_id)
        if stored is None:
            wanted.append(
                Wanted(external_id, name if options.slug_on_add else f"{id_prefix} {external_id}")
            )
        elif options.slug_on_update and stored["name"] != name:
            wanted.append(Wanted(external_id, name, str(stored["slug"])))
    return wanted
