"""Products → Oscar products: title, slug, description, class, categories; matching.

Each app product has one Oscar product (a parent or a stand-alone one, see
:mod:`~cml_exchange.contrib.oscar.structure`), of the product class of its
catalog, in the categories of its groups. What the shop owner chose in the
exchange settings holds here too:

* the fields the site owns (``options.site_owned``: ``name``, ``description``,
  ``slug``, ``pictures``) are set when the Oscar product is made and never
  overwritten after, so what the owner edits in Oscar's dashboard stays;
* ``options.hide_new_products`` makes new Oscar products not public, for the
  owner to review;
* ``options.match_products_by`` links a product new to the adapter to an
  Oscar product the shop already has, instead of making one: by barcode,
  Oscar's ``upc``; by article, the SKU of one of its stock records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.utils import timezone
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.db import fit, free_slug, say_cut
from cml_exchange.contrib.oscar.models import CategoryLink, ProductClassLink, ProductLink
from cml_exchange.importer import sql
from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.models import Catalog, ProductGroup
from cml_exchange.models import Product as AppProduct

OscarProduct: Any = get_model("catalogue", "Product")
ProductClass: Any = get_model("catalogue", "ProductClass")
ProductCategory: Any = get_model("catalogue", "ProductCategory")
StockRecord: Any = get_model("partner", "StockRecord")

#: The Oscar fields each field the site may own stands for.
_OWNED = {"name": "title", "description": "description", "slug": "slug"}
#: How the shop owner calls a product's name, in a warning that it was cut.
_PRODUCT_NAME = "Название товара"


def product_classes(context: AdapterContext, catalogs: Iterable[Catalog]) -> dict[int, int]:
    """``{catalog pk: product class pk}``; a catalog without one gets a class named after it."""
    by_pk = {catalog.pk: catalog for catalog in catalogs}
    links = dict(
        ProductClassLink.objects.filter(catalog_id__in=by_pk).values_list(
            "catalog_id", "product_class_id"
        )
    )
    for pk, catalog in by_pk.items():
        if pk not in links:
            name = fit(context, catalog.name or "Товары", 128, "Название каталога")
            product_class = ProductClass.objects.create(
                name=name, slug=free_slug(ProductClass, "slug", name)
            )
            ProductClassLink.objects.create(catalog=catalog, product_class=product_class)
            links[pk] = product_class.pk
    return links


class Saved(NamedTuple):
    """What :func:`save_products` did."""

    #: ``{product pk: Oscar pk}`` of every product given.
    links: dict[int, int]
    #: Oscar pks made or matched by this call (their site-owned fields were just set).
    made: set[int]


def save_products(context: AdapterContext, products: Sequence[AppProduct]) -> Saved:
    """Create, match or update the Oscar product of each product.

    Structure and visibility are
    :func:`~cml_exchange.contrib.oscar.structure.place`'s.
    """
    options = context.options
    kept = {_OWNED[name] for name in options.site_owned if name in _OWNED}
    classes = product_classes(context, {p.catalog for p in products})
    links = dict(
        ProductLink.objects.filter(product_id__in=[p.pk for p in products]).values_list(
            "product_id", "oscar_product_id"
        )
    )
    existing = OscarProduct.objects.in_bulk(list(links.values()))
    matched = _match(context, [p for p in products if links.get(p.pk) not in existing])
    now = timezone.now()
    new: list[tuple[AppProduct, Any]] = []
    changed = []
    for product in products:
        values = {
            "title": product.name[:255],
            "slug": product.slug,
            "description": product.description,
            "product_class_id": classes[product.catalog_id],
        }
        row = existing.get(links.get(product.pk))
        if row is None and product.pk not in matched:
            public = product.active and not options.hide_new_products
            new.append((product, OscarProduct(structure="standalone", is_public=public, **values)))
            say_cut(context, product.name, 255, _PRODUCT_NAME)
            continue
        if row is None:  # the shop's own product: what the site owns stays the shop's
            row = matched[product.pk]
        fields = {name: value for name, value in values.items() if name not in kept}
        if any(getattr(row, name) != value for name, value in fields.items()):
            if "title" in fields and row.title != fields["title"]:
                say_cut(context, product.name, 255, _PRODUCT_NAME)
            for name, value in fields.items():
                setattr(row, name, value)
            row.date_updated = now
            changed.append(row)
    OscarProduct.objects.bulk_create([row for _, row in new])
    made = {product.pk: row for product, row in new} | matched
    active = {product.pk: product.active for product in products}
    sql.insert(
        ProductLink,
        [
            {"product_id": pk, "oscar_product_id": row.pk, "public_1c": active[pk]}
            for pk, row in made.items()
        ],
    )
    written = [name for name in ("title", "slug", "description") if name not in kept]
    OscarProduct.objects.bulk_update(changed, [*written, "product_class_id", "date_updated"])
    links.update((pk, row.pk) for pk, row in made.items())
    context.count("oscar_products_created", len(new))
    context.count("oscar_products_updated", len(changed))
    _save_categories(context, products, links)
    return Saved(links, {row.pk for row in made.values()})


def _match(context: AdapterContext, products: Sequence[AppProduct]) -> dict[int, Any]:
    """``{product pk: Oscar product}`` of the shop's own (unlinked) products these are.

    Only a sure match: a value no other product of the batch has, and
    exactly one unlinked Oscar product with it; an ambiguous one is a warning.
    """
    field = context.options.match_products_by
    if field not in ("article", "barcode") or not products:
        return {}
    values = {p.pk: str(getattr(p, field) or "").strip() for p in products}
    repeated = Counter(value for value in values.values() if value)
    values = {pk: value for pk, value in values.items() if value and repeated[value] == 1}
    if not values:
        return {}
    free = OscarProduct.objects.filter(
        parent__isnull=True, cml_product_link__isnull=True, cml_offer_link__isnull=True
    )
    found: dict[str, set[int]] = defaultdict(set)
    if field == "barcode":
        for pk, upc in free.filter(upc__in=set(values.values())).values_list("pk", "upc"):
            found[upc].add(pk)
    else:
        for sku, pk, parent in StockRecord.objects.filter(
            partner_sku__in=set(values.values()),
            product__cml_product_link__isnull=True,
            product__cml_offer_link__isnull=True,
        ).values_list("partner_sku", "product_id", "product__parent_id"):
            found[sku].add(parent or pk)
    sure = {}
    for pk, value in values.items():
        candidates = found.get(value, set())
        if len(candidates) == 1:
            sure[pk] = next(iter(candidates))
        elif candidates:
            context.warn(
                "oscar_ambiguous_match",
                f"В Oscar несколько товаров с {'артикулом' if field == 'article' else 'штрихкодом'}"
                f" «{value}»; создан новый товар.",
                key=value,
            )
    rows = OscarProduct.objects.in_bulk(set(sure.values()))
    context.count("oscar_products_matched", len(sure))
    return {pk: rows[oscar_pk] for pk, oscar_pk in sure.items() if oscar_pk in rows}


def _save_categories(
    context: AdapterContext, products: Sequence[AppProduct], links: dict[int, int]
) -> None:
    """Each Oscar product in the categories of its product's groups (the shop's own stay)."""
    in_groups = list(
        ProductGroup.objects.filter(product_id__in=[p.pk for p in products]).values_list(
            "product_id", "group_id"
        )
    )
    categories = dict(
        CategoryLink.objects.filter(group_id__in={group for _, group in in_groups}).values_list(
            "group_id", "category_id"
        )
    )
    wanted = {
        (links[product_pk], categories[group_pk])
        for product_pk, group_pk in in_groups
        if group_pk in categories
    }
    ours = ProductCategory.objects.filter(
        product_id__in=list(links.values()), category__cml_link__isnull=False
    )
    have = {
        (row["product_id"], row["category_id"]): row["pk"]
        for row in ours.values("pk", "product_id", "category_id")
    }
    gone = [pk for pair, pk in have.items() if pair not in wanted]
    if gone:
        ProductCategory.objects.filter(pk__in=gone).delete()
    sql.insert(
        ProductCategory,
        [{"product_id": p, "category_id": c} for p, c in sorted(wanted - set(have))],
    )
    context.count("oscar_product_categories_set", len(wanted - set(have)) + len(gone))
