"""A zip archive read one entry at a time: its central directory in pieces, an entry's bytes.

:mod:`zipfile` builds a :class:`zipfile.ZipInfo` for every entry when it
opens an archive and keeps them all while it is open: about 800 bytes an
entry, 60 MiB for the 75,000 pictures of a 100,000-product catalog. The
unzip step (:mod:`cml_exchange.storage.unzip`) needs one entry at a time, so
:class:`ZipDirectory` walks the central directory in pieces of
:data:`PIECE` bytes and hands out one :class:`ZipEntry` at a time, which
nobody keeps. What it keeps for the whole archive is the entry count and
the sorted offsets of the local headers (8 bytes an entry, for the overlap
check below).

It reads what :mod:`zipfile` reads, as Python 3.11's does, with the
standard library's public parts only (``struct``, ``zlib``, ``bz2``,
``lzma``):

- the end of central directory record, found at the end or before a comment
  of up to 64 KiB, and the zip64 end record its locator points to; data
  before the archive (a self-extracting stub) shifts every offset, as
  :mod:`zipfile` allows;
- each central directory record: the name (UTF-8 when general purpose bit 11
  is set, else decoded as cp437, as :mod:`zipfile` does, so that
  :func:`~cml_exchange.storage.zipentries.decoded_name` treats both alike),
  the sizes and the local header's offset, zip64 extra fields included;
- an entry's local header, whose name must match the central directory's,
  and its data: stored, deflated, bzip2 or LZMA, never more than the
  declared size, with the CRC checked at the end.

Anything else is :class:`BadArchive`. One check comes from later Pythons
(3.12's defence against overlapping zip bombs): an entry whose data would
run into the next local header, or that shares its local header with
another entry, is refused when it is opened.
"""

from __future__ import annotations

import bisect
import bz2
import lzma
import struct
import zlib
from array import array
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

__all__ = ["PIECE", "BadArchive", "EntryReader", "ZipDirectory", "ZipEntry"]

#: How much of the central directory is read at a time.
PIECE = 64 * 1024

STORED, DEFLATED, BZIP2, LZMA = 0, 8, 12, 14
UTF8_FLAG = 0x800

_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_END_SIGNATURE = b"PK\x05\x06"
_END64_SIGNATURE = b"PK\x06\x06"
_END64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL_SIGNATURE = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
_MAX_EXTRACT_VERSION = 63  # zipfile's MAX_EXTRACT_VERSION
_ZIP64_EXTRA = 0x0001
_PATCHED_FLAG = 0x20
_STRONG_ENCRYPTION_FLAG = 0x40
_MIN_READ = 4096  # zipfile's ZipExtFile.MIN_READ_SIZE


class BadArchive(Exception):
    """Not a zip archive this reader can read, or a damaged one; the message says what."""


class ZipEntry(NamedTuple):
    """One central directory record, with :class:`zipfile.ZipInfo`'s names for what it shares.

    ``orig_filename`` is decoded as :mod:`zipfile` decodes it (UTF-8 with
    the flag, else cp437), NUL and all; the sizes and ``header_offset`` are
    the zip64 ones where the record has them, the offset counted from the
    start of the file.
    """

    orig_filename: str
    flag_bits: int
    compress_type: int
    crc: int
    compress_size: int
    file_size: int
    external_attr: int
    header_offset: int


