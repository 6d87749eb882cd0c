"""The first look at a file: its prolog and root element, read before anything is parsed.

This is where hostile files are refused. A DOCTYPE is refused before libxml2
sees it, so no DTD is parsed, no entity is declared, and nothing can be
expanded or fetched; the main parse then runs with DTDs, entity resolution and
the network switched off as a second line of defence.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from typing import Final, Protocol, TypedDict, cast

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.errors import UnsafeXmlError, UnsupportedFormatError, XmlParseError

#: How far into a file the root element must start. Real files start it within
#: the first few hundred bytes; a longer prolog is a sign of something odd.
PROLOG_LIMIT = 1024 * 1024
_CHUNK = 64 * 1024
#: What the prolog's parser is fed at a time: the root's start tag lies within the first
#: few hundred bytes of nearly every file, and the main parse reads all of it again.
_FED = 2048

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
#: Cyrillic read as windows-1251 from UTF-8 bytes turns into "Р"/"С" followed by
#: these letters; the root name then starts with "РљРѕРј".
_MOJIBAKE_ROOT = "РљРѕРјРјРµСЂ"


class BinaryReadable(Protocol):
    """Anything with ``read(size) -> bytes``: a file, a request body, a zip member."""

    def read(self, size: int = -1, /) -> bytes: ...


#: What a reader reads: a path, or a binary stream.
Source = str | os.PathLike[str] | BinaryReadable


def name_of(source: Source) -> str:
    """How a file is called in errors and warnings: the path's, or the stream's, base name."""
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    stream_name = getattr(source, "name", None)
    if isinstance(stream_name, str) and stream_name:
        return os.path.basename(stream_name)
    return "<поток>"


def is_utf8(encoding: str | None) -> bool:
    """Whether a declared encoding (``None``: none declared) is UTF-8."""
    return encoding is None or encoding.replace("-", "").replace("_", "").lower() == "utf8"


class SafeParserOptions(TypedDict):
    resolve_entities: bool
    no_network: bool
    load_dtd: bool
    huge_tree: bool
    remove_comments: bool
    remove_pis: bool


#: Options for every lxml parser that reads exchange files: no entities, no
#: DTD, no network, libxml2's default limits on depth and text size.
SAFE_PARSER_OPTIONS: Final[SafeParserOptions] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


@dataclass(slots=True)
class Prolog:
    """What the first look found: the bytes read so far and the root's details."""

    head: bytes
    encoding: str | None
    namespace: str | None
    schema_version: str | None
    generated_at: str | None


_UTF8_CONTINUATION = bytes(range(0x80, 0xC0))


class PrefixedStream:
    """A read-only binary stream that replays ``head`` before the rest of ``stream``.

    Lets the prolog check consume the start of a non-seekable stream (an HTTP
    body, a zip member) and hand the whole of it to the parser afterwards.
    It also keeps track of where the input ends (line, and characters on the
    last line), so that an error at the very end can be told apart as a
    truncated file.
    """

    def __init__(self, head: bytes, stream: BinaryReadable, *, utf8: bool = True) -> None:
        self._head = head
        self._offset = 0
        self._stream = stream
        self._utf8 = utf8
        self.at_end = False
        self.bytes_read = 0
        self.lines = 1
        self.last_line_chars = 0

    def read(self, size: int = -1) -> bytes:
        if self._offset < len(self._head):
            if size is None or size < 0:
                chunk = self._head[self._offset :] + self._stream.read()
                self._offset = len(self._head)
            else:
                chunk = self._head[self._offset : self._offset + size]
                self._offset += len(chunk)
        else:
            chunk = self._stream.read(size)
        self._track(chunk)
        return chunk

    def _track(self, chunk: bytes) -> None:
        if not chunk:
            self.at_end = True
            return
        self.bytes_read += len(chunk)
        newlines = chunk.count(b"\n")
        tail = chunk
        if newlines:
            self.lines += newlines
            self.last_line_chars = 0
            tail = chunk[chunk.rfind(b"\n") + 1 :]
        # UTF-8 continuation bytes do not start a character.
        self.last_line_chars += len(
            tail.translate(None, _UTF8_CONTINUATION) if self._utf8 else tail
        )

    def ends_at(self, line: int | None, column: int | None) -> bool:
        """Whether a parser error at (line, column) is at the end of the whole input."""
        if not self.at_end or line is None or column is None:
            return False
        return line >= self.lines and column >= self.last_line_chars - 1


