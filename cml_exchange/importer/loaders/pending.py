"""Groups and property values named before 1C declared them, made once it does.

CommerceML 3.1 sends each kind in files of its own (``groups``,
``propertiesGoods``, ``goods``, ``offers`` …), and nothing but habit puts
the groups and properties first. A product that names a group the site does
not know yet, or a value of an unknown property, leaves a
:class:`~cml_exchange.models.PendingReference` (and a warning); when the
group or property is written, in the same exchange or a later one, the
links and values are made and the catalog adapter is told of the products
and offers that got them. A product or offer written again replaces its own
pending references, as it replaces its groups and values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from django.db.models import Count

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer import queries, sql
from cml_exchange.importer.loaders.adapting import tell_offers, tell_products
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import (
    Offer,
    OfferPropertyValue,
    PendingReference,
    Product,
    ProductGroup,
    ProductPropertyValue,
)

Kind = PendingReference.Kind

#: The field of a pending reference that names an item of each model.
OWNER: dict[type[Product] | type[Offer], str] = {Product: "product_id", Offer: "offer_id"}


def forget(
    kinds: Collection[str], *, products: Sequence[int] = (), offers: Sequence[int] = ()
) -> None:
    """Drop the pending references of rows about to be written again."""
    if products:
        PendingReference.objects.filter(kind__any=kinds, product_id__any=products).delete()
    if offers:
        PendingReference.objects.filter(kind__any=kinds, offer_id__any=offers).delete()


def can_be_declared(external_id: str) -> bool:
    """Whether a group or property of this id could ever come: the scan refuses longer ids.

    A reference to one that cannot is never kept (PostgreSQL's array casts would cut
    it, SQLite would store it whole): the loaders warn of it and leave it out.
    """
    return len(external_id) <= id_length()


def id_length() -> int:
    """The longest id a pending reference (and a group or property) keeps."""
    length = PendingReference._meta.get_field("external_id").max_length
    return int(length) if length is not None else 0


def too_long(external_id: str) -> str:
    """A too long id as a warning shows it: its first 40 characters and its length."""
    return f"«{external_id[:40]}…» ({len(external_id)} символов, больше {id_length()})"


def keep(session: ImportSession, rows: Sequence[Mapping[str, object]]) -> None:
    """Store pending references (dicts of :class:`PendingReference` fields), and count them.

    An item the file has told of already (written twice in it) counts what it
    waits for now in place of what it waited for then.
    """
    sql.insert(PendingReference, rows)
    if not rows:
        return
    session.built[(PendingReference, "any")] = True
    now: dict[tuple[str, int], int] = {}
    for row in rows:
        field = "product_id" if row.get("product_id") is not None else "offer_id"
        owner = (field, int(str(row[field])))
        now[owner] = now.get(owner, 0) + 1
    told = _told(session)
    session.count("references_waiting", sum(n - told.get(item, 0) for item, n in now.items()))
    told.update(now)


def count_still_waiting(
    session: ImportSession, model: type[Product] | type[Offer], pks: Sequence[int]
) -> None:
    """Count the references still waiting of items 1C sent unchanged (pks), as :func:`keep` does.

    The items are products or offers (``model``) whose elements name their
    groups and values, found unchanged by their checksums or passed over: their
    references still wait, and the reconciliation tells of them at every
    exchange, as for an item written. Each file tells of an item once, however
    many of its elements name it, unless they fall in two steps. Looked for only
    while any reference waits (read once a step).
    """
    if not pks or not any_waiting(session):
        return
    owner = OWNER[model]
    told = _told(session)
    fresh = [pk for pk in pks if (owner, pk) not in told]
    found = 0
    for start in range(0, len(fresh), _CHUNK):
        chunk = fresh[start : start + _CHUNK]
        for pk, count in (
            PendingReference.objects.filter(**{f"{owner}__any": chunk})
            .values_list(owner)
            .annotate(count=Count("pk"))
            .order_by()
        ):
            told[(owner, pk)] = count
            found += count
    session.count("references_waiting", found)


def waiting_among(session: ImportSession, owner: str, pks: Collection[int]) -> set[int]:
    """Those of ``pks`` (products' or offers', ``owner``: ``product_id`` or ``offer_id``) that wait.

    Such an item is not passed over unread: reading its element counts what it
    waits for. Looked for only while any reference waits.
    """
    if not pks or not any_waiting(session):
        return set()
    listed = list(pks)
    found: set[int] = set()
    for start in range(0, len(listed), _CHUNK):
        found.update(
            PendingReference.objects.filter(
                **{f"{owner}__any": listed[start : start + _CHUNK]}
            ).values_list(owner, flat=True)
        )
    return found


#: Pks per statement (one array parameter, ``__any``).
_CHUNK = 5000


def any_waiting(session: ImportSession) -> bool:
    """Whether any reference waited when the step first asked (or was kept since in it)."""
    key = (PendingReference, "any")
    if key not in session.built:
        session.built[key] = PendingReference.objects.exists()
    return bool(session.built[key])


def _told(session: ImportSession) -> dict[tuple[str, int], int]:
    """The items whose waiting references the file being read has told of in this step.

    By (owner field, pk): how many it told of. A file's own, so that each file
    naming an item tells of it.
    """
    told: dict[tuple[str, int], int] = session.built.setdefault(
        (PendingReference, "told", session.job.file_index), {}
    )
    return told


def resolve_groups(session: ImportSession, groups: Mapping[str, int]) -> None:
    """Link products to the groups just written (``{1C id: pk}``) that they named before."""
    found = queries.values_list(
        PendingReference,
        ["pk", "product_id", "external_id", "position"],
        kind=Kind.GROUP,
        external_id__any=list(groups),
    )
    if not found:
        return
    sql.insert(
        ProductGroup,
        [
            {"product_id": product, "group_id": groups[external_id], "position": position}
            for _, product, external_id, position in found
        ],
        ignore_conflicts=True,
    )
    PendingReference.objects.filter(pk__any=[row[0] for row in found]).delete()
    session.count("pending_groups_linked", len(found))
    told = sorted({row[1] for row in found})
    tell_products(session, told, ())


def resolve_values(session: ImportSession, properties: Collection[str]) -> None:
    """Write the values of the properties just declared (1C ids) that products and offers had."""
    from cml_exchange.importer.loaders.products import property_value_rows

    for kind, owner_field, model, value_model in (
        (Kind.PRODUCT_VALUE, "product_id", Product, ProductPropertyValue),
        (Kind.OFFER_VALUE, "offer_id", Offer, OfferPropertyValue),
    ):
        found = queries.values_list(
            PendingReference,
            [
                "pk",
                owner_field,
                f"{owner_field[:-3]}__catalog_id",
                "external_id",
                "values",
                "position",
            ],
            kind=kind,
            external_id__any=list(properties),
        )
        if not found:
            continue
        # Each pending value is an "owner" of its own, so that its rows keep its place.
        by_catalog: dict[int, list[tuple[int, str, list[cml.PropertyValue]]]] = defaultdict(list)
        place = {}
        for pk, owner, catalog, external_id, values, position in found:
            values_of = [cml.PropertyValue(property_id=external_id, values=list(values))]
            by_catalog[catalog].append((pk, str(owner), values_of))
            place[pk] = (owner, position)
        kept: set[int] = set()  # still unknown to that catalog: they wait on
        for catalog, entries in by_catalog.items():
            rows, still = property_value_rows(session, catalog, entries)
            kept |= {pk for pk, _ in still}
            sql.insert(
                value_model,
                [
                    {
                        **fields,
                        owner_field: place[pk][0],
                        "position": place[pk][1] + int(str(fields["position"])),
                    }
                    for pk, fields in rows
                ],
            )
        written = [row for row in found if row[0] not in kept]
        PendingReference.objects.filter(pk__any=[row[0] for row in written]).delete()
        session.count("pending_values_written", len(written))
        told = sorted({row[1] for row in written})
        if not told:
            continue
        if model is Product:
            tell_products(session, told, ())
        else:
            tell_offers(session, told, ())
