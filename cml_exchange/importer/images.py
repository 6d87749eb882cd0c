"""Product pictures: from the exchange directory into Django's storage.

A picture is stored under a name made from its content and from the size it
was made to fit (``cml_exchange/products/ab/abcdef…_300x300.jpg``, its
preview ``…_preview_100x100.jpg``), so an import that is repeated, resumed
after a crash, or that meets the same picture on two products stores it,
and shrinks it, once. The storage is Django's default one, so S3 and the
like work.

The options (``resize_detail``, ``generate_preview`` and their sizes) are
part of the names: after they change, a product that 1C sends again gets its
pictures made anew the first time, and a product that 1C does not send keeps
the ones it has. A picture Pillow cannot read is stored as sent, is its own
preview, and is a warning.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from cml_exchange.commerceml import entities as cml
from cml_exchange.importer.options import ImportOptions
from cml_exchange.importer.session import ImportSession
from cml_exchange.importer.thumbnails import UnreadablePicture, shrink
from cml_exchange.models import ProductImage

_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".svg"}
#: Pictures that are not shrunk: they fit any box as they are.
_VECTOR = {".svg"}
_ROOT = "cml_exchange/products"
#: A picture's stored name: its content hash, the box it was made to fit, its extension.
_STORED = re.compile(
    rf"{_ROOT}/[0-9a-f]{{2}}/(?P<digest>[0-9a-f]{{32}})(?:_\d+x\d+)?(?P<ext>\.\w+)"
)

#: A picture's stored name and its preview's ("" when there is none).
Names = tuple[str, str]


def sync_images(session: ImportSession, products: Sequence[tuple[cml.Product, int]]) -> None:
    """Make the pictures of changed products what 1C sent: keep, add, re-caption, remove.

    A kept picture that was made for other options than the job's is made anew.
    """
    if not products:
        return
    options = session.options
    current: dict[int, dict[str, ProductImage]] = {}
    for image in ProductImage.objects.filter(product_id__in=[pk for _, pk in products]):
        current.setdefault(image.product_id, {})[image.source_path] = image
    added: list[ProductImage] = []
    changed: list[ProductImage] = []
    keep: set[int] = set()
    stored: dict[str, Names] = {}  # content hash and extension -> names, for this batch
    for product, pk in products:
        had = current.get(pk, {})
        for position, picture in enumerate(product.images):
            caption = picture.caption or ""
            old = had.get(picture.path)
            if old is not None:
                keep.add(old.pk)
                names = None
                if not _made_for(old, options):
                    names = _store(session, picture.path, stored, quiet=True)
                if names is not None:
                    old.file, old.preview = names
                if names is not None or (old.caption, old.position) != (caption, position):
                    old.caption, old.position = caption, position
                    changed.append(old)
                continue
            names = _store(session, picture.path, stored)
            if names is not None:
                added.append(
                    ProductImage(
                        product_id=pk,
                        file=names[0],
                        preview=names[1],
                        source_path=picture.path,
                        caption=caption,
                        position=position,
                    )
                )
    gone = [
        image.pk for images in current.values() for image in images.values() if image.pk not in keep
    ]
    ProductImage.objects.filter(pk__in=gone).delete()
    ProductImage.objects.bulk_update(changed, ["caption", "position", "file", "preview"])
    ProductImage.objects.bulk_create(added, batch_size=500)
    session.count("images_saved", len(added))


def stored_names(digest: str, extension: str, options: ImportOptions) -> Names:
    """Where a picture with this content hash is stored under ``options``, and its preview."""
    base = f"{_ROOT}/{digest[:2]}/{digest}"
    if extension in _VECTOR:
        return f"{base}{extension}", f"{base}{extension}" if options.generate_preview else ""
    detail, preview = options.detail_box, options.preview_box
    return (
        f"{base}_{detail[0]}x{detail[1]}{extension}" if detail else f"{base}{extension}",
        f"{base}_preview_{preview[0]}x{preview[1]}{extension}" if preview else "",
    )


def _made_for(image: ProductImage, options: ImportOptions) -> bool:
    """Whether a stored picture is what ``options`` make (one stored otherwise is left alone)."""
    found = _STORED.fullmatch(image.file.name or "")
    if found is None:
        return True
    file, preview = stored_names(found["digest"], found["ext"], options)
    # An unreadable picture is its own preview.
    return image.file.name == file and image.preview.name in (preview, file if preview else "")


def _store(
    session: ImportSession, source: str, stored: dict[str, Names], *, quiet: bool = False
) -> Names | None:
    """Store the picture 1C uploaded at ``source``; its names, or ``None`` with a warning.

    ``quiet``: a missing file is no warning (the caller keeps what it has).
    """
    path = _inside(session.base_dir, source)
    if path is not None and session.picture_dirs and not path.is_file():
        for folder in session.picture_dirs:
            elsewhere = _inside(folder, source)
            if elsewhere is not None and elsewhere.is_file():
                path = elsewhere
                break
    if path is None or path.suffix.lower() not in _EXTENSIONS:
        if not quiet:
            session.warn("bad_image_path", f"Путь к картинке «{source}» не принят.", key=source)
        return None
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, _hasher).hexdigest()
    except OSError:
        if not quiet:
            session.warn(
                "image_missing",
                f"Картинка {source} не найдена среди загруженных файлов.",
                key=source,
            )
            session.count("images_missing")
        return None
    extension = path.suffix.lower()
    key = digest + extension
    if key not in stored:
        file, preview = stored_names(digest, extension, session.options)
        stored[key] = _save(session, source, path, file, preview)
    return stored[key]


def _hasher() -> hashlib.blake2b:
    return hashlib.blake2b(digest_size=16)


def _save(session: ImportSession, source: str, path: Path, file: str, preview: str) -> Names:
    """Write what is not in the storage yet; the names it ends up under."""
    absent = {name for name in (file, preview) if name and not default_storage.exists(name)}
    if not absent:
        return file, preview
    if path.suffix.lower() in _VECTOR:  # its own preview: one name
        file = _put(file, path)
        return file, file if preview else ""
    options = session.options
    try:
        made = shrink(
            path,
            [
                options.detail_box if file in absent else None,
                options.preview_box if preview in absent else None,
            ],
        )
    except UnreadablePicture:
        session.warn(
            "image_unreadable",
            f"Картинка {source} не распознана как изображение и сохранена как есть.",
            key=source,
        )
        session.count("images_unreadable")
        if file in absent:
            file = _put(file, path)
        return file, file if preview else ""
    if any(made):
        session.count("images_resized")
    if file in absent:
        file = _put(file, path, made[0])
    if preview in absent:
        preview = _put(preview, path, made[1])
    return file, preview


def _put(name: str, path: Path, content: bytes | None = None) -> str:
    """Save ``content`` (default: the file at ``path``, streamed) as ``name``; the name used."""
    if content is not None:
        return default_storage.save(name, ContentFile(content))
    with path.open("rb") as handle:
        return default_storage.save(name, File(handle))


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
