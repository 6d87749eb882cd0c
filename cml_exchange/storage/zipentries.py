r"""Checks on a zip archive's entries, before a byte is unpacked: names, methods, sizes.

Everything here reads only the central directory (an :class:`EntryInfo`: a
:class:`~cml_exchange.storage.zipreader.ZipEntry`, or a :class:`zipfile.ZipInfo`);
:mod:`cml_exchange.storage.unzip` does the writing. :func:`check_entry` refuses
encrypted entries, compression methods the reader cannot read, and sizes
over :class:`UnzipLimits`; :func:`check_archive` adds the count and the total.

The name rules :func:`entry_path` applies:

1. **Encoding.** A name with the UTF-8 flag (general purpose bit 11) is taken
   as it is. Any other name is 1C's (Windows') OEM code page, cp866, which
   the reader (as :mod:`zipfile`) has decoded as cp437; the cp437 text is turned back into the
   original bytes and decoded as cp866. (Bitrix decodes every name as cp866,
   flag or not.)
2. **Refusals** (:class:`~cml_exchange.exceptions.ArchiveError`): control
   characters (NUL included), absolute paths (``/x``, ``\x``), drive letters
   and any other ``:`` (``C:x``, NTFS streams), and ``..`` or any other segment
   of only dots and spaces (Windows reads ``.. `` and ``...`` as ``..``).
3. **Shape.** ``\`` becomes ``/``, surrounding whitespace and leading ``./``
   go, empty and ``.`` segments are dropped. A name ending in ``/`` is a
   directory.
4. **1C's prefix.** ``import_files/tmp/webdata/<digits>/<digits>/import_files/``
   at the start becomes ``import_files/`` (Bitrix's ``CIBlockXMLFile::UnZip``
   rule, exactly; no other prefix is touched).

:func:`is_script` then tells which files are skipped rather than written: see
its docstring for the list and why.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from cml_exchange.exceptions import ArchiveError
from cml_exchange.storage.zipreader import BZIP2, DEFLATED, LZMA, STORED

__all__ = [
    "DEFAULT_LIMITS",
    "FAILURE",
    "EntryInfo",
    "EntryPath",
    "UnzipLimits",
    "check_archive",
    "check_entry",
    "decoded_name",
    "entry_path",
    "entry_size_error",
    "is_script",
    "shown",
    "total_error",
]

#: Bitrix's message for any unzip failure; every ArchiveError here starts with it.
FAILURE = "Ошибка распаковки архива"

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_METHODS = frozenset({STORED, DEFLATED, BZIP2, LZMA})
_WEBDATA_PREFIX = re.compile(r"^import_files/tmp/webdata/[0-9]+/[0-9]+/import_files/")
_DRIVE = re.compile(r"[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Extensions a web server may run, or a browser may run as the shop's own page.
# Every dot-separated part of a name counts: Apache runs "x.php.jpg" as PHP
# when a handler is mapped with AddHandler.
_SCRIPT_EXTENSIONS = frozenset(
    {
        *("php", "php3", "php4", "php5", "php6", "php7", "php8", "phtml", "pht", "phar", "phps"),
        *("pl", "py", "pyc", "cgi", "fcgi", "asp", "aspx", "ashx", "asmx", "jsp", "jspx"),
        *("shtml", "shtm", "exe", "dll", "com", "bat", "cmd", "sh", "bash", "ps1", "vbs"),
        *("js", "mjs", "html", "htm", "xhtml"),
    }
)
# Files that reconfigure the web server for the directory they sit in.
_SERVER_CONFIG_NAMES = frozenset({".htaccess", ".htpasswd", ".user.ini", "web.config"})


class EntryInfo(Protocol):
    """What the checks read of an entry: :class:`zipfile.ZipInfo`'s names for it."""

    @property
    def orig_filename(self) -> str: ...
    @property
    def flag_bits(self) -> int: ...
    @property
    def external_attr(self) -> int: ...
    @property
    def compress_type(self) -> int: ...
    @property
    def file_size(self) -> int: ...
    @property
    def compress_size(self) -> int: ...


@dataclass(frozen=True)
class UnzipLimits:
    """Caps against zip bombs; going over any of them refuses the archive.

    ``max_ratio`` (uncompressed / compressed size) applies only to entries of
    at least ``ratio_min_bytes``: small files of repeated text compress very
    well and are harmless. The real exchange files in ``tests/data/cml``
    compress 12 to 43 times.
    """

    max_total_bytes: int = 4 * GiB
    max_entry_bytes: int = 2 * GiB
    max_ratio: float = 200.0
    max_entries: int = 200_000
    ratio_min_bytes: int = MiB


DEFAULT_LIMITS = UnzipLimits()


@dataclass(frozen=True)
class EntryPath:
    """Where an entry goes: ``path`` is relative, ``/``-separated and safe to join to the target.

    ``path`` is ``""`` only for a directory entry naming the target itself
    (``./``).
    """

    path: str
    is_dir: bool


def shown(name: str) -> str:
    """``name`` fit for one line of a message to 1C: control characters escaped, length capped."""
    text = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", name)
    return text if len(text) <= 200 else text[:199] + "…"