class ZipDirectory:
    """The central directory of the zip archive in ``file`` (a binary file open for reading).

    Opening it reads the end records and walks the whole directory once
    (every record parsed, as :mod:`zipfile` does on opening), so a damaged
    directory raises :class:`BadArchive` here; :attr:`count` is then the
    number of entries. :meth:`entries` walks it again, and :meth:`open`
    reads one entry's data.
    """

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._start, self._size, self._shift = _locate(file)
        offsets = array("q")
        for entry in self.entries():
            offsets.append(entry.header_offset)
        self.count = len(offsets)
        offsets = array("q", sorted(offsets))
        self._offsets = offsets

    def entries(self, start: int = 0) -> Iterator[ZipEntry]:
        """The entries in directory order from index ``start`` on (earlier ones are skipped).

        The directory is read where it is before each piece, so :meth:`open`
        may read an entry between two steps of this iterator.
        """
        piece = _Piece(self._file, self._start, self._start + self._size)
        buffer, at = b"", 0
        index, passed, size, shift = 0, 0, self._size, self._shift
        unpack, fixed = _CENTRAL.unpack_from, _CENTRAL.size
        while passed < size:
            if len(buffer) - at < fixed:
                buffer, at = piece.more(buffer, at, fixed)
            fields = unpack(buffer, at)
            if fields[0] != _CENTRAL_SIGNATURE:
                raise BadArchive("Bad magic number for central directory")
            name_end = at + fixed + fields[12]
            extra_end = name_end + fields[13]
            length = extra_end + fields[14] - at
            if len(buffer) - at < length:
                buffer, at = piece.more(buffer, at, length)
                name_end, extra_end = at + fixed + fields[12], at + fixed + fields[12] + fields[13]
            if fields[3] > _MAX_EXTRACT_VERSION:
                raise BadArchive(f"zip file version {fields[3] / 10:.1f} not supported")
            if index >= start:
                file_size, compress_size, offset = fields[11], fields[10], fields[18]
                if extra_end > name_end:
                    file_size, compress_size, offset = _zip64_sizes(
                        buffer[name_end:extra_end], file_size, compress_size, offset
                    )
                yield ZipEntry(
                    _decode_name(buffer[at + fixed : name_end], fields[5]),
                    fields[5],
                    fields[6],
                    fields[9],
                    compress_size,
                    file_size,
                    fields[17],
                    offset + shift,
                )
            at += length
            passed += length
            index += 1

    def open(self, entry: ZipEntry) -> EntryReader:
        """A reader of ``entry``'s uncompressed bytes (``entry`` from this directory)."""
        file = self._file
        file.seek(entry.header_offset)
        header = file.read(_LOCAL.size)
        if len(header) != _LOCAL.size:
            raise BadArchive("Truncated file header")
        fields = _LOCAL.unpack(header)
        if fields[0] != _LOCAL_SIGNATURE:
            raise BadArchive("Bad magic number for file header")
        name_length, extra_length = fields[10], fields[11]
        name = file.read(name_length)
        if entry.flag_bits & _PATCHED_FLAG:
            raise BadArchive("compressed patched data (flag bit 5) not supported")
        if entry.flag_bits & _STRONG_ENCRYPTION_FLAG:
            raise BadArchive("strong encryption (flag bit 6) not supported")
        if _decode_name(name, fields[3]) != entry.orig_filename:
            raise BadArchive("File name in directory and header differ")
        data_start = entry.header_offset + _LOCAL.size + name_length + extra_length
        if data_start + entry.compress_size > self._end_of(entry.header_offset):
            raise BadArchive("Overlapped entries (possible zip bomb)")
        file.seek(data_start)
        return EntryReader(file, entry)

    def _end_of(self, header_offset: int) -> int:
        """Where the data starting at ``header_offset`` must end: the next header, or the directory.

        A header shared by two entries ends at itself, so that neither fits.
        """
        offsets = self._offsets
        after = bisect.bisect_right(offsets, header_offset)
        if after >= 2 and offsets[after - 2] == header_offset:
            return header_offset
        return offsets[after] if after < len(offsets) else self._start