def read_prolog(stream: BinaryReadable, name: str) -> Prolog:
    """Read up to the root element's start tag and check the file may be parsed.

    Raises :class:`UnsafeXmlError` for a DOCTYPE or entity declaration,
    :class:`UnsupportedFormatError` for a non-CommerceML
    root, and :class:`XmlParseError` for an empty or unreadable start.
    """
    head = b""
    etree.clear_error_log()  # errors of earlier parses in this thread are not ours
    parser = etree.XMLPullParser(events=("start",), **SAFE_PARSER_OPTIONS)
    root: etree._Element | None = None
    while root is None:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        head += chunk
        _refuse_dtd(head, name)
        for start in range(0, len(chunk), _FED):
            try:
                parser.feed(chunk[start : start + _FED])
            except etree.XMLSyntaxError as error:
                # An error after the root's start tag is left to the main parse,
                # which knows the element it happened in.
                root = _first_start(parser)
                if root is None:
                    raise syntax_error(error, name) from error
            else:
                root = _first_start(parser)
            if root is not None:
                break
        if root is None and len(head) >= PROLOG_LIMIT:
            raise XmlParseError("Корневой элемент не найден в первом мегабайте файла", file=name)
    if root is None:
        if not head.strip():
            raise XmlParseError("Файл пуст", file=name)
        raise XmlParseError("Файл обрывается до корневого элемента", file=name)
    _refuse_dtd(head, name)
    return _check_root(root, head, name)


def unload_date_span(head: bytes) -> tuple[int, int] | None:
    """Where in ``head`` the value of the root's ``ДатаФормирования`` lies, if it can be told.

    1C writes the moment of the unload there, and nothing else in an unload of an
    unchanged catalog differs from the last one. ``None`` when the root's start tag
    does not end within ``head``, has no such attribute, or the file is not in
    an encoding that keeps ASCII as it is (UTF-16, an unknown name).
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    match = _DECLARED_ENCODING.match(head[start:])  # "^" holds at the string's start only
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
            return None
        name = T.GENERATED_AT.encode(encoding)
    except (LookupError, UnicodeError):
        return None
    root = _root_start(head, start)
    if root is None:
        return None
    end = _tag_end(head, root)
    if end is None:
        return None
    found = re.compile(rb"\s" + re.escape(name) + rb"""\s*=\s*(["'])""").search(head, root, end)
    if found is None:
        return None
    closing = head.find(found.group(1), found.end(), end)
    return (found.end(), closing) if closing >= 0 else None


def _root_start(head: bytes, position: int) -> int | None:
    """Where the root's start tag begins: after the declaration, comments and PIs."""
    while True:
        start = head.find(b"<", position)
        if start < 0:
            return None
        if head.startswith(b"<?", start):
            end, skip = head.find(b"?>", start + 2), 2
        elif head.startswith(b"<!--", start):
            end, skip = head.find(b"-->", start + 4), 3
        elif head.startswith(b"<!", start):
            return None
        else:
            return start
        if end < 0:
            return None
        position = end + skip


def _tag_end(head: bytes, start: int) -> int | None:
    """Where the start tag at ``start`` ends (its ``>``, outside quoted values)."""
    quote = 0
    for position in range(start, len(head)):
        byte = head[position]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):  # " '
            quote = byte
        elif byte == 0x3E:  # >
            return position
    return None


