"""The picture files under ``import_files/``: one tiny valid JPEG per ``Картинка``."""

from __future__ import annotations

from pathlib import Path

# A 1×1 grey baseline JPEG, assembled from its segments: SOI; APP0 (JFIF 1.1);
# one quantisation table of ones; SOF0 (8 bits, 1×1, one component); a DC and
# an AC Huffman table, each with a single one-bit code (DC category 0, AC
# end-of-block); SOS; one entropy-coded byte (the bits 0, 0, then 1-padding);
# EOI. Every picture file gets these bytes.
TINY_JPEG = b"".join(
    (
        b"\xff\xd8",
        b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
        b"\xff\xdb\x00\x43\x00" + b"\x01" * 64,
        b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00",
        b"\xff\xc4\x00\x14\x00\x01" + b"\x00" * 15 + b"\x00",
        b"\xff\xc4\x00\x14\x10\x01" + b"\x00" * 15 + b"\x00",
        b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00",
        b"\x3f",
        b"\xff\xd9",
    )
)


def write_picture(
    out_dir: Path, product_hex: str, picture_hex: str, made_dirs: set[str], *, write: bool = True
) -> str:
    """Write one picture of a product as :data:`TINY_JPEG`; return its path relative to ``out_dir``.

    The path is ``import_files/<first two digits of product_hex>/<product_hex>_<picture_hex>.jpg``
    (``product_hex`` and ``picture_hex`` are GUIDs without dashes). ``made_dirs``
    holds the folders already created in this run; it is updated, so each
    folder is created once. An existing file at the path is overwritten.
    Without ``write`` only the path is returned (a picture 1C referenced but did not send).
    """
    folder = product_hex[:2]
    path = f"import_files/{folder}/{product_hex}_{picture_hex}.jpg"
    if not write:
        return path
    if folder not in made_dirs:
        (out_dir / "import_files" / folder).mkdir(parents=True, exist_ok=True)
        made_dirs.add(folder)
    (out_dir / path).write_bytes(TINY_JPEG)
    return path