class EntryReader:
    """An entry's uncompressed bytes, as :mod:`zipfile`'s ``ZipExtFile`` gives them.

    Never more than the declared ``file_size``; the end comes there, at the
    end of the compressed stream or of its declared compressed size, and
    then the CRC must match (:class:`BadArchive` if not). A file that ends
    early raises ``EOFError``; a broken stream, the decompressor's error.
    """

    def __init__(self, file: BinaryIO, entry: ZipEntry) -> None:
        self._file = file
        self._entry = entry
        self._compress_left = entry.compress_size
        self._left = entry.file_size
        self._crc = 0
        self._ended = False  # the compressed data is over
        self._eof = False  # ... and the CRC checked
        self._spare = b""  # output made beyond what a read asked for
        method = entry.compress_type
        self._inflate = zlib.decompressobj(-15) if method == DEFLATED else None
        self._other: bz2.BZ2Decompressor | lzma.LZMADecompressor | None = None
        if method == BZIP2:
            self._other = bz2.BZ2Decompressor()
        elif method == LZMA:
            self._other = self._lzma()
        elif method not in (STORED, DEFLATED):
            raise BadArchive(f"compression method {method} not supported")
        if self._left <= 0:
            self._finish()

    def read(self, size: int) -> bytes:
        """``size`` (> 0) bytes, fewer only at the end; ``b""`` there."""
        parts = []
        wanted = size
        while wanted > 0 and not self._eof:
            data = self._next(min(wanted, self._left))[: self._left]
            if len(data) > wanted:  # a decompressor's flush at the end
                data, self._spare = data[:wanted], data[wanted:]
            self._left -= len(data)
            self._crc = zlib.crc32(data, self._crc)
            if (self._ended and not self._spare) or self._left <= 0:
                self._finish()
            parts.append(data)
            wanted -= len(data)
        return b"".join(parts)

    def _next(self, size: int) -> bytes:
        """Some of the next ``size`` bytes (maybe none, maybe more); sets ``_ended`` at the end."""
        if self._spare:
            out, self._spare = self._spare, b""
            return out
        if self._inflate is not None:
            inflate = self._inflate
            data = inflate.unconsumed_tail
            if size > len(data):
                data += self._raw(size - len(data))
            out = inflate.decompress(data, size)
            if inflate.eof or (self._compress_left <= 0 and not inflate.unconsumed_tail):
                out += inflate.flush()
                self._ended = True
            return out
        if self._other is not None:
            other = self._other
            data = self._raw(size) if other.needs_input else b""
            out = other.decompress(data, size)
            if other.eof or (self._compress_left <= 0 and other.needs_input):
                self._ended = True
            return out
        out = self._raw(size)
        self._ended = self._compress_left <= 0
        return out

    def _raw(self, size: int) -> bytes:
        """Up to ``size`` compressed bytes (at least :data:`_MIN_READ`, within the entry)."""
        if self._compress_left <= 0:
            return b""
        data = self._file.read(min(max(size, _MIN_READ), self._compress_left))
        if not data:
            raise EOFError("the archive ends inside an entry")
        self._compress_left -= len(data)
        return data

    def _lzma(self) -> lzma.LZMADecompressor:
        """Zip's LZMA: a 4-byte header (version, size of the properties), properties, raw LZMA1."""
        header = self._raw_exactly(4)
        size = int.from_bytes(header[2:4], "little")
        properties = self._raw_exactly(size)
        if size != 5:
            raise lzma.LZMAError("Invalid LZMA properties in a zip entry")
        lc, rest = properties[0] % 9, properties[0] // 9
        lp, pb = rest % 5, rest // 5
        dictionary = int.from_bytes(properties[1:5], "little")
        lzma1 = {"id": lzma.FILTER_LZMA1, "dict_size": dictionary, "lc": lc, "lp": lp, "pb": pb}
        return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1])

    def _raw_exactly(self, size: int) -> bytes:
        if size > self._compress_left:
            raise EOFError("the entry ends inside its LZMA header")
        data = self._file.read(size)
        if len(data) != size:
            raise EOFError("the archive ends inside an entry")
        self._compress_left -= size
        return data

    def _finish(self) -> None:
        self._eof = True
        if self._crc != self._entry.crc:
            raise BadArchive(f"Bad CRC-32 for file {self._entry.orig_filename!r}")


