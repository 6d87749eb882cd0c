"""Pictures → Oscar product images that point at the app's stored files (no copies).

The app stores each picture once, under a name made from its content
(``cml_exchange/products/…``); an Oscar image of it has that name in
``original``. Images under other names are the shop's own and stay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.db import quiet_delete
from cml_exchange.importer import sql
from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.models import Product
from cml_exchange.models import ProductImage as AppImage

ProductImage: Any = get_model("catalogue", "ProductImage")

#: Where the app stores pictures (``cml_exchange.models.catalog.product_image_path``).
APP_IMAGES = "cml_exchange/products/"


def save_images(
    context: AdapterContext, products: Sequence[Product], links: dict[int, int]
) -> None:
    """Make the Oscar images of each product the app's pictures of it, in their order.

    Matched by file name, each row once: 1C may send one picture twice for a
    product, and Oscar then shows it twice too.
    """
    if not products:
        return
    have: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in ProductImage.objects.filter(
        product_id__in=[links[p.pk] for p in products], original__startswith=APP_IMAGES
    ).order_by("display_order", "pk"):
        have[(row.product_id, row.original.name)].append(row)
    pictures: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for product_pk, name, caption in (
        AppImage.objects.filter(product_id__in=[p.pk for p in products])
        .order_by("product", "position", "pk")
        .values_list("product_id", "file", "caption")
    ):
        pictures[product_pk].append((name, caption))
    changed = []
    new: list[dict[str, Any]] = []  # plain rows, inserted without model instances
    for product in products:
        oscar_pk = links[product.pk]
        for position, (name, caption) in enumerate(pictures[product.pk]):
            if not name:
                continue
            caption = caption[:200]
            rows = have.get((oscar_pk, name))
            if not rows:
                new.append(
                    {
                        "product_id": oscar_pk,
                        "original": name,
                        "display_order": position,
                        "caption": caption,
                    }
                )
                continue
            row = rows.pop(0)
            if (row.display_order, row.caption) != (position, caption):
                row.display_order, row.caption = position, caption
                changed.append(row)
    gone = [row.pk for rows in have.values() for row in rows]
    quiet_delete(ProductImage, gone)
    ProductImage.objects.bulk_update(changed, ["display_order", "caption"])
    sql.insert(ProductImage, new)
    context.count("oscar_images_created", len(new))
    context.count("oscar_images_updated", len(changed))
    context.count("oscar_images_deleted", len(gone))


def delete_images_of(oscar_pks: Sequence[int]) -> None:
    """Delete the app's pictures from these Oscar products, leaving the files to the app."""
    quiet_delete(
        ProductImage,
        ProductImage.objects.filter(
            product_id__in=oscar_pks, original__startswith=APP_IMAGES
        ).values_list("pk", flat=True),
    )
