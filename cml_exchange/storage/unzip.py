"""Unpack the zip archive 1C uploads, a bounded step at a time (protocol.md §3).

When the site answers ``zip=yes``, 1C uploads one archive and then repeats
``mode=import`` while the site answers ``progress``. The importer's "unzip"
stage calls :func:`unzip_step` once per request::

    step = unzip_step(archive, target, UnzipPosition.from_dict(saved), deadline=until)
    saved = step.position.to_dict()   # store it; the next request may be another process
    if not step.done: reply "progress" else go on to the XML files

Nothing is kept in memory between steps: the position is the whole state. It
belongs to one archive file; start from ``UnzipPosition()`` for a new one.

**Guarantees.** A file is written under a temporary name next to its
destination (``.<name>.<entry>.unzip-part``) and renamed into place once its
CRC has been checked, so a file with its final name is always complete. On
resume, a temporary file shorter than the saved offset (its end was lost in a
crash) makes the entry start again; a longer one (the position of a finished
step was never saved) is cut back to the offset. No
path outside ``target`` is written (:mod:`~cml_exchange.storage.zipentries`).
The archive is read with :mod:`~cml_exchange.storage.zipreader`, which keeps
no object per entry: a step holds one entry at a time, whatever the archive's
size (:mod:`zipfile` would build all of them on opening).
Any failure raises :class:`~cml_exchange.exceptions.ArchiveError`, whose
message (Russian, starting with Bitrix's "Ошибка распаковки архива") can go to
1C as is; the file being written is removed, files finished earlier stay.
File modes in the archive are ignored: files get the process's umask.

**Bombs.** :class:`~cml_exchange.storage.zipentries.UnzipLimits` caps the
entry count, each entry's size and compression ratio, and the total. Declared
sizes are checked for the whole archive before the first byte is written, and
again for each entry; the bytes actually written are counted too.
(The reader never yields more than an entry's declared size anyway: a
header that understates it ends in a CRC error.)
"""

from __future__ import annotations

import lzma
import os
import struct
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import chain
from pathlib import Path
from typing import Protocol

from cml_exchange.exceptions import ArchiveError
from cml_exchange.storage.zipentries import (
    DEFAULT_LIMITS,
    FAILURE,
    UnzipLimits,
    check_archive,
    check_entry,
    entry_size_error,
    is_script,
    shown,
    total_error,
)
from cml_exchange.storage.zipreader import BadArchive, ZipDirectory, ZipEntry

__all__ = [
    "DEFAULT_LIMITS",
    "UnzipLimits",
    "UnzipPosition",
    "UnzipStep",
    "archive_entries",
    "is_zip",
    "unzip_step",
]

#: How much is read, written and counted between two looks at the clock.
CHUNK = 1024 * 1024

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: A temporary file that is a symbolic link (left in the target) is an error, not followed.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
# What reading a damaged entry raises; OSError (the disk, and bz2's "Invalid
# data stream") is reported as a read or write error.
_CORRUPT = (BadArchive, zlib.error, lzma.LZMAError, EOFError)


@dataclass(frozen=True)
class UnzipPosition:
    """Where the next step starts; JSON-friendly through :meth:`to_dict`/:meth:`from_dict`.

    ``entry`` is the index (in the archive's central directory, directories
    included) of the next entry to extract; ``offset`` is how many bytes of it
    are already in its temporary file; ``written`` is the bytes written for
    the whole archive so far, ``offset`` included, for the total cap.
    """

    entry: int = 0
    offset: int = 0
    written: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> UnzipPosition:
        """The position :meth:`to_dict` gave; missing keys are 0, anything else is ValueError."""
        values: dict[str, int] = {}
        for key in ("entry", "offset", "written"):
            value = data.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"UnzipPosition.{key} must be a non-negative int, not {value!r}")
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class UnzipStep:
    """What one :func:`unzip_step` did.

    ``extracted`` and ``skipped`` hold the relative paths (``/``-separated,
    after the name rules) of the files finished, or skipped as scripts, in
    this step; directories are in neither. ``entries`` is the archive's entry
    count, for a progress message: ``position.entry`` of ``entries`` are done.
    """

    position: UnzipPosition
    done: bool
    extracted: tuple[str, ...]
    skipped: tuple[str, ...]
    entries: int