def _locate(file: BinaryIO) -> tuple[int, int, int]:
    """(where the central directory starts, its size, the shift of every offset)."""
    size = file.seek(0, 2)
    found = _end_record(file, size)
    if found is None:
        raise BadArchive("File is not a zip file")
    record, location = found
    directory_size, directory_offset = record[4], record[5]
    shift = location - directory_size - directory_offset
    zip64 = _zip64_end(file, location)
    if zip64 is not None:
        directory_size, directory_offset = zip64
        shift = location - directory_size - directory_offset
        shift -= _END64.size + _END64_LOCATOR.size
    start = directory_offset + shift
    if start < 0:
        raise BadArchive("Bad offset for central directory")
    return start, directory_size, shift


def _end_record(file: BinaryIO, size: int) -> tuple[tuple[int, ...], int] | None:
    """The end of central directory record's fields and where it is, as zipfile finds it."""
    if size < _END.size:
        return None
    file.seek(size - _END.size)
    data = file.read()
    if data[:4] == _END_SIGNATURE and data[-2:] == b"\0\0":
        return _END.unpack(data)[1:], size - _END.size
    start = max(size - _MAX_COMMENT - 1 - _END.size, 0)
    file.seek(start)
    data = file.read()
    at = data.rfind(_END_SIGNATURE)
    if at < 0 or len(data) - at < _END.size:
        return None
    return _END.unpack_from(data, at)[1:], start + at


def _zip64_end(file: BinaryIO, location: int) -> tuple[int, int] | None:
    """The zip64 end record's (directory size, directory offset), if the archive has one."""
    if location < _END64_LOCATOR.size:
        return None
    file.seek(location - _END64_LOCATOR.size)
    data = file.read(_END64_LOCATOR.size)
    signature, disk, _offset, disks = _END64_LOCATOR.unpack(data)
    if signature != _END64_LOCATOR_SIGNATURE:
        return None
    if disk != 0 or disks > 1:
        raise BadArchive("zipfiles that span multiple disks are not supported")
    at = location - _END64_LOCATOR.size - _END64.size
    if at < 0:
        return None
    file.seek(at)
    data = file.read(_END64.size)
    fields = _END64.unpack(data)
    if fields[0] != _END64_SIGNATURE:
        return None
    return fields[8], fields[9]


class _Piece:
    """The central directory, read :data:`PIECE` bytes at a time from ``start`` to ``end``."""

    def __init__(self, file: BinaryIO, start: int, end: int) -> None:
        self._file = file
        self._next = start  # where the next read starts
        self._end = end

    def more(self, buffer: bytes, at: int, size: int) -> tuple[bytes, int]:
        """``buffer`` from ``at`` on, with at least ``size`` bytes; BadArchive if there are not."""
        buffer = buffer[at:]
        while len(buffer) < size:
            want = min(max(PIECE, size - len(buffer)), self._end - self._next)
            self._file.seek(self._next)
            data = self._file.read(want) if want > 0 else b""
            if not data:
                raise BadArchive("Truncated central directory")
            buffer += data
            self._next += len(data)
        return buffer, 0


def _decode_name(raw: bytes, flag_bits: int) -> str:
    try:
        return raw.decode("utf-8") if flag_bits & UTF8_FLAG else raw.decode("cp437")
    except UnicodeDecodeError as error:
        raise BadArchive("A file name is not valid UTF-8") from error


def _zip64_sizes(
    extra: bytes, file_size: int, compress_size: int, offset: int
) -> tuple[int, int, int]:
    """(file size, compressed size, header offset), the zip64 extra field's where it has them.

    Every extra field must fit in ``extra`` (zipfile's check too).
    """
    values = [file_size, compress_size, offset]
    while len(extra) >= 4:
        kind, length = struct.unpack_from("<HH", extra)
        if length + 4 > len(extra):
            raise BadArchive(f"Corrupt extra field {kind:04x} (size={length})")
        if kind == _ZIP64_EXTRA:
            data = extra[4 : length + 4]
            for index, marker in enumerate((0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF)):
                if values[index] != marker:
                    continue
                if len(data) < 8:
                    raise BadArchive("Corrupt zip64 extra field")
                values[index] = int.from_bytes(data[:8], "little")
                data = data[8:]
        extra = extra[length + 4 :]
    return values[0], values[1], values[2]
