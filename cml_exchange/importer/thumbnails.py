"""Judging pictures by their content, and shrinking them to fit a box, with Pillow.

A picture is judged by what is in it, never by its name. Before anything is
decoded, Pillow must recognise it from its header as one of :data:`FORMATS`
(raster formats that browsers show), and its width × height must be within
the cap the caller gives (``CML_EXCHANGE_MAX_IMAGE_PIXELS``). An SVG (which
may hold a script), an HTML page named ``.jpg`` or a decompression bomb (a
few hundred KiB of PNG that decodes to hundreds of megabytes) is refused
from its first bytes, at no cost in memory.

Shrinking (Bitrix's DETAIL_RESIZE and GENERATE_PREVIEW) opens a picture once
for all the sizes wanted, and makes the same checks itself, so it never
decodes what :func:`identify` would refuse. A picture that already fits is
never decoded; a JPEG is decoded at the smallest scale that still covers the
largest box (Pillow's ``draft``), so a camera photo costs a fraction of its
full size in memory and time. Results keep the picture's format, its
proportions and its colour profile, are turned upright by their EXIF
orientation, and are never larger than the picture.

What decoding costs, for the cap: a JPEG a few MiB whatever its size; other
formats about 4 bytes a pixel to decode, and as much again while shrinking a
picture with transparency (Pillow premultiplies the alpha).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

Box = tuple[int, int]

#: The formats taken, by Pillow's name, with the extensions a stored picture
#: may have: 1C's own when it is one of them, else the first.
FORMATS: dict[str, tuple[str, ...]] = {
    "JPEG": (".jpg", ".jpeg"),
    "MPO": (".jpg", ".jpeg"),  # a camera's JPEG with a second picture inside
    "PNG": (".png",),
    "GIF": (".gif",),
    "WEBP": (".webp",),
    "BMP": (".bmp",),
    "TIFF": (".tif", ".tiff"),
}
#: The plugins Pillow may try (an MPO is found by the JPEG one).
_OPENERS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_NAMES = "JPEG, PNG, GIF, WebP, BMP или TIFF"

#: JPEG and WebP quality of the pictures made.
QUALITY = 90
#: EXIF orientations that swap width and height.
_SIDEWAYS = {5, 6, 7, 8}


class RefusedPicture(Exception):
    """A file that is not stored as a picture.

    ``reason`` says why, in Russian, for the shop owner (the message goes on
    "Картинка … не сохранена: "); ``code`` is the job warning it becomes.
    """

    code = "image_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAPicture(RefusedPicture):
    """Pillow does not recognise the content as one of :data:`FORMATS`."""

    code = "image_not_picture"


class TooLarge(RefusedPicture):
    """The picture has more pixels than the cap: decoding it could exhaust the memory."""

    code = "image_too_large"


class UnreadablePicture(RefusedPicture):
    """A picture by its header that Pillow cannot read or write (broken, truncated)."""

    code = "image_unreadable"


@dataclass(frozen=True, slots=True)
class Picture:
    """What the header of an accepted picture says."""

    format: str
    size: Box

    def extension(self, given: str) -> str:
        """The extension to store the picture under: ``given`` if it fits the content."""
        extensions = FORMATS[self.format]
        return given if given in extensions else extensions[0]


def identify(path: Path, max_pixels: int) -> Picture:
    """The format and size of the picture at ``path``, reading its header only.

    ``max_pixels``: the most pixels (width × height) taken; ``0`` leaves only
    Pillow's own limit (twice ``Image.MAX_IMAGE_PIXELS``). Raises a
    :class:`RefusedPicture` for what is not to be stored.
    """
    with _open(path, max_pixels) as image:
        return Picture(str(image.format), image.size)  # _open let only FORMATS through


def shrink(path: Path, boxes: Sequence[Box | None], *, max_pixels: int) -> list[bytes | None]:
    """The picture at ``path`` fitted in each box, encoded in the picture's own format.

    The result has one item per box: ``None`` where the box is ``None`` or the
    picture already fits in it (the caller keeps the original bytes). The
    picture is checked as by :func:`identify` before anything is decoded, and
    raises the same errors; :class:`UnreadablePicture` also when Pillow
    cannot decode or encode it.
    """
    with _open(path, max_pixels) as image:
        try:
            return _shrink(image, boxes)
        except Exception as error:  # Pillow's plugins raise many kinds on a broken file
            raise UnreadablePicture(f"изображение {image.format} повреждено") from error


@contextmanager
def _open(path: Path, max_pixels: int) -> Iterator[Image.Image]:
    """The picture at ``path``, opened but not decoded, once it has passed the checks."""
    try:
        image = Image.open(path, formats=_OPENERS)
    except Image.DecompressionBombError as error:  # above twice Pillow's MAX_IMAGE_PIXELS
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise TooLarge(f"в ней больше {_megapixels(limit)} Мпикс") from error
    except UnidentifiedImageError as error:
        raise NotAPicture(_not_a_picture(path)) from error
    except Exception as error:  # a plugin took the first bytes and then choked
        raise UnreadablePicture("заголовок изображения повреждён") from error
    with image:
        width, height = image.size
        if image.format not in FORMATS or width < 1 or height < 1:
            raise NotAPicture(_not_a_picture(path))
        if max_pixels and width * height > max_pixels:
            raise TooLarge(
                f"{width}×{height} точек ({_megapixels(width * height)} Мпикс), "
                f"больше допустимых {_megapixels(max_pixels)} Мпикс"
            )
        yield image


def _not_a_picture(path: Path) -> str:
    """Why the file at ``path`` is not taken, from its first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024).lower()
    except OSError:
        head = b""
    if b"<svg" in head:
        return "SVG не принимается: в векторной картинке может быть скрипт"
    if b"<html" in head or b"<!doctype" in head:
        return "это HTML-страница, а не изображение"
    return f"это не изображение {_NAMES}"