def is_zip(path: Path) -> bool:
    """True if ``path`` starts like a zip archive; reads 4 bytes, never raises.

    It checks the signature only; a damaged archive is reported by
    :func:`unzip_step`. XML from 1C never starts with these bytes.
    """
    try:
        with path.open("rb") as file:
            return file.read(4) in _ZIP_SIGNATURES
    except OSError:
        return False


def archive_entries(archive: Path) -> int:
    """The number of entries (directories included) in ``archive``; ArchiveError if unreadable."""
    with _open(archive) as directory:
        return directory.count


def unzip_step(
    archive: Path,
    target: Path,
    position: UnzipPosition,
    *,
    deadline: float,
    limits: UnzipLimits = DEFAULT_LIMITS,
    on_extracted: Callable[[str], None] | None = None,
) -> UnzipStep:
    """Extract ``archive`` into ``target`` from ``position`` until ``deadline`` (monotonic).

    It stops as soon as it can after the deadline: between entries, or after
    a :data:`CHUNK` of a big entry, which the next call continues (the
    entry's stream is read again from its start, and the first ``offset``
    bytes are discarded: deflate cannot seek). It always makes progress, at
    least one entry or one chunk, so a loop with a tiny budget still ends;
    but re-reading makes resuming a huge entry cost time, so give steps
    seconds, not milliseconds. From the start position it first checks the
    whole archive (names, sizes, count) and refuses it before writing
    anything. ``target`` is created if missing; ``archive`` may live in it
    (an entry that would replace the archive itself is refused).
    Raises ArchiveError for anything unsafe, over ``limits``, or damaged.
    ``on_extracted`` is called with each file's relative path as soon as the
    file is in place, while the step goes on with the next entries.
    """
    with _open(archive) as directory:
        count = directory.count
        entries = directory.entries(position.entry)
        current = next(entries, None)
        limit = current.file_size if current is not None else 0
        if position.entry > count or position.offset > limit:
            raise ArchiveError(f"{FAILURE}: сохранённая позиция не соответствует архиву.")
        if position.entry == 0 and position.offset == 0:
            check_archive(directory.entries(), count, limits)
        _mkdir(target.name, target)
        run = _Run(directory, archive.resolve(), target.resolve(), limits, deadline, on_extracted)
        return run.extract(count, position, chain([current] if current else [], entries))


