"""What 1C uploads for a set of exchange files: the XML files, their pictures, or one zip.

1C writes a catalog unload as XML files with the pictures in an
``import_files/`` folder beside them (``import_files/ab/<guid>.jpg``), and
uploads them under those names: the XML files by their own name, each
picture by its path from the XML files' folder. With ``zip=yes`` it packs the
same names into one archive. Each file goes in parts of at most the site's
``file_limit`` bytes.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: What the client uploads: bytes, or the path of a file.
Data = bytes | str | os.PathLike[str]
#: The folder of pictures next to the XML files.
PICTURES_DIR = "import_files"

#: The kinds of a CommerceML 3.1 unload in the order 1C sends them
#: (docs/research/commerceml-3.1.md §2.1); files are named ``<kind>_1_<n>_<guid>.xml``.
KINDS_3_1 = (
    "priceLists",
    "storages",
    "propertiesGoods",
    "propertiesOffers",
    "units",
    "groups",
    "goods",
    "offers",
    "prices",
    "rests",
)
_PACKET = re.compile(r"^([A-Za-z]+)_\d+_(\d+)_")


def in_sending_order(files: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """CommerceML 3.1 files in 1C's order: by kind, then by packet number.

    Files of other names (2.x ``import.xml``, ``offers.xml`` …) keep their
    order given, after the 3.1 ones.
    """
    paths = [Path(file) for file in files]

    def place(indexed: tuple[int, Path]) -> tuple[int, int, int]:
        index, path = indexed
        match = _PACKET.match(path.name)
        if match is None or match.group(1) not in KINDS_3_1:
            return (len(KINDS_3_1), 0, index)
        return (KINDS_3_1.index(match.group(1)), int(match.group(2)), index)

    return [path for _, path in sorted(enumerate(paths), key=place)]


@dataclass(frozen=True, slots=True)
class Upload:
    """One file to upload: its name on the site and where it is here."""

    name: str
    path: Path

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True, slots=True)
class Unload:
    """A catalog unload: the XML files in import order, then every picture."""

    xml: tuple[Upload, ...]
    pictures: tuple[Upload, ...]

    @property
    def files(self) -> tuple[Upload, ...]:
        """Everything, in the order 1C uploads it: the XML files, then the pictures."""
        return self.xml + self.pictures

    @property
    def size(self) -> int:
        return sum(upload.size for upload in self.files)


def collect(files: Iterable[str | os.PathLike[str]]) -> Unload:
    """The unload made of ``files`` (XML paths, in import order) and their pictures.

    The pictures are every file under an ``import_files/`` folder in an XML
    file's folder, named by their path from that folder. Raises
    :class:`ValueError` for a missing or non-XML file, or two XML files of
    one name (the site would store the second over the first).
    """
    xml: list[Upload] = []
    folders: list[Path] = []
    for file in files:
        path = Path(file)
        if not path.is_file():
            raise ValueError(f"Файл не найден: {path}")
        if path.suffix.lower() != ".xml":
            raise ValueError(f"Это не файл обмена XML: {path}")
        if any(upload.name == path.name for upload in xml):
            raise ValueError(f"Два файла с одним именем {path.name}")
        xml.append(Upload(path.name, path))
        folder = path.parent.resolve()
        if folder not in folders:
            folders.append(folder)
    pictures: dict[str, Upload] = {}
    for folder in folders:
        for picture in _pictures(folder):
            pictures.setdefault(picture.name, picture)
    return Unload(tuple(xml), tuple(sorted(pictures.values(), key=lambda item: item.name)))


def _pictures(folder: Path) -> list[Upload]:
    root = folder / PICTURES_DIR
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for filename in filenames:
            path = Path(dirpath, filename)
            if path.is_file():
                found.append(Upload(path.relative_to(folder).as_posix(), path))
    return found


#: Pictures come compressed: deflating them again costs time and saves next to nothing.
STORED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})


#: Files from this size on are deflated in threads of their own, several at once.
DEFLATED_APART_FROM = 8 * 1024 * 1024


def pack(uploads: Sequence[Upload]) -> bytes:
    """One zip archive of ``uploads`` under their names (UTF-8 names).

    XML is deflated; pictures in a compressed format (:data:`STORED_SUFFIXES`)
    are stored as they are. Large files (:data:`DEFLATED_APART_FROM`) are
    deflated in threads, as many at once as there are cores (zlib lets go of
    the interpreter while it works), and put in the archive in their turn.
    """
    apart = [
        upload
        for upload in uploads
        if Path(upload.name).suffix.lower() not in STORED_SUFFIXES
        and upload.size >= DEFLATED_APART_FROM
    ]
    buffer = io.BytesIO()
    with (
        ThreadPoolExecutor(max_workers=max(1, min(len(apart), os.cpu_count() or 1))) as pool,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        deflating = {upload.name: pool.submit(_deflate, upload.path) for upload in apart}
        try:
            for upload in uploads:
                if upload.name in deflating:
                    _put_deflated(archive, buffer, upload, deflating.pop(upload.name).result())
                    continue
                stored = Path(upload.name).suffix.lower() in STORED_SUFFIXES
                archive.write(
                    upload.path,
                    upload.name,
                    compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                )
        finally:
            for left in deflating.values():  # an error above: their files are closed here
                _discard(left)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class _Deflated:
    """A file's raw deflate stream (in a temporary file), with its own size and CRC-32."""

    stream: IO[bytes]
    size: int
    crc: int


