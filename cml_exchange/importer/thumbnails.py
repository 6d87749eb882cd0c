"""Shrinking pictures to fit a box (Bitrix's DETAIL_RESIZE and GENERATE_PREVIEW), with Pillow.

A picture is opened once for all the sizes wanted. Opening reads only the
header, so a picture that already fits is never decoded; a JPEG is decoded
at the smallest scale that still covers the largest box (Pillow's ``draft``),
so a camera photo costs a fraction of its full size in memory and time.
Results keep the picture's format (and so 1C's extension), its
proportions and its colour profile, are turned upright by their EXIF
orientation, and are never larger than the picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import ExifTags, Image, ImageOps

Box = tuple[int, int]

#: JPEG and WebP quality of the pictures made.
QUALITY = 90
#: EXIF orientations that swap width and height.
_SIDEWAYS = {5, 6, 7, 8}


class UnreadablePicture(Exception):
    """Pillow could not read the picture (not an image, corrupt, truncated, too large)."""


def shrink(path: Path, boxes: Sequence[Box | None]) -> list[bytes | None]:
    """The picture at ``path`` fitted in each box, encoded in the picture's own format.

    The result has one item per box: ``None`` where the box is ``None`` or the
    picture already fits in it (the caller keeps the original bytes). Raises
    :class:`UnreadablePicture` when Pillow cannot read or write the picture.
    """
    try:
        with Image.open(path) as image:
            return _shrink(image, boxes)
    except UnreadablePicture:
        raise
    except Exception as error:  # Pillow's plugins raise many kinds on a broken file
        raise UnreadablePicture(f"{type(error).__name__}: {error}") from error


def _shrink(image: Image.Image, boxes: Sequence[Box | None]) -> list[bytes | None]:
    kind = image.format
    if kind is None:
        raise UnreadablePicture("unknown format")
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
