"""Product pictures: from the exchange directory into Django's storage.

A picture is stored under a name made from its content
(``cml_exchange/products/ab/abcdef….jpg``), so an import that is repeated,
resumed after a crash, or that meets the same picture on two products stores
it once. The storage is Django's default one, so S3 and the like work.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer.session import ImportSession
from cml_exchange.models import ProductImage

_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".svg"}


def sync_images(session: ImportSession, products: Sequence[tuple[cml.Product, int]]) -> None:
    """Make the pictures of changed products what 1C sent: keep, add, re-caption, remove."""
    if not products:
        return
    current: dict[int, dict[str, ProductImage]] = {}
    for image in ProductImage.objects.filter(product_id__in=[pk for _, pk in products]):
        current.setdefault(image.product_id, {})[image.source_path] = image
    added: list[ProductImage] = []
    changed: list[ProductImage] = []
    keep: set[int] = set()
    for product, pk in products:
        had = current.get(pk, {})
        for position, picture in enumerate(product.images):
            caption = picture.caption or ""
            old = had.get(picture.path)
            if old is not None:
                keep.add(old.pk)
                if (old.caption, old.position) != (caption, position):
                    old.caption, old.position = caption, position
                    changed.append(old)
                continue
            name = _store(session, picture.path)
            if name is not None:
                added.append(
                    ProductImage(
                        product_id=pk,
                        file=name,
                        source_path=picture.path,
                        caption=caption,
                        position=position,
                    )
                )
    gone = [
        image.pk for images in current.values() for image in images.values() if image.pk not in keep
    ]
    ProductImage.objects.filter(pk__in=gone).delete()
    ProductImage.objects.bulk_update(changed, ["caption", "position"])
    ProductImage.objects.bulk_create(added, batch_size=500)
    session.count("images_saved", len(added))


def _store(session: ImportSession, source: str) -> str | None:
    """Store the picture 1C uploaded at ``source``; its storage name, or ``None`` with a warning."""
    path = _inside(session.base_dir, source)
    if path is None or path.suffix.lower() not in _EXTENSIONS:
        session.warn("bad_image_path", f"Путь к картинке «{source}» не принят.", key=source)
        return None
    try:
        data = path.read_bytes()
    except OSError:
        session.warn(
            "image_missing",
            f"Картинка {source} не найдена среди загруженных файлов.",
            key=source,
        )
        session.count("images_missing")
        return None
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    name = f"cml_exchange/products/{digest[:2]}/{digest}{path.suffix.lower()}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return name


def _inside(base: Path, source: str) -> Path | None:
    """``base/source`` if ``source`` is a plain relative path that stays inside ``base``.

    Unpacked archives never hold symlinks (the unzipper refuses them), so a
    lexical check is enough and spares a ``resolve()`` per picture.
    """
    relative = source.replace("\\", "/")
    if relative.startswith("/") or "\x00" in relative or ".." in relative.split("/"):
        return None
    root = os.path.normpath(base)
    path = os.path.normpath(os.path.join(root, relative))
    return Path(path) if path.startswith(root + os.sep) else None
