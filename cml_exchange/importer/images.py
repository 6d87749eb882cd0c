"""Product pictures: from the exchange directory into Django's storage.

Only pictures reach the storage. Each file is judged by its content, not its
name (:mod:`~cml_exchange.importer.thumbnails`): what Pillow does not
recognise as JPEG, PNG, GIF, WebP, BMP or TIFF (an SVG, an HTML page named
``.jpg``), a picture with more pixels than ``CML_EXCHANGE_MAX_IMAGE_PIXELS``
(a decompression bomb, refused from its header before it is decoded), and
one that cannot be decoded when it is shrunk are not stored: each is a
warning naming the file and why, and the product goes without that picture.

A picture is stored under a name made from its content and from the size it
was made to fit (``cml_exchange/products/ab/abcdef…_300x300.jpg``, its
preview ``…_preview_100x100.jpg``), so an import that is repeated, resumed
after a crash, or that meets the same picture on two products stores it,
and shrinks it, once. The extension is 1C's when it fits the content, else
the content's own (a PNG sent as ``.jpg`` is stored as ``.png``), so the
web server sends the right type. The storage is Django's default one, so
S3 and the like work.

The options (``resize_detail``, ``generate_preview`` and their sizes) are
part of the names: after they change, a product that 1C sends again gets its
pictures made anew the first time, and a product that 1C does not send keeps
the ones it has.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from cml_exchange.commerceml import entities as cml
from cml_exchange.conf import app_settings
from cml_exchange.importer import sql
from cml_exchange.importer.options import ImportOptions
from cml_exchange.importer.session import ImportSession
from cml_exchange.importer.thumbnails import RefusedPicture, identify, shrink
from cml_exchange.models import ProductImage

_ROOT = "cml_exchange/products"
#: A picture's stored name: its content hash, the box it was made to fit, its extension.
_STORED = re.compile(
    rf"{_ROOT}/[0-9a-f]{{2}}/(?P<digest>[0-9a-f]{{32}})(?:_\d+x\d+)?(?P<ext>\.\w+)"
)

#: A picture's stored name and its preview's ("" when there is none).
Names = tuple[str, str]


class _Skipped(enum.Enum):
    """Why a picture was not stored."""

    #: The file is not in the exchange (a kept picture stays as it is).
    MISSING = "missing"
    #: The file is no picture to store (a warning says why).
    REFUSED = "refused"


def sync_images(session: ImportSession, products: Sequence[tuple[cml.Product, int]]) -> None:
    """Make the pictures of changed products what 1C sent: keep, add, re-caption, remove.

    A kept picture that was made for other options than the job's is made anew
    from the file 1C sent; if that file is refused, the picture is removed.
    """
    if not products:
        return
    options = session.options
    pictures = _Pictures(session)
    current: dict[int, dict[str, ProductImage]] = {}
    for image in ProductImage.objects.filter(product_id__any=[pk for _, pk in products]):
        current.setdefault(image.product_id, {})[image.source_path] = image
    added: list[dict[str, object]] = []
    changed: list[ProductImage] = []
    keep: set[int] = set()
    for product, pk in products:
        had = current.get(pk, {})
        for position, picture in enumerate(product.images):
            caption = picture.caption or ""
            old = had.get(picture.path)
            if old is not None:
                names: Names | _Skipped = _Skipped.MISSING
                if not _made_for(old, options):
                    names = pictures.store(picture.path, quiet=True)
                if names is _Skipped.REFUSED:
                    continue  # not kept: removed below
                keep.add(old.pk)
                if isinstance(names, tuple):
                    old.file, old.preview = names
                if isinstance(names, tuple) or (old.caption, old.position) != (caption, position):
                    old.caption, old.position = caption, position
                    changed.append(old)
                continue
            names = pictures.store(picture.path)
            if isinstance(names, tuple):
                added.append(
                    {
                        "product_id": pk,
                        "file": names[0],
                        "preview": names[1],
                        "source_path": picture.path,
                        "caption": caption,
                        "position": position,
                    }
                )
    gone = [
        image.pk for images in current.values() for image in images.values() if image.pk not in keep
    ]
    ProductImage.objects.filter(pk__any=gone).delete()
    ProductImage.objects.bulk_update(changed, ["caption", "position", "file", "preview"])
    sql.insert(ProductImage, added)  # plain rows, not a model a picture; COPY on PostgreSQL
    session.count("images_saved", len(added))


def stored_names(digest: str, extension: str, options: ImportOptions) -> Names:
    """Where a picture with this content hash is stored under ``options``, and its preview."""
    base = f"{_ROOT}/{digest[:2]}/{digest}"
    detail, preview = options.detail_box, options.preview_box
    return (
        f"{base}_{detail[0]}x{detail[1]}{extension}" if detail else f"{base}{extension}",
        f"{base}_preview_{preview[0]}x{preview[1]}{extension}" if preview else "",
    )


def _made_for(image: ProductImage, options: ImportOptions) -> bool:
    """Whether a stored picture is what ``options`` make (one stored otherwise is left alone).

    A picture that earlier versions stored as sent, as its own preview (an SVG,
    a file Pillow could not read), is not: it is judged again when 1C sends it.
    """
    found = _STORED.fullmatch(image.file.name or "")
    if found is None:
        return True
    return (image.file.name, image.preview.name or "") == stored_names(
        found["digest"], found["ext"], options
    )


class _Pictures:
    """The pictures of one batch: each content judged, and stored, once."""

    def __init__(self, session: ImportSession) -> None:
        self.session = session
        self.max_pixels = app_settings.MAX_IMAGE_PIXELS
        #: Content hash -> the names it is stored under, or why it is not.
        self.done: dict[str, Names | RefusedPicture] = {}

    def store(self, source: str, *, quiet: bool = False) -> Names | _Skipped:
        """Store the picture 1C uploaded at ``source``; its names, or why not (with a warning).

        ``quiet``: a missing file is no warning (the caller keeps what it has).
        A refused file always is.
        """
        session = self.session
        path = self._find(source)
        if path is None:
            if not quiet:
                session.warn("bad_image_path", f"Путь к картинке «{source}» не принят.", key=source)
            return _Skipped.MISSING
        try:
            digest = _content_digest(path)
        except OSError:
            if not quiet:
                session.warn(
                    "image_missing",
                    f"Картинка {source} не найдена среди загруженных файлов.",
                    key=source,
                )
                session.count("images_missing")
            return _Skipped.MISSING
        if digest not in self.done:
            self.done[digest] = self._judge_and_save(path, digest)
        outcome = self.done[digest]
        if isinstance(outcome, RefusedPicture):
            session.warn(
                outcome.code, f"Картинка {source} не сохранена: {outcome.reason}.", key=source
            )
            session.count("images_refused")
            return _Skipped.REFUSED
        return outcome

    def _find(self, source: str) -> Path | None:
        """The file 1C uploaded at ``source`` (maybe in another exchange's folder), if safe."""
        session = self.session
        path = _inside(session.base_dir, source)
        if path is not None and session.picture_dirs and not path.is_file():
            for folder in session.picture_dirs:
                elsewhere = _inside(folder, source)
                if elsewhere is not None and elsewhere.is_file():
                    return elsewhere
        return path

    def _judge_and_save(self, path: Path, digest: str) -> Names | RefusedPicture:
        """Check the picture by its header, then write what is not in the storage yet."""
        try:
            picture = identify(path, self.max_pixels)
        except RefusedPicture as refused:
            return refused
        extension = picture.extension(path.suffix.lower())
        file, preview = stored_names(digest, extension, self.session.options)
        absent = {name for name in (file, preview) if name and not default_storage.exists(name)}
        if not absent:
            return file, preview
        options = self.session.options
        boxes = [
            options.detail_box if file in absent else None,
            options.preview_box if preview in absent else None,
        ]
        try:  # checked again, and decoded only if a box is smaller than the picture
            made = shrink(path, boxes, max_pixels=self.max_pixels)
        except RefusedPicture as refused:
            return refused
        if any(made):
            self.session.count("images_resized")
        if file in absent:
            file = _put(file, path, made[0])
        if preview in absent:
            preview = _put(preview, path, made[1])
        return file, preview


def _content_digest(path: Path) -> str:
    """The picture's content hash, read in pieces of at most :data:`_PIECE`.

    Not ``hashlib.file_digest``: it makes a 256 KiB buffer for each file, which
    doubles the time of a picture of a few kilobytes (thousands of them a catalog).
    """
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        while piece := handle.read(_PIECE):
            digest.update(piece)
    return digest.hexdigest()


_PIECE = 1 << 20


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
