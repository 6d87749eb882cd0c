"""Digests of ``Товар`` and ``Предложение`` elements: unchanged items passed over unbuilt.

Building an entity costs more than parsing its element. An importer that
keeps, for each stored item, the digest of the element it was built from can
give the reader those digests (``CmlReader(digests=…)``): the reader then
hashes each product and offer element as parsed and, when the digest is among
them, yields :class:`~cml_exchange.commerceml.entities.Unchanged` instead of
building it. Equal digests mean equal elements, and the same element always
builds the same entity, so an item whose stored digest equals its element's
is what the entity's own checksum would have found unchanged.

"The same element builds the same entity" holds for one version of the
reader: the digest is keyed with the reader's own source code and lxml's
version, so a site whose reader changed builds everything once more.

The digest is of the element as parsed (lxml's UTF-8 serialization, blank
text and comments removed as the reader removes them), not of the file's
bytes: a file re-encoded or re-indented by 1C gives the same digests.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Offer, Product, Unchanged
from cml_exchange.commerceml.reading._build_catalog import product
from cml_exchange.commerceml.reading._build_offers import offer, offer_id
from cml_exchange.commerceml.reading._prolog import SAFE_PARSER_OPTIONS
from cml_exchange.commerceml.reading._structure import offer_rows
from cml_exchange.commerceml.reading._xml import Element, Warn

__all__ = ["FileItems", "code_key", "element_digest", "known", "marker_id", "rebuild"]

PRODUCTS = "products"
OFFERS = "offers"

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def code_key() -> bytes:
    """The reader's code and lxml's version, hashed: the key of every digest.

    Whatever reads a file (the reader, the scan, the builders, the entities) is
    in it, so a result kept for a file's bytes is worth keeping only under it.
    """
    key = hashlib.blake2b(repr(etree.LXML_VERSION).encode(), digest_size=32)
    for path in sorted(_PACKAGE.rglob("*.py")):
        if "writing" in path.relative_to(_PACKAGE).parts:
            continue
        try:
            key.update(path.read_bytes())
        except OSError:  # installed without its sources: the package's version stands in
            key.update(path.name.encode())
    return key.digest()


@cache
def _keyed() -> hashlib._Hash:
    return hashlib.sha256(code_key())


def element_digest(element: Element) -> tuple[int, bytes]:
    """The element's digest (a non-zero signed 64-bit integer) and its UTF-8 serialization.

    SHA-256 (OpenSSL's, twice as fast here as ``hashlib.blake2b``) of the key and the
    element, cut to 64 bits: a collision would need two elements of one id.
    """
    raw = etree.tostring(element, encoding="utf-8", with_tail=False)
    digest = _keyed().copy()
    digest.update(raw)
    return int.from_bytes(digest.digest()[:8], "big", signed=True) or 1, raw


def known(
    kind: str, element: Element, digests: Container[int] | None
) -> tuple[int, Unchanged | None]:
    """The element's digest (0 without ``digests``), and its marker when ``digests`` holds it.

    ``kind`` is :data:`PRODUCTS` or :data:`OFFERS`; an offer's marker carries the
    number of its prices and warehouse rows, as the scan counts them.
    """
    if digests is None:
        return 0, None
    digest, raw = element_digest(element)
    if digest not in digests or not (item_id := marker_id(kind, element)):
        return digest, None
    if kind == OFFERS:
        prices, stock_rows = offer_rows(element)
        marker = Unchanged(
            kind=kind, id=item_id, digest=digest, raw=raw, prices=prices, stock_rows=stock_rows
        )
    else:
        marker = Unchanged(kind=kind, id=item_id, digest=digest, raw=raw)
    return digest, marker


@dataclass
class FileItems:
    """The digests of a file's product or offer elements, in the file's order.

    A reader that hashes elements (``CmlReader(digests=…)``) from the file's
    start notes each item's digest here as it yields the item (0 for one that
    gets none: it warned, or an offer lost a row). ``whole`` says whether the items were
    all of one kind and nothing but items came after the first of them, that
    is, whether these digests are everything the file holds from its first item
    on: then a caller that finds every one of them stored may stop at
    :class:`~cml_exchange.commerceml.entities.ItemsAhead` the next time the same
    bytes come.
    """

    kind: str = ""
    digests: array[int] = field(default_factory=lambda: array("q"))
    mixed: bool = False
    #: Empty items the whole file skipped, by code (``CmlReader.skipped``), when kept.
    skipped: dict[str, int] = field(default_factory=dict)

    def note(self, kind: str, digest: int) -> None:
        if self.kind and kind != self.kind:
            self.mixed = True
        self.kind = kind
        self.digests.append(digest)

    def note_other(self) -> None:
        """Something other than an item was read; after the first item, that ends ``whole``."""
        if self.digests:
            self.mixed = True

    @property
    def whole(self) -> bool:
        return bool(self.digests) and not self.mixed and 0 not in self.digests


def marker_id(kind: str, element: Element) -> str:
    """The id the product or offer built from ``element`` would have.

    The builders take the last ``Ид`` (and ``ИдХарактеристики``) child, in any
    namespace; so does this, found by lxml rather than by a walk over the children.
    """
    ids = element.findall(_ID)
    own = (ids[-1].text or "").strip() if ids else ""
    if kind != OFFERS:
        return own
    found = element.findall(_CHARACTERISTIC_ID)
    characteristic = ((found[-1].text or "").strip() or None) if found else None
    return offer_id(own, characteristic)


_ID: Final = f"{{*}}{T.ID}"
_CHARACTERISTIC_ID: Final = f"{{*}}{T.CHARACTERISTIC_ID}"
_PARSER = etree.XMLParser(remove_blank_text=True, **SAFE_PARSER_OPTIONS)


def rebuild(marker: Unchanged, warn: Warn) -> Product | Offer:
    """The entity the reader passed over as ``marker``, built from its element after all.

    Its ``source_digest`` is the marker's, or 0 when building it warned (as the reader's).
    """
    warned = []

    def counting(code: str, message: str, entity_id: str | None = None) -> None:
        warned.append(code)
        warn(code, message, entity_id)

    element = etree.fromstring(marker.raw, _PARSER)
    built: Product | Offer = (
        product(element, counting) if marker.kind == PRODUCTS else offer(element, counting)
    )
    built.id = built.id or marker.id
    built.source_digest = 0 if warned else marker.digest
    return built