class _Run:
    """One step's extraction; lives for one call only."""

    def __init__(
        self,
        directory: ZipDirectory,
        archive: Path,
        target: Path,
        limits: UnzipLimits,
        deadline: float,
        on_extracted: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = directory
        self.on_extracted = on_extracted
        self.archive = archive
        self.target = target
        self.limits = limits
        self.deadline = deadline
        #: Folders of the archive (relative, ``/``-separated) resolved in this step:
        #: an archive's pictures share a few hundred folders.
        self._folders: dict[str, Path] = {}
        #: Folders made (or found) in this step.
        self._made: set[Path] = set()

    def extract(
        self, count: int, position: UnzipPosition, entries: Iterator[ZipEntry]
    ) -> UnzipStep:
        """Extract ``entries`` (the archive's from ``position.entry`` on) until the deadline."""
        index, offset, written = position.entry, position.offset, position.written
        extracted: list[str] = []
        skipped: list[str] = []
        progressed = False
        while index < count:
            if progressed and time.monotonic() >= self.deadline:
                break
            progressed = True
            info = next(entries)
            path = check_entry(info, self.limits)
            if path.is_dir:
                self._mkdir(path.path, self._folder(path.path))
            elif is_script(path.path):
                skipped.append(path.path)
            else:
                if written - offset + info.file_size > self.limits.max_total_bytes:
                    raise total_error(self.limits)
                dest = self._destination(path.path)
                offset, written = self._copy(index, info, path.path, dest, offset, written)
                if offset:  # paused inside the entry
                    break
                extracted.append(path.path)
                if self.on_extracted is not None:
                    self.on_extracted(path.path)
            index += 1
        return UnzipStep(
            position=UnzipPosition(index, offset, written),
            done=index >= count,
            extracted=tuple(extracted),
            skipped=tuple(skipped),
            entries=count,
        )

    def _destination(self, path: str) -> Path:
        """Where ``path`` goes: inside the target, symbolic links in its folders followed.

        The name rules already keep the path inside; resolving also catches
        symbolic links that were in the target before the archive came. A
        file's folder is resolved once a step (the files of an archive are
        many, its folders few). A link at the file's own name is not followed:
        the file replaces it (``os.replace``), and its temporary file is never
        opened through one (:data:`_NO_FOLLOW`).
        """
        folder, _, name = path.rpartition("/")
        return self._not_the_archive(self._folder(folder) / name, path)

    def _folder(self, path: str) -> Path:
        """The folder ``path`` of the archive, resolved (once a step) and checked."""
        resolved = self._folders.get(path)
        if resolved is None:
            resolved = (self.target / path).resolve()
            if not resolved.is_relative_to(self.target) or (path and resolved == self.target):
                raise ArchiveError(f"{FAILURE}: файл «{shown(path)}» вне папки обмена.")
            self._folders[path] = self._not_the_archive(resolved, path)
        return resolved

    def _not_the_archive(self, dest: Path, path: str) -> Path:
        if dest == self.archive:
            raise ArchiveError(f"{FAILURE}: файл «{shown(path)}» заменил бы сам архив.")
        return dest

    def _mkdir(self, path: str, directory: Path) -> None:
        if directory not in self._made:
            _mkdir(path, directory)
            self._made.add(directory)

    def _copy(
        self, index: int, info: ZipEntry, path: str, dest: Path, offset: int, written: int
    ) -> tuple[int, int]:
        """Write the entry from ``offset``; the new (offset, written), offset 0 once complete."""
        part = dest.with_name(f".{dest.name}.{index}.unzip-part")
        self._mkdir(path, dest.parent)
        if offset and not _can_continue(part, offset):
            written -= offset
            offset = 0
        try:
            source = self.directory.open(info)
            flags = os.O_RDWR if offset else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            with open(os.open(part, flags | _NO_FOLLOW, 0o666), "r+b" if offset else "wb") as out:
                if offset:
                    out.truncate(offset)  # a crash may have left more than was saved
                    out.seek(offset)
                    _discard(source, offset)
                while chunk := source.read(CHUNK):
                    offset += len(chunk)
                    written += len(chunk)
                    if offset > self.limits.max_entry_bytes:
                        raise entry_size_error(path, self.limits)
                    if written > self.limits.max_total_bytes:
                        raise total_error(self.limits)
                    out.write(chunk)
                    if offset < info.file_size and time.monotonic() >= self.deadline:
                        out.flush()
                        os.fsync(out.fileno())  # the saved offset must match the disk
                        return offset, written
            os.replace(part, dest)
        except Exception as exc:
            part.unlink(missing_ok=True)
            if isinstance(exc, _CORRUPT):
                raise ArchiveError(f"{FAILURE}: архив повреждён, файл «{shown(path)}».") from exc
            if isinstance(exc, OSError):
                raise _write_error(path) from exc
            raise
        return 0, written


@contextmanager
def _open(archive: Path) -> Iterator[ZipDirectory]:
    """The archive's central directory, read through once (damage in it is found here)."""
    try:
        file = archive.open("rb")
    except FileNotFoundError as exc:
        raise ArchiveError(f"{FAILURE}: файл архива «{archive.name}» не найден.") from exc
    except OSError as exc:
        raise _read_error(archive) from exc
    with file:
        try:
            directory = ZipDirectory(file)
        except (BadArchive, EOFError, struct.error, ValueError) as exc:
            raise ArchiveError(
                f"{FAILURE}: файл «{archive.name}» не является zip-архивом"
                " или загружен не полностью."
            ) from exc
        except OSError as exc:
            raise _read_error(archive) from exc
        yield directory


def _read_error(archive: Path) -> ArchiveError:
    return ArchiveError(f"{FAILURE}: не удалось прочитать файл «{archive.name}».")


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _can_continue(part: Path, offset: int) -> bool:
    try:
        return part.stat().st_size >= offset
    except FileNotFoundError:
        return False


def _discard(source: _Readable, count: int) -> None:
    while count > 0:
        data = source.read(min(count, CHUNK))
        if not data:
            raise EOFError("entry is shorter than the saved offset")
        count -= len(data)


def _mkdir(path: str, directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(path) from exc


def _write_error(path: str) -> ArchiveError:
    return ArchiveError(f"{FAILURE}: не удалось записать файл «{shown(path)}».")