def _megapixels(pixels: int) -> str:
    """``84000000`` → ``"84"``, ``44739242`` → ``"44,74"`` (a Russian decimal comma)."""
    return f"{pixels / 1e6:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _shrink(image: Image.Image, boxes: Sequence[Box | None]) -> list[bytes | None]:
    kind = image.format
    if kind is None:
        raise ValueError("no format")  # _open let only known formats through
    raw_width, raw_height = image.size
    sideways = image.getexif().get(ExifTags.Base.Orientation) in _SIDEWAYS
    width, height = (raw_height, raw_width) if sideways else (raw_width, raw_height)
    wanted = [
        (min(box[0] / width, box[1] / height), index, box)
        for index, box in enumerate(boxes)
        if box is not None and (width > box[0] or height > box[1])
    ]
    results: list[bytes | None] = [None] * len(boxes)
    if not wanted:
        return results
    wanted.sort(reverse=True)  # largest first: each smaller one is made from the one before
    largest = wanted[0][0]
    # A JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still leaves twice the
    # largest result, which keeps the downscaling sharp (as Image.thumbnail does).
    image.draft(None, (int(raw_width * largest * 2) + 1, int(raw_height * largest * 2) + 1))
    image.load()
    icc_profile = image.info.get("icc_profile")
    ImageOps.exif_transpose(image, in_place=True)
    work = image
    if work.mode in ("1", "P"):
        work = work.convert("RGBA" if work.has_transparency_data else "RGB")
    for _scale, index, box in wanted:
        work.thumbnail(box, Image.Resampling.LANCZOS)
        results[index] = _encode(work, kind, icc_profile)
    return results


def _encode(image: Image.Image, kind: str, icc_profile: bytes | None) -> bytes:
    options: dict[str, object] = {}
    if kind in ("JPEG", "MPO"):
        kind = "JPEG"
        options["quality"] = QUALITY
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
    elif kind == "WEBP":
        options["quality"] = QUALITY
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()