def decoded_name(info: EntryInfo) -> str:
    """The entry's name as 1C meant it (rule 1), before any other rule.

    It is taken from ``orig_filename`` (a :class:`zipfile.ZipInfo`'s
    ``filename`` is cut at a NUL, which would hide the NUL from the checks).
    """
    name = info.orig_filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        return name.encode("cp437").decode("cp866")
    except UnicodeError:  # not from a cp437 decoding; keep it as given
        return name


def entry_path(info: EntryInfo) -> EntryPath:
    """The normalised relative path of ``info``, or ArchiveError if it is unsafe.

    Symbolic links (Unix mode ``S_IFLNK`` in ``external_attr``) are refused
    too: extracting one would let a later entry write through it.
    """
    name = decoded_name(info)
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ArchiveError(f"{FAILURE}: «{shown(name)}» в архиве — символическая ссылка.")
    if _CONTROL.search(name):
        raise _bad_name(name, "недопустимые символы")
    path = name.strip().replace("\\", "/")
    if path.startswith("/"):
        raise _bad_name(name, "абсолютный путь")
    is_dir = path.endswith("/")
    while path.startswith("./"):
        path = path[2:]
    if _DRIVE.match(path):
        raise _bad_name(name, "абсолютный путь")
    path = _WEBDATA_PREFIX.sub("import_files/", path, count=1)
    parts = [part for part in path.split("/") if part not in ("", ".")]
    for part in parts:
        if ":" in part:
            raise _bad_name(name, "недопустимые символы")
        if not part.strip(". "):
            raise _bad_name(name, "путь выходит за пределы папки обмена")
    if not parts and not is_dir:
        raise _bad_name(name, "пустое имя")
    return EntryPath("/".join(parts), is_dir)


def is_script(path: str) -> bool:
    """True for a file that must not be written: a script, a program, a page, a server config.

    1C's archives hold XML and pictures (and files attached to goods in 1C);
    none of them is ever a script. Such an entry is **skipped and reported**
    (:attr:`UnzipStep.skipped <cml_exchange.storage.unzip.UnzipStep.skipped>`),
    not refused: a stray ``.html`` attached to one product should not stop
    prices and stock from reaching the shop, and skipping is what Bitrix does
    (``HasScriptExtension``), minus the silence. ``.svg`` is allowed: it is a
    legitimate picture format, and the exchange directory is not served.
    """
    base = path.rsplit("/", 1)[-1].lower().rstrip(". ")
    if base in _SERVER_CONFIG_NAMES:
        return True
    return any(part in _SCRIPT_EXTENSIONS for part in base.split(".")[1:])


def _bad_name(name: str, reason: str) -> ArchiveError:
    return ArchiveError(f"{FAILURE}: недопустимое имя файла «{shown(name)}» ({reason}).")


def check_archive(infos: Iterable[EntryInfo], count: int, limits: UnzipLimits) -> None:
    """Refuse the whole archive up front: entry count, every entry, the declared total.

    ``count`` is how many entries ``infos`` yields; it is checked before any of them.
    """
    if count > limits.max_entries:
        raise ArchiveError(f"{FAILURE}: в архиве больше {limits.max_entries} файлов.")
    total = 0
    for info in infos:
        check_entry(info, limits)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise total_error(limits)


def check_entry(info: EntryInfo, limits: UnzipLimits) -> EntryPath:
    """Where ``info`` goes, or ArchiveError if its name, method, size or ratio is refused."""
    path = entry_path(info)
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise ArchiveError(f"{FAILURE}: файл «{shown(path.path)}» защищён паролем.")
    if info.compress_type not in _METHODS:
        raise ArchiveError(f"{FAILURE}: файл «{shown(path.path)}» сжат неподдерживаемым методом.")
    if info.file_size > limits.max_entry_bytes:
        raise entry_size_error(path.path, limits)
    # Multiplying, not dividing: compress_size 0 with a large file_size is a bomb too.
    if (
        info.file_size >= limits.ratio_min_bytes
        and info.file_size > limits.max_ratio * info.compress_size
    ):
        raise ArchiveError(
            f"{FAILURE}: файл «{shown(path.path)}» сжат подозрительно сильно "
            f"(более чем в {limits.max_ratio:g} раз)."
        )
    return path


def _size(count: float) -> str:
    for unit, name in ((GiB, "ГБ"), (MiB, "МБ"), (KiB, "КБ")):
        if count >= unit:
            value = f"{count / unit:.1f}".removesuffix(".0").replace(".", ",")
            return f"{value} {name}"
    return f"{count:g} байт"


def total_error(limits: UnzipLimits) -> ArchiveError:
    return ArchiveError(
        f"{FAILURE}: архив распаковывается более чем в {_size(limits.max_total_bytes)}."
    )


def entry_size_error(path: str, limits: UnzipLimits) -> ArchiveError:
    return ArchiveError(
        f"{FAILURE}: файл «{shown(path)}» в архиве больше {_size(limits.max_entry_bytes)}."
    )