def refuse_doctype(root: etree._Element, name: str) -> None:
    """Refuse a file whose parsed tree has a DOCTYPE after all (the main parse's root)."""
    if root.getroottree().docinfo.doctype:
        raise UnsafeXmlError(
            "Файл содержит объявление DOCTYPE; такие файлы не принимаются", file=name
        )


def _first_start(parser: etree.XMLPullParser) -> etree._Element | None:
    for _event, element in parser.read_events():
        return cast(etree._Element, element)
    return None


def _refuse_dtd(head: bytes, name: str) -> None:
    """Refuse a DOCTYPE (and so any ENTITY) in the prolog, i.e. before the root element.

    Only the prolog is scanned: ``<!DOCTYPE html>`` inside a CDATA description
    further on is text, not a declaration.
    """
    probe = head
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        probe = head.decode("utf-16", errors="ignore").encode("utf-8")
    position = 0
    while True:
        start = probe.find(b"<", position)
        if start < 0:
            return
        if probe.startswith(b"<?", start):
            end, skip = probe.find(b"?>", start + 2), 2
        elif probe.startswith(b"<!--", start):
            end, skip = probe.find(b"-->", start + 4), 3
        elif probe.startswith(b"<!", start):
            raise UnsafeXmlError(
                "Файл содержит объявление DOCTYPE; CommerceML его не использует, "
                "а с ним возможны атаки через сущности XML, поэтому файл не принят",
                file=name,
            )
        else:
            return  # the root element starts here: the prolog is over
        if end < 0:
            return  # the rest of the prolog is in the next chunk
        position = end + skip


def _check_root(root: etree._Element, head: bytes, name: str) -> Prolog:
    qname = etree.QName(root)
    local = qname.localname
    namespace = qname.namespace
    version = root.get(T.SCHEMA_VERSION)
    if local != T.ROOT:
        reason = f"Это не файл CommerceML: корневой элемент «{local[:60]}», а не «{T.ROOT}»"
        if local.startswith(_MOJIBAKE_ROOT[:4]):
            reason += "; похоже, кодировка в объявлении XML не совпадает с настоящей"
        raise UnsupportedFormatError(reason, file=name, line=root.sourceline)
    match = _DECLARED_ENCODING.match(head.removeprefix(codecs.BOM_UTF8))
    encoding = match.group(1).decode("ascii") if match else None
    return Prolog(
        head=head,
        encoding=encoding,
        namespace=namespace,
        schema_version=(version or "").strip() or None,
        generated_at=(root.get(T.GENERATED_AT) or "").strip() or None,
    )


def syntax_error(
    error: etree.XMLSyntaxError,
    name: str,
    element: str | None = None,
    stream: PrefixedStream | None = None,
) -> XmlParseError:
    """Turn libxml2's complaint into an error that names the file, the line and the element."""
    line, column = error.position if error.position else (None, None)
    message = error.msg or ""
    if not line:
        # lxml sometimes reports a generic "no element found" at (0, 0); the
        # log keeps libxml2's own fatal error with its place, as its last entry
        # with a line (the log is per thread and may hold earlier parses' errors).
        for entry in reversed(error.error_log):
            if entry.line:
                line, column, message = entry.line, entry.column, entry.message
                break
    lowered = message.lower()
    if "encoding" in lowered or "utf-8" in lowered or "bytes:" in lowered:
        reason = "Неверная кодировка файла (объявленная кодировка не совпадает с настоящей)"
    elif "premature end" in lowered or (stream is not None and stream.ends_at(line, column)):
        reason = "Файл оборван: XML закончился раньше, чем закрылись элементы"
    elif "entity" in lowered:
        reason = "Файл ссылается на сущности XML, которые CommerceML не использует"
    else:
        reason = "Файл не является правильным XML"
    return XmlParseError(
        reason, file=name, line=line or None, column=column, element=element, detail=message
    )
