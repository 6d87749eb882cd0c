"""Files 1C uploads with ``mode=file``: names made safe, bodies streamed to disk, cleanup.

Each exchange type has its directory under ``CML_EXCHANGE_UPLOAD_ROOT``
(``catalog/``, ``sale/``), as Bitrix has ``upload/1c_catalog``. Request
bodies are copied to disk in chunks, never held in memory, and never through
``request.body`` (which Django caps at ``DATA_UPLOAD_MAX_MEMORY_SIZE``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Protocol

from cml_exchange.exceptions import ProtocolError
from cml_exchange.storage.zipentries import is_script

CHUNK = 256 * 1024

#: Prefixes 1C is known to put before the name (Bitrix strips them too).
_KNOWN_PREFIXES = re.compile(r"^(?:/?tmp/|/?upload/1c/webdata/?)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: 1C's own log archives: kept for some days, never imported (Bitrix keeps them 5 days).
REPORTS = "Reports/"


class UnsafeName(ProtocolError):
    """A file name 1C (or someone) sent that would leave the exchange directory or run as code."""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def safe_name(raw: str | None) -> str:
    """The relative, ``/``-separated path of an uploaded file, or :class:`UnsafeName`.

    Backslashes become slashes, 1C's ``/tmp/`` and ``upload/1c/webdata``
    prefixes and surrounding slashes go; ``..``, absolute paths, drive
    letters, control characters and script or program extensions are refused.
    """
    name = (raw or "").strip().replace("\\", "/")
    shown = _CONTROL.sub("?", name)[:200]
    if not name:
        raise UnsafeName("Не указано имя файла (параметр filename).")
    if _CONTROL.search(name):
        raise UnsafeName(f"Недопустимое имя файла «{shown}»: управляющие символы.")
    name = _KNOWN_PREFIXES.sub("", name)
    if name.startswith("/") or _DRIVE.match(name):
        raise UnsafeName(f"Недопустимое имя файла «{shown}»: абсолютный путь.")
    parts = [part for part in PurePosixPath(name).parts if part not in ("", ".")]
    if not parts or any(part.strip(". ") == "" for part in parts):
        raise UnsafeName(f"Недопустимое имя файла «{shown}»: путь выходит за пределы папки обмена.")
    if is_script(name):
        raise UnsafeName(f"Недопустимое имя файла «{shown}»: такие файлы не принимаются.")
    return "/".join(parts)


def path_in(directory: Path, name: str) -> Path:
    """``directory/name`` for a name :func:`safe_name` returned, checked to stay inside."""
    root = os.path.normpath(directory)
    path = os.path.normpath(os.path.join(root, name))
    if not path.startswith(root + os.sep):
        raise UnsafeName(f"Недопустимое имя файла «{name}»: путь выходит за пределы папки обмена.")
    return Path(path)


class TooLarge(ProtocolError):
    """An upload would pass a size cap set for the site."""


def append(
    source: Readable, target: Path, *, restart: bool, max_total: int | None, budget: int | None
) -> int:
    """Copy ``source`` to the end of ``target`` (or over it, with ``restart``); return bytes read.

    ``max_total`` caps the file's size and ``budget`` the bytes this part may
    add (what is left of the exchange's cap); either raises :class:`TooLarge`
    and leaves the file as it was before this part.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    before = 0 if restart or not target.exists() else target.stat().st_size
    written = 0
    with target.open("wb" if restart else "ab") as out:
        try:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if max_total is not None and before + written > max_total:
                    raise TooLarge(
                        f"Файл {target.name} больше допустимого размера ({max_total} байт)."
                    )
                if budget is not None and written > budget:
                    raise TooLarge("Обмен превысил допустимый общий объем загружаемых файлов.")
                out.write(chunk)
        except BaseException:
            out.truncate(before)
            raise
    return written


#: How a zip archive starts: a local file header, or the end record of an empty archive.
_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")
#: How a CommerceML file ends, its root element closed, in either encoding 1C writes.
_ROOT_CLOSED = tuple("КоммерческаяИнформация>".encode(code) for code in ("utf-8", "cp1251"))


def looks_whole(path: Path) -> bool:
    """Whether an uploaded file looks complete: not a first part of several still to come.

    A zip archive is whole once it ends in its central directory; anything
    else is taken as CommerceML, whole once its last tag closes the root
    element (``…КоммерческаяИнформация>``, in UTF-8 or windows-1251, maybe
    followed by white space). A cheap look at the ends of the file, not a
    check of what lies between.
    """
    with path.open("rb") as stream:
        if stream.read(4) in _ZIP_STARTS:
            return zipfile.is_zipfile(stream)
        stream.seek(0, os.SEEK_END)
        stream.seek(max(0, stream.tell() - 512))
        tail = stream.read().rstrip(b" \t\r\n\x00")
    return tail.endswith(_ROOT_CLOSED)


def clean_directory(
    directory: Path,
    *,
    keep: Iterable[str],
    reports_kept_since: dt.datetime,
    skip: re.Pattern[str] | None = None,
) -> list[str]:
    """Delete what earlier exchanges left in ``directory``, except the names in ``keep``.

    ``Reports/`` files (1C's logs) newer than ``reports_kept_since`` stay too,
    and so do the top-level folders whose names match ``skip`` (untouched).
    Returns the relative names deleted.
    """
    if not directory.exists():
        return []
    kept = set(keep)
    removed: list[str] = []
    threshold = reports_kept_since.timestamp()
    folders: list[Path] = []
    # os.walk, not rglob: another exchange may delete its folder while we walk (errors
    # are skipped), and skipped folders are not even listed.
    for root, dirs, files in os.walk(directory):
        here = Path(root)
        if here == directory and skip is not None:
            dirs[:] = [name for name in dirs if not skip.match(name)]
        links = [name for name in dirs if (here / name).is_symlink()]
        dirs[:] = [name for name in dirs if name not in links]
        folders.extend(here / name for name in dirs)
        for file in files + links:
            path = here / file
            name = path.relative_to(directory).as_posix()
            if name in kept:
                continue
            try:
                if name.startswith(REPORTS) and path.stat().st_mtime >= threshold:
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(name)
    for folder in sorted(folders, reverse=True):
        with contextlib.suppress(OSError):  # not empty, or gone already
            folder.rmdir()
    return sorted(removed, reverse=True)


def remove(directory: Path, names: Iterable[str]) -> None:
    """Delete the named files (what a failed part left, say); missing ones are fine."""
    for name in names:
        path_in(directory, name).unlink(missing_ok=True)