def _deflate(path: Path) -> _Deflated:
    """Deflate ``path`` as ``zipfile`` does (zlib's default level, no header)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    stream = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller)
    size = crc = 0
    try:
        with path.open("rb") as source:
            while piece := source.read(1 << 20):
                size += len(piece)
                crc = zlib.crc32(piece, crc)
                stream.write(compressor.compress(piece))
        stream.write(compressor.flush())
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return _Deflated(stream, size, crc)


def _put_deflated(
    archive: zipfile.ZipFile, buffer: io.BytesIO, upload: Upload, deflated: _Deflated
) -> None:
    """Add ``upload``, deflated apart, to ``archive`` (written to ``buffer``).

    ``zipfile`` takes no compressed data: the stream is written as a stored
    member's bytes, then the member's header (in ``buffer`` and, at the
    archive's close, in its directory) is made to say what they are, a
    deflated file of its own size and CRC.
    """
    info = zipfile.ZipInfo.from_file(upload.path, upload.name)
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = deflated.size  # what was read, should the file have changed since
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT  # as zipfile decides it on opening
    with deflated.stream, archive.open(info, "w", force_zip64=zip64) as member:
        shutil.copyfileobj(deflated.stream, member, 1 << 20)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.CRC = deflated.size, deflated.crc
    end = buffer.tell()
    buffer.seek(info.header_offset)
    buffer.write(info.FileHeader(zip64))
    buffer.seek(end)


def _discard(deflating: Future[_Deflated]) -> None:
    # The error that stopped the packing is the one raised, not this file's.
    with contextlib.suppress(Exception):
        deflating.result().stream.close()


def parts(data: Data, limit: int | None) -> Iterator[bytes]:
    """``data`` in pieces of at most ``limit`` bytes (all at once without a limit).

    Empty data is one empty piece: 1C still sends the file, empty.
    """
    if isinstance(data, bytes):
        step = limit or max(1, len(data))
        yield data[:step]
        for start in range(step, len(data), step):
            yield data[start : start + step]
        return
    with Path(data).open("rb") as source:
        first = source.read(limit or -1)
        yield first
        while limit and (piece := source.read(limit)):
            yield piece


def size_of(data: Data) -> int:
    """How many bytes ``data`` (bytes or a file's path) holds."""
    return len(data) if isinstance(data, bytes) else Path(data).stat().st_size


def count_parts(size: int, limit: int | None) -> int:
    """How many parts :func:`parts` cuts ``size`` bytes into (one at least)."""
    if not limit or size <= limit:
        return 1
    return -(-size // limit)


def human_size(size: int) -> str:
    """``512 B``, ``7.9 KB``, ``2.3 MB``: sizes in the client's log."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
