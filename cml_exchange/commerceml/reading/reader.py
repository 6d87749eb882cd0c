"""The streaming CommerceML reader (2.03–2.10 and 3.1).

:func:`read` takes a path or a binary stream and yields entities one at a time:
first a :class:`~cml_exchange.commerceml.entities.FileInfo`, then, in document
order, each container's header (``Classifier``, ``Catalog``, ``OfferPackage``)
before its contents, groups (parents before children), properties, price
types, warehouses, units, categories, products, offers, documents and
counterparties.

What the file holds is found from the root's children, never from the file's
name. Memory stays flat whatever the size of the file: lxml's iterparse builds
only the element being read, and each one is cleared (with its already-read
siblings) as soon as its entity is built.

A ``Каталог``, ``ПакетПредложений`` or ``ИзмененияПакетаПредложений``
standing right inside a top-level ``Классификатор`` (as a public test
generator writes it) is read like a top-level one: its header comes after the
classifier's, a catalog without ``ИдКлассификатора`` belongs to that
classifier, and what follows it in the classifier comes after the
classifier's header again.

Problems that do not stop the reading (dangling references, unreadable
numbers, empty offers) become :class:`ReadWarning` entries in
``CmlReader.warnings``; problems that do (not XML, unsafe XML, not CommerceML, a
container or a group where CommerceML has no place for it) raise
:class:`~cml_exchange.commerceml.errors.XmlParseError` or a subclass, naming
the file, the line and the element.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Container, Iterator
from typing import BinaryIO, cast

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    KIND_COUNTERPARTIES,
    KIND_DOCUMENTS,
    Classifier,
    Entity,
    FileInfo,
    ItemsAhead,
    Offer,
    Product,
    Unchanged,
)
from cml_exchange.commerceml.errors import CommerceMLError
from cml_exchange.commerceml.reading import _build_classifier as classifier
from cml_exchange.commerceml.reading._build_documents import counterparty
from cml_exchange.commerceml.reading._elements import ElementHandlers
from cml_exchange.commerceml.reading._groups import GroupTree
from cml_exchange.commerceml.reading._prolog import (
    SAFE_PARSER_OPTIONS,
    BinaryReadable,
    PrefixedStream,
    Source,
    is_utf8,
    name_of,
    read_prolog,
    refuse_doctype,
    syntax_error,
)
from cml_exchange.commerceml.reading._references import KnownIds as KnownIds
from cml_exchange.commerceml.reading._references import ReadWarning as ReadWarning
from cml_exchange.commerceml.reading._references import References
from cml_exchange.commerceml.reading._structure import (
    CONTAINER_KINDS,
    DECLARING,
    NESTABLE_IN_CLASSIFIER,
    PACKAGES,
    WATCHED,
    misplaced_container,
)
from cml_exchange.commerceml.reading._xml import Element, children, local_name, release
from cml_exchange.commerceml.reading.digests import OFFERS, PRODUCTS, FileItems

#: Empty items that are skipped without a warning each; one warning per file sums them up.
SKIPPED_ITEMS = {
    "empty_offer": "Пропущено пустых предложений (без Ид): {count}.",
    "empty_option": "Пропущено пустых значений справочников (без ИдЗначения): {count}.",
}


class CmlReader(ElementHandlers):
    """Iterate over the entities of one CommerceML 2 file; see the module docstring.

    ``name`` is how the file is called in errors and warnings (default: the
    path's base name, or the stream's ``name``). After iteration, ``kinds``
    lists what the file held, ``warnings`` holds the first
    :attr:`MAX_WARNINGS` warnings and ``warning_counts`` counts all of them by
    code; ``skipped`` counts the empty offers and options that were skipped.
    A reader can be iterated once.

    Resuming: every entity element (a group, property, price type, warehouse,
    unit, category, product, offer, document or counterparty, including one
    skipped for want of an ``Ид``) gets an ordinal in document order, and
    ``position`` is the number of them read so far, so right after an entity
    is yielded, ``position`` is its ordinal plus one. A reader made with
    ``skip=n`` passes over the first ``n`` entity elements without building
    them (headers are still yielded, and groups still give their ids to their
    subgroups), then yields the rest exactly as a fresh reader would.
    ``check_references=False`` turns off the dangling-reference warnings for a
    caller that resolves references itself (the importer, against the database).

    Given ``digests`` (a container of the digests of elements already stored,
    see :mod:`~cml_exchange.commerceml.reading.digests`), the reader hashes each
    product and offer element and yields
    :class:`~cml_exchange.commerceml.entities.Unchanged` for one whose digest is
    among them instead of building it; the entities it does build carry their
    element's digest in ``source_digest`` (0 when building one warned, or when an
    offer's prices or warehouse rows would not all be stored). A reader given
    ``digests`` that starts at the file's beginning also notes every item's
    digest in ``items`` (:class:`~cml_exchange.commerceml.reading.digests.FileItems`).
    With ``announce_items``, it yields
    :class:`~cml_exchange.commerceml.entities.ItemsAhead` once, when the file's
    first product or offer element begins (after its container's header).
    """

    MAX_WARNINGS = 1000

    def __init__(
        self,
        source: Source,
        *,
        name: str | None = None,
        known: KnownIds | None = None,
        skip: int = 0,
        check_references: bool = True,
        digests: Container[int] | None = None,
        announce_items: bool = False,
    ) -> None:
        self._source = source
        self._digests = digests
        self.items = FileItems() if digests is not None and not skip else None
        self._announce = announce_items and not skip
        #: Calls of :meth:`warn` so far: a building that warned gives no digest.
        self._warned = 0
        self._skip = skip
        self._check_references = check_references
        #: How many entity elements have been read (or skipped) so far.
        self.position = 0
        self.name = name or name_of(source)
        self.known = known if known is not None else KnownIds()
        self.info = FileInfo()
        self.kinds: list[str] = []
        self.only_changes: dict[str, bool] = {}
        self.warnings: list[ReadWarning] = []
        self.warning_counts: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self._references = References(self.known, self.warn)
        self._stream: PrefixedStream | None = None
        self._consumed = False
        #: The header of the top-level classifier being read, once built.
        self._classifier: Classifier | None = None
        #: How many top-level ``Контейнер`` elements have opened so far.
        self._containers = 0
        #: The last top-level catalog or package opened (its tag), for 3.x property files.
        self._top_container = ""

    @property
    def bytes_read(self) -> int:
        """How many bytes of the file the parser has taken in so far (for progress messages)."""
        return self._stream.bytes_read if self._stream is not None else 0

    def __iter__(self) -> Iterator[Entity]:
        if self._consumed:
            raise CommerceMLError(f"Файл {self.name} уже прочитан этим читателем")
        self._consumed = True
        if isinstance(self._source, (str, os.PathLike)):
            try:
                stream: BinaryIO = open(self._source, "rb")  # noqa: SIM115 (closed below)
            except OSError as error:
                raise CommerceMLError(
                    f"Не удалось открыть файл {self.name}: {error.strerror}"
                ) from error
            try:
                yield from self._read(stream)
            finally:
                stream.close()
        else:
            yield from self._read(self._source)

    # -- warnings -----------------------------------------------------------

    def warn(self, code: str, message: str, entity_id: str | None = None) -> None:
        """Record a warning (builders call this through the ``Warn`` protocol).

        Empty items (codes in ``SKIPPED_ITEMS``) are only counted in
        ``skipped``; one warning sums them up at the end of the file.
        """
        self._warned += 1
        if code in SKIPPED_ITEMS:
            self.skipped[code] += 1
            return
        self.warning_counts[code] += 1
        if len(self.warnings) < self.MAX_WARNINGS:
            self.warnings.append(ReadWarning(code, message, entity_id))

    # -- the parse ------------------------------------------------------------

    def _read(self, raw: BinaryReadable) -> Iterator[Entity]:
        prolog = read_prolog(raw, self.name)
        self.info = FileInfo(
            schema_version=prolog.schema_version,
            generated_at=prolog.generated_at,
            namespace=prolog.namespace,
            encoding=prolog.encoding,
        )
        yield self.info
        stream = PrefixedStream(prolog.head, raw, utf8=is_utf8(prolog.encoding))
        self._stream = stream
        events = etree.iterparse(
            stream,
            events=("start", "end"),
            tag=[f"{{*}}{tag}" for tag in WATCHED],
            remove_blank_text=True,
            **SAFE_PARSER_OPTIONS,
        )
        stack: list[str] = []
        items = self.items
        try:
            for entity in self._walk(events, stack):
                if items is not None:
                    _note(items, entity)
                yield entity
        except etree.XMLSyntaxError as error:
            raise syntax_error(error, self.name, "/".join(stack) or None, stream) from error
        for code, count in self.skipped.items():
            self.warning_counts[code] += 1
            self.warnings.append(ReadWarning(code, SKIPPED_ITEMS[code].format(count=count)))

    def _walk(
        self, events: etree.iterparse[tuple[str, Element]], stack: list[str]
    ) -> Iterator[Entity]:
        groups = GroupTree()
        # A container whose header is not yet yielded; or, after a container nested in
        # the classifier, the classifier's header again (``resuming``), for what follows.
        pending: Element | Classifier | None = None
        resuming = False

        for event, element in events:
            name = local_name(cast(str, element.tag))
            depth = len(stack)
            parent = stack[-1] if depth else ""

            if event == "start":
                stack.append(name)
                if depth == 0:
                    refuse_doctype(element, self.name)
                elif name in CONTAINER_KINDS:
                    if depth == 1:
                        pending, resuming = element, False
                        if name != T.CLASSIFIER:
                            self._top_container = name
                    elif depth == 2 and parent == T.CLASSIFIER and name in NESTABLE_IN_CLASSIFIER:
                        if pending is not None and not resuming:  # the classifier's first
                            yield self._header(pending)
                        pending, resuming = element, False
                    else:
                        raise misplaced_container(element, self.name)
                    self._note_kind(CONTAINER_KINDS[name])
                elif name == T.DOCUMENT and parent in (T.ROOT, T.CONTAINER):
                    self._note_kind(KIND_DOCUMENTS)
                elif name == T.CONTAINER and depth == 1:
                    self._containers += 1
                elif name == T.COUNTERPARTIES and depth == 1:
                    self._note_kind(KIND_COUNTERPARTIES)
                elif name == T.GROUP and parent == T.GROUPS:
                    # A group of the classifier's tree: in its Группы, or in its group's.
                    groups.open(element, stack[-3], depth, self.name)
                elif self._announce and (
                    (name == T.PRODUCT and parent == T.CATALOG)
                    or (name == T.OFFER and parent in PACKAGES)
                ):
                    self._announce = False
                    if pending is not None:
                        yield self._header(pending)
                        pending = None
                    yield ItemsAhead(PRODUCTS if name == T.PRODUCT else OFFERS)
                elif name == T.GROUPS and (frame := groups.innermost_at(depth - 1)) is not None:
                    # The group's own fields precede its subgroups: yield it now,
                    # so that parents always come before their children.
                    if pending is not None:
                        yield self._header(pending)
                        pending = None
                    yield from self._group(frame, element.getparent())
                continue

            # event == "end"
            stack.pop()
            grandparent = stack[-2] if len(stack) > 1 else ""
            parent = stack[-1] if stack else ""
            built: Entity | None = None
            discard = True
            if name == T.GROUP and (frame := groups.close_at(len(stack))) is not None:
                if pending is not None:
                    yield self._header(pending)
                    pending = None
                yield from self._group(frame, element)
            elif name == T.PRODUCT and parent == T.CATALOG:
                built = self._product(element) if self._take() else None
            elif name == T.OFFER and parent in PACKAGES:
                built = self._offer(element) if self._take() else None
            elif name == T.PROPERTY and parent == T.CLASSIFIER:
                if self._take():
                    built = self._declared(self._property(element), "property")
            elif name == T.PRICE_TYPE and parent in DECLARING:
                if self._take():
                    built = self._declared(classifier.price_type(element), "price_type")
            elif name == T.WAREHOUSES and parent in DECLARING:
                for tag, item in children(element):
                    if tag == T.WAREHOUSE and self._take():
                        declared = self._declared(classifier.warehouse(item), "warehouse")
                        if declared is not None:
                            if pending is not None:
                                yield self._header(pending)
                                pending = None
                            yield declared
                # Emptied, not released: that would drop the container's fields before it.
                element.clear(keep_tail=False)
                discard = False
            elif name == T.UNIT_OF_MEASURE and parent == T.CLASSIFIER:
                built = classifier.unit_of_measure(element) if self._take() else None
            elif name == T.CATEGORY and parent == T.CLASSIFIER:
                if self._take():
                    built = self._declared(classifier.category(element), "category")
            elif name == T.DOCUMENT and parent in (T.ROOT, T.CONTAINER):
                if self._take():
                    built = self._document(element, in_container=parent == T.CONTAINER)
            elif name == T.COUNTERPARTY and parent == T.COUNTERPARTIES and grandparent == T.ROOT:
                if self._take():
                    built = self._declared(counterparty(element), "counterparty")
            elif name in CONTAINER_KINDS and parent == T.ROOT:
                if pending is not None and not resuming:
                    yield self._header(pending)
                pending, resuming = None, False
            elif name in NESTABLE_IN_CLASSIFIER and parent == T.CLASSIFIER:
                if pending is not None:  # a container with nothing in it
                    yield self._header(pending)
                pending, resuming = self._classifier, self._classifier is not None
                # Kept, not released: releasing it would drop the classifier's own
                # fields that precede it.
                discard = False
            elif name == T.CONTAINER and parent == T.ROOT:
                pass
            else:
                discard = False  # part of an entity still being read
            if built is not None:
                if pending is not None:
                    yield self._header(pending)
                    pending = None
                yield built
            if discard:
                release(element)


def _note(items: FileItems, entity: Entity) -> None:
    """Note an item's digest as it is yielded (its container's header comes before it)."""
    if isinstance(entity, Unchanged):
        items.note(entity.kind, entity.digest)
    elif isinstance(entity, Product):
        items.note(PRODUCTS, entity.source_digest)
    elif isinstance(entity, Offer):
        items.note(OFFERS, entity.source_digest)
    elif not isinstance(entity, ItemsAhead):
        items.note_other()


def read(
    source: Source,
    *,
    name: str | None = None,
    known: KnownIds | None = None,
    skip: int = 0,
    check_references: bool = True,
) -> Iterator[Entity]:
    """Yield the entities of one CommerceML 2 file. See :class:`CmlReader`."""
    return iter(
        CmlReader(source, name=name, known=known, skip=skip, check_references=check_references)
    )
