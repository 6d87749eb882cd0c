"""What the reader does with each entity element it completes, apart from the walk itself.

:class:`ElementHandlers` is the part of :class:`~cml_exchange.commerceml.reading.reader.CmlReader`
that numbers entity elements for resuming, builds headers, groups, properties,
products, offers and documents from them (passing over products and offers
whose digest is known), and declares their ids for the reference checks. The
walk over the file (``CmlReader._walk``) decides which element is which.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from typing import cast

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Classifier,
    Entity,
    FileInfo,
    Offer,
    Product,
    Property,
    Unchanged,
)
from cml_exchange.commerceml.reading import _build_classifier as classifier
from cml_exchange.commerceml.reading._build_catalog import product
from cml_exchange.commerceml.reading._build_documents import document
from cml_exchange.commerceml.reading._build_offers import offer_and_rows
from cml_exchange.commerceml.reading._groups import GroupFrame
from cml_exchange.commerceml.reading._references import References
from cml_exchange.commerceml.reading._structure import CONTAINER_KINDS, PACKAGES
from cml_exchange.commerceml.reading._xml import Element, local_name
from cml_exchange.commerceml.reading.digests import OFFERS, PRODUCTS, known


class ElementHandlers:
    """The reader's handling of completed entity elements; the reader holds the state."""

    #: How many entity elements have been read (or skipped) so far.
    position: int
    kinds: list[str]
    only_changes: dict[str, bool]
    info: FileInfo
    _skip: int
    _warned: int
    _digests: Container[int] | None
    _check_references: bool
    _references: References
    _classifier: Classifier | None
    _containers: int
    _top_container: str

    def warn(self, code: str, message: str, entity_id: str | None = None) -> None:
        raise NotImplementedError

    def _take(self) -> bool:
        """Number the entity element just completed; whether it is past ``skip``."""
        ordinal = self.position
        self.position = ordinal + 1
        return ordinal >= self._skip

    def _note_kind(self, kind: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)

    def _header(self, pending: Element | Classifier) -> Entity:
        """The header of a container: built from its element, or the classifier's again."""
        if isinstance(pending, Classifier):
            return pending
        header = classifier.container_header(pending, self._classifier)
        if isinstance(header, Classifier):
            self._classifier = header
        self.only_changes[CONTAINER_KINDS[local_name(cast(str, pending.tag))]] = header.only_changes
        return header

    def _group(self, frame: GroupFrame, element: Element | None) -> Iterator[Entity]:
        if frame.emitted or element is None:
            return
        frame.emitted = True
        group = frame.group
        classifier.group_fields(element, group)  # even when skipped: children need the id
        if not self._take():
            return
        if not group.id:
            self.warn("no_id", f"Группа «{group.name}» без Ид пропущена.")
            return
        self._references.declare_group(group.id)
        yield group

    def _declared(self, entity: Entity, kind: str) -> Entity | None:
        entity_id = getattr(entity, "id", "")
        if not entity_id:
            self.warn("no_id", f"Элемент без Ид пропущен ({kind}).")
            return None
        self._references.declare(kind, entity_id)
        return entity

    def _property(self, element: Element) -> Property:
        """A property; in 3.x, what it is for follows from the header its classifier follows.

        CommerceML 3.1 drops ``ДляТоваров``/``ДляПредложений``: properties of
        goods come in a classifier after a ``Каталог`` header (``propertiesGoods``),
        those of offers after a ``ПакетПредложений`` header (``propertiesOffers``).
        A flag the property states itself is kept; a 2.x file is read as it says.
        """
        found = classifier.property_definition(element, self.warn)
        if found.for_products is None and found.for_offers is None and self._is_3x():
            if self._top_container == T.CATALOG:
                found.for_products = True
            elif self._top_container in PACKAGES:
                found.for_offers = True
        return found

    def _is_3x(self) -> bool:
        return (self.info.schema_version or "").strip().startswith("3")

    def _product(self, element: Element) -> Product | Unchanged | None:
        digest, marker = known(PRODUCTS, element, self._digests)
        if marker is not None:
            return marker
        warned = self._warned
        found = product(element, self.warn)
        if self._warned == warned:
            found.source_digest = digest
        if not found.id:
            self.warn("no_id", f"Товар «{found.name}» без Ид пропущен.")
            return None
        if self._check_references:
            self._references.check_product(found)
        return found

    def _offer(self, element: Element) -> Offer | Unchanged | None:
        digest, marker = known(OFFERS, element, self._digests)
        if marker is not None:
            return marker
        warned = self._warned
        found, met = offer_and_rows(element, self.warn)
        # An offer passed over later is counted by its elements, as the scan counts:
        # only one whose prices and warehouse rows were all read gets a digest.
        if (
            digest
            and self._warned == warned
            and met == (len(found.prices or ()), len(found.stock or ()))
        ):
            found.source_digest = digest
        if not found.id:
            self.warn("empty_offer", "")
            return None
        if self._check_references:
            self._references.check_offer(found)
        return found

    def _document(self, element: Element, *, in_container: bool) -> Entity | None:
        found = document(element, self.warn, in_container=in_container)
        if in_container:
            found.container = self._containers
        if not found.id:
            self.warn("no_id", f"Документ №{found.number or '?'} без Ид пропущен.")
            return None
        return found
