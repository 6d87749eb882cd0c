"""Products the shop already has: a product new to the catalog takes one over by article or barcode.

A shop that moves to another 1C base (new ids for the same goods), or that
had products before 1C was connected, would otherwise get every product
twice. With ``ImportOptions.match_products_by`` set, a 1C id the catalog
does not know takes over the stored product with the same article (or
barcode): its row, slug, pictures and place in past orders stay, and from
then on it carries the new id.

Only a sure match is taken: the value is not empty, no other new product
of the batch has it, exactly one stored product of the catalog has it, and
that product was not seen in this exchange nor is in the same batch (its
own id is not still being sent). A product sent under its old id in a
later batch of the same exchange, after its article was taken, comes back
as a new product: articles (or barcodes) must be unique in 1C for this.
Anything else is a new product, and an ambiguous value is a warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from django.db.models import Q

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import Product

#: What a product may be matched by: the ``ImportOptions.match_products_by`` values.
MATCH_FIELDS = ("article", "barcode")


def match_existing(
    session: ImportSession, catalog: int, new: Sequence[cml.Product], sent: Collection[str]
) -> int:
    """Give stored products of ``catalog`` the 1C ids of ``new`` products they are; how many.

    ``sent`` are the ids of the whole batch: a stored product among them is being sent
    under its own id, and is no one else's.
    """
    field = session.options.match_products_by
    if field not in MATCH_FIELDS or not new:
        return 0
    wanted = {p.id: (getattr(p, field) or "").strip() for p in new}
    repeated = Counter(value for value in wanted.values() if value)
    wanted = {xid: value for xid, value in wanted.items() if value and repeated[value] == 1}
    if not wanted:
        return 0
    candidates: dict[str, list[Product]] = {}
    unseen = Q(last_seen_full__isnull=True) | Q(last_seen_full__lt=session.seen_at)
    rows = (
        Product.objects.filter(catalog_id=catalog, **{f"{field}__any": set(wanted.values())})
        .filter(unseen)
        .exclude(external_id__any=sent)
        .only("pk", "external_id", field)
    )
    for row in rows:
        candidates.setdefault(getattr(row, field), []).append(row)
    taken: list[Product] = []
    for xid, value in wanted.items():
        found = candidates.get(value, [])
        if len(found) == 1:
            row = found[0]
            session.warn(
                "product_matched",
                f"Товар {xid} сопоставлен с товаром сайта «{row.external_id}» "
                f"по {_BY[field]} «{value}».",
            )
            row.external_id = xid
            taken.append(row)
        elif len(found) > 1:
            session.warn(
                "product_match_ambiguous",
                f"Товар {xid}: товаров сайта с {_WITH[field]} «{value}»: {len(found)}; "
                "создан новый товар.",
                key=value,
            )
    if taken:
        Product.objects.bulk_update(taken, ["external_id"])
    session.count("products_matched", len(taken))
    return len(taken)


_BY = {"article": "артикулу", "barcode": "штрихкоду"}
_WITH = {"article": "артикулом", "barcode": "штрихкодом"}
