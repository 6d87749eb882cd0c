"""A quick pass over a whole file: is it sound, and how much does it hold.

The importer scans a file before it writes anything, so that a truncated or
broken upload is refused whole instead of being imported up to the break,
and so that its progress messages can say "1200 of 5000". The scan parses at
lxml's own speed: it builds no entities, only counts elements.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml._prolog import (
    SAFE_PARSER_OPTIONS,
    PrefixedStream,
    read_prolog,
    syntax_error,
)
from cml_exchange.commerceml._xml import local_name, release
from cml_exchange.commerceml.errors import CommerceMLError

#: What is counted, by element, with the container it must sit in.
_COUNTED = {
    T.GROUP: (T.GROUPS, "groups"),
    T.PROPERTY: (T.PROPERTIES, "properties"),
    T.PRODUCT: (T.PRODUCTS, "products"),
    T.OFFER: (T.OFFERS, "offers"),
    T.DOCUMENT: (None, "documents"),
}


@dataclass(slots=True)
class FileScan:
    """What a scan found: the schema version and element counts (``products``, ``offers``…)."""

    name: str
    schema_version: str | None = None
    size: int = 0
    counts: Counter[str] = field(default_factory=Counter)


def scan(path: str | os.PathLike[str], *, name: str | None = None) -> FileScan:
    """Parse the whole file without building entities; raise the reader's errors if it is unsound.

    ``products`` counts ``Каталог/Товары/Товар`` (not order lines), ``offers``
    every ``Предложение``, ``groups`` every ``Группа`` of a classifier,
    ``properties`` every ``Свойство`` definition, ``documents`` every ``Документ``.
    """
    label = name or os.path.basename(os.fspath(path))
    result = FileScan(name=label)
    try:
        raw = cast(BinaryIO, open(path, "rb"))  # noqa: SIM115 (closed below)
    except OSError as error:
        raise CommerceMLError(f"Не удалось открыть файл {label}: {error.strerror}") from error
    with raw:
        result.size = os.fstat(raw.fileno()).st_size
        prolog = read_prolog(raw, label)
        result.schema_version = prolog.schema_version
        stream = PrefixedStream(prolog.head, raw)
        events = etree.iterparse(
            stream, tag=[f"{{*}}{tag}" for tag in _COUNTED], **SAFE_PARSER_OPTIONS
        )
        try:
            for _event, element in events:
                container, counter = _COUNTED[local_name(cast(str, element.tag))]
                parent = element.getparent()
                grandparent = parent.getparent() if parent is not None else None
                in_container = container is None or (
                    parent is not None and local_name(cast(str, parent.tag)) == container
                )
                in_catalog = counter != "products" or (
                    grandparent is not None and local_name(cast(str, grandparent.tag)) == T.CATALOG
                )
                if in_container and in_catalog:  # not an order's lines
                    result.counts[counter] += 1
                if counter in ("products", "offers", "documents"):
                    release(element)
        except etree.XMLSyntaxError as error:
            raise syntax_error(error, label, None, stream) from error
    return result
