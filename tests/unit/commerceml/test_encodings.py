"""The same content in any encoding, with or without a BOM or a namespace, reads the same."""

import codecs
import io
import re

import pytest

from cml_exchange.commerceml import FileInfo, read
from cml_exchange.commerceml.entities import Entity
from tests.paths import sample

SOURCES = [
    "carono__php-commerceml__tests__xml__offers",  # UTF-8 + BOM, urn:1C.ru:commerceml_2
    "bigperson__exchange1c__tests__xml__import",  # UTF-8 + BOM, urn:1C.ru:commerceml_210
    "Dialdev__Santechtula__upload__1c_catalog__offers",  # windows-1251, no namespace
]
NAMESPACES = [
    None,
    "urn:1C.ru:commerceml_2",
    "urn:1C.ru:commerceml_210",
    "urn:1C.ru:commerceml_208",
]
ENCODINGS = [("utf-8", False), ("utf-8", True), ("windows-1251", False)]

_DECLARATION = re.compile(r"^<\?xml[^>]*\?>")
_DEFAULT_NAMESPACE = re.compile(r'\sxmlns="[^"]*"')


def as_text(name: str) -> str:
    raw = sample(name).read_bytes()
    encoding = "windows-1251" if b'encoding="windows-1251"' in raw[:100] else "utf-8"
    return raw.removeprefix(codecs.BOM_UTF8).decode(encoding)


def variant(text: str, *, encoding: str, bom: bool, namespace: str | None) -> bytes:
    """Re-declare and re-encode a document, and set (or drop) its default namespace."""
    body = _DECLARATION.sub("", text, count=1)
    body = _DEFAULT_NAMESPACE.sub("", body, count=1)
    if namespace:
        body = body.replace(
            "<КоммерческаяИнформация", f'<КоммерческаяИнформация xmlns="{namespace}"', 1
        )
    declared = "UTF-8" if encoding == "utf-8" else "windows-1251"
    data = f'<?xml version="1.0" encoding="{declared}"?>{body}'.encode(encoding)
    return codecs.BOM_UTF8 + data if bom else data


def content(data: bytes) -> tuple[FileInfo, list[Entity]]:
    entities = list(read(io.BytesIO(data)))
    assert isinstance(entities[0], FileInfo)
    return entities[0], entities[1:]


@pytest.mark.parametrize("name", SOURCES)
def test_every_encoding_and_namespace_gives_the_same_entities(name):
    text = as_text(name)
    _, reference = content(variant(text, encoding="utf-8", bom=False, namespace=None))
    assert len(reference) > 5
    for encoding, bom in ENCODINGS:
        for namespace in NAMESPACES:
            info, entities = content(variant(text, encoding=encoding, bom=bom, namespace=namespace))
            assert entities == reference, (encoding, bom, namespace)
            assert info.namespace == namespace
            assert info.encoding.lower() == ("utf-8" if encoding == "utf-8" else "windows-1251")


def test_the_original_files_read_like_their_variants():
    for name in SOURCES:
        original = list(read(sample(name)))[1:]
        _, rewritten = content(variant(as_text(name), encoding="utf-8", bom=False, namespace=None))
        assert original == rewritten


class _OneWayStream:
    """A stream that can only be read forward, like a request body or a zip member."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self._buffer = io.BytesIO(data)
        self._chunk = chunk

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._chunk
        return self._buffer.read(min(size, self._chunk))


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_non_seekable_streams_in_small_pieces(chunk):
    path = sample("carono__php-commerceml__tests__xml__offers")
    expected = list(read(path))
    assert list(read(_OneWayStream(path.read_bytes(), chunk))) == expected
