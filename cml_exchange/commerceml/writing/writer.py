"""Streaming writer for the orders document the site sends to 1C (``type=sale&mode=query``).

:class:`OrdersWriter` writes one ``КоммерческаяИнформация`` holding any number of
``Документ`` elements, one :class:`~cml_exchange.commerceml.entities.Document`
at a time: each document's text is made, encoded, written and dropped at once,
so memory stays flat however many orders are written::

    with OrdersWriter(stream, schema_version="2.10", encoding="utf-8") as writer:
        for document in documents:
            writer.write(document)

Shapes, by schema version:

* **2.05** is the shape 1C-Bitrix writes (``bitrix-query-response-full.xml``,
  ``from.xml``): the ``Формат…`` root attributes, lines with ``ИдКаталога``
  before ``Наименование`` and ``ЗначенияРеквизитов`` after ``Сумма``, and
  representatives wrapped in a ``Контрагент``. The official 2.05 XSD cannot
  check it: lxml refuses to load that schema (its ``targetNamespace`` is
  ``"urn:1C.ru:commerceml 2"``, with a space), and no official XSD of any
  version allows the ``Формат…`` attributes on the root.
* **2.08** and **2.10** follow the element sequences of the official XSDs, so
  a document written with ``namespace="urn:1C.ru:commerceml_2"`` validates
  against them, as long as the entity's values fit the schema's types (a
  three-letter currency, enumerated roles and contact types, at most two
  decimals in sums…) and it carries none of the fields below.
* **3.1** is what 1C-Bitrix's ``CSaleExport`` writes from schema 3 on
  (docs/research/commerceml-3.1.md §4.1): every order in a ``Контейнер`` of
  its own, holding the order's ``Документ`` and, as sibling ``Документ``
  elements, its payment and shipment documents with ``Основание`` = the
  order's ``Ид``. The documents take the 2.10 shape (no 3.1 XSD is public)
  and the root gets 1C-Bitrix's ``Формат…`` attributes. No namespace unless
  one is passed, as 1C-Bitrix writes; 3.1 files of 1C's own carry
  ``urn:1C.ru:commerceml_3`` (:data:`NAMESPACE_3`).
* Subordinate documents (``Document.subordinates``) are written only for 2.10,
  as ``ПодчиненныеДокументы/ПодчиненныйДокумент``, and for 3.1, as the
  siblings above. The 2.10 XSD gives ``ПодчиненныйДокумент`` no
  ``Основание``: nesting is the link to the order, so a subordinate's
  ``basis`` must be ``None`` or the parent's id and is not written (in 3.1 it
  is written, always the order's id). Earlier versions have no place for them
  (1C-Bitrix writes payment and shipment data as order requisites there), so
  they are silently left out, like the 2.09-only ``Оплаты`` block
  (``Document.payments``), which this writer never writes.

Fields no official 2.x XSD has (``НомерВерсии``, ``ПометкаУдаления``,
``Номер1С``, ``Дата1С``, ``Основание`` of a top-level document) are written
only when set, where УТ 11 puts them; a document that has them does not
validate. Empty and ``None`` fields are left out, except elements the XSD
requires, which are written empty. Characters the chosen encoding lacks
(``₽`` or emoji in windows-1251) become character references; characters XML
cannot carry at all (control characters, lone surrogates) are dropped.

Also not written: ``Unit.id``/``version``/``deleted`` (``БазоваяЕдиница`` has
no place for them), ``Document.in_container`` (the ``container`` option
and the schema version decide) and fractions of a second. Text is written as given; readers trim it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterable
from types import TracebackType
from typing import Final, Protocol

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Document
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.writing._documents import DocumentShape

SCHEMA_2_05: Final = "2.05"
SCHEMA_2_08: Final = "2.08"
SCHEMA_2_10: Final = "2.10"
SCHEMA_3_1: Final = "3.1"
#: The 2.x versions: one ``Документ`` per order (subordinates nested in 2.10).
SCHEMA_2_VERSIONS: Final = (SCHEMA_2_05, SCHEMA_2_08, SCHEMA_2_10)
#: Every version the writer writes.
SCHEMA_VERSIONS: Final = (*SCHEMA_2_VERSIONS, SCHEMA_3_1)

#: The namespace of every official 2.x XSD. 1C-Bitrix writes no namespace at all.
NAMESPACE: Final = "urn:1C.ru:commerceml_2"
#: The namespace of the 3.1 files 1C writes (the site's own answer needs none).
NAMESPACE_3: Final = "urn:1C.ru:commerceml_3"

ENCODING_CP1251: Final = "windows-1251"
ENCODING_UTF8: Final = "UTF-8"
_ENCODINGS: Final = {
    "windows-1251": ENCODING_CP1251,
    "cp1251": ENCODING_CP1251,
    "utf-8": ENCODING_UTF8,
    "utf8": ENCODING_UTF8,
}

# Root attributes 1C-Bitrix puts on its orders answer. They are in no XSD;
# 1C does not need them, but writing them makes our answer look like Bitrix's.
DATE_FORMAT: Final = "ФорматДаты"
TIME_FORMAT: Final = "ФорматВремени"
DATE_TIME_SEPARATOR: Final = "РазделительДатаВремя"
AMOUNT_FORMAT: Final = "ФорматСуммы"
QUANTITY_FORMAT: Final = "ФорматКоличества"
BITRIX_FORMATS: Final = (
    (DATE_FORMAT, "ДФ=yyyy-MM-dd; ДЛФ=DT"),
    (TIME_FORMAT, "ДФ=ЧЧ:мм:сс; ДЛФ=T"),
    (DATE_TIME_SEPARATOR, "T"),
    (AMOUNT_FORMAT, "ЧЦ=18; ЧДЦ=2; ЧРД=."),
    (QUANTITY_FORMAT, "ЧЦ=18; ЧДЦ=2; ЧРД=."),
)

#: Unicode's tag characters: libxml2's iconv drops them from a windows-1251 file.
_TAG_CHARACTERS: Final = re.compile("[\U000e0000-\U000e007f]")

_NEW, _OPEN, _CLOSED = "new", "open", "closed"


class BinaryOutput(Protocol):
    """Where the writer writes: anything with ``write(bytes)`` (a file, ``BytesIO``, a response)."""

    def write(self, data: bytes, /) -> object: ...


class OrdersWriter:
    """Write order documents to a binary stream as one CommerceML file.

    Use it as a context manager: entering writes the XML declaration and the
    root's start tag, :meth:`write` adds one document, and leaving without an
    exception writes the root's end tag. Leaving with an exception writes
    nothing more, so a half-written answer is never well-formed and cannot
    pass for a complete one. The stream belongs to the caller and is not closed.

    ``schema_version`` is ``"2.05"`` (default, 1C-Bitrix's shape), ``"2.08"``,
    ``"2.10"`` or ``"3.1"``. ``encoding`` is ``"windows-1251"`` (default, as
    1C-Bitrix writes) or ``"utf-8"``; ``bom`` puts a UTF-8 byte order mark
    first and is ignored for windows-1251. ``container`` wraps each document
    in a ``Контейнер`` (the 1C-Bitrix module for 1C 6.5+ wants it; no 2.x XSD
    allows it); 3.1 always has one per order, with the order's payments and
    shipments beside it. ``namespace`` is ``None`` (default, no namespace, as
    1C-Bitrix writes) or a namespace for every element, such as
    :data:`NAMESPACE`. ``generated_at`` is the root's ``ДатаФормирования``
    (default: now, local time; a time zone is not written).
    ``bitrix_formats`` adds 1C-Bitrix's ``Формат…`` root attributes to a 2.05
    or 3.1 file; 2.08 and 2.10 never get them, because their XSDs forbid them.

    Invalid options raise :class:`WriterError` at construction. :meth:`write`
    raises :class:`WriterError` for a document it cannot write and then has
    written nothing of it, so the caller may skip that document and go on.
    """

    def __init__(
        self,
        stream: BinaryOutput,
        *,
        schema_version: str = SCHEMA_2_05,
        encoding: str = ENCODING_CP1251,
        bom: bool = False,
        container: bool = False,
        namespace: str | None = None,
        generated_at: dt.datetime | None = None,
        bitrix_formats: bool = True,
    ) -> None:
        if schema_version not in SCHEMA_VERSIONS:
            raise WriterError(
                f"Версия схемы CommerceML «{schema_version}» не поддерживается для выгрузки "
                f"заказов; допустимы: {', '.join(SCHEMA_VERSIONS)}."
            )
        codec = _ENCODINGS.get(encoding.strip().lower())
        if codec is None:
            raise WriterError(
                f"Кодировка «{encoding}» не поддерживается для выгрузки заказов; "
                "допустимы windows-1251 и utf-8."
            )
        self.schema_version = schema_version
        self.encoding = codec
        self.bom = bom and codec == ENCODING_UTF8
        self.container = container or schema_version == SCHEMA_3_1
        self.namespace = namespace or None
        self.generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
        self.bitrix_formats = bitrix_formats and schema_version in (SCHEMA_2_05, SCHEMA_3_1)
        #: How many documents have been written so far.
        self.count = 0
        self._stream = stream
        self._shape = DocumentShape(schema_version)
        self._state = _NEW
        try:
            self._start_tag, self._end_tag = self._root_tags()
        except ValueError as error:
            raise WriterError(
                f"Пространство имен «{namespace}» не годится для XML-документа."
            ) from error

    # -- the file around the documents ----------------------------------------

    def __enter__(self) -> OrdersWriter:
        if self._state != _NEW:
            raise WriterError("Этот OrdersWriter уже использован; создайте новый.")
        bom = codecs.BOM_UTF8 if self.bom else b""
        # lxml's own declaration uses single quotes; write the one 1C and Bitrix write.
        declaration = f'<?xml version="1.0" encoding="{self.encoding}"?>\n'.encode("ascii")
        self._stream.write(bom + declaration + self._start_tag + b"\n")
        self._state = _OPEN
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        was_open, self._state = self._state == _OPEN, _CLOSED
        if was_open and exc_type is None:
            self._stream.write(self._end_tag + b"\n")

    def _root_tags(self) -> tuple[bytes, bytes]:
        """The root's start and end tags, serialised by lxml (escaping, namespace, encoding)."""
        attributes = {
            T.SCHEMA_VERSION: self.schema_version,
            T.GENERATED_AT: self.generated_at.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if self.bitrix_formats:
            attributes.update(BITRIX_FORMATS)
        if self.namespace:
            root = etree.Element(
                f"{{{self.namespace}}}{T.ROOT}", attributes, nsmap={None: self.namespace}
            )
        else:
            root = etree.Element(T.ROOT, attributes)
        root.text = "\n"
        serialised = etree.tostring(root, encoding=self.encoding, xml_declaration=False)
        end_tag = f"</{T.ROOT}>".encode(self.encoding)
        return serialised[: -len(end_tag) - 1], end_tag

    # -- documents ------------------------------------------------------------

    def write(self, document: Document) -> None:
        """Write one document (wrapped in a ``Контейнер`` if the writer was asked to).

        In 3.1 the ``Контейнер`` also holds the document's subordinates, as
        sibling documents; all of it is built before a byte is written.

        Raises :class:`WriterError` outside the ``with`` block, or when the
        document cannot be written (no ``Ид``, a number that is not finite, a
        counterparty with the fields of both a person and a company, a
        subordinate whose ``basis`` is another document); nothing of the
        document is written then.
        """
        if self._state != _OPEN:
            raise WriterError("Документы можно записывать только внутри блока with OrdersWriter.")
        if self.container:
            text = self._shape.container(document, siblings=self.schema_version == SCHEMA_3_1)
        else:
            text = self._shape.document(document)
        self._stream.write(self._encode(text))
        self.count += 1

    def _encode(self, text: str) -> bytes:
        """``text`` in the file's encoding, as lxml encodes it.

        A character windows-1251 lacks becomes a character reference; Unicode's
        tag characters (U+E0000–U+E007F) are dropped there, as libxml2's iconv
        drops them.
        """
        if self.encoding == ENCODING_UTF8:
            return text.encode("utf-8")
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError:
            return _TAG_CHARACTERS.sub("", text).encode(self.encoding, "xmlcharrefreplace")


def write_orders(
    stream: BinaryOutput,
    documents: Iterable[Document],
    *,
    schema_version: str = SCHEMA_2_05,
    encoding: str = ENCODING_CP1251,
    bom: bool = False,
    container: bool = False,
    namespace: str | None = None,
    generated_at: dt.datetime | None = None,
    bitrix_formats: bool = True,
) -> int:
    """Write ``documents`` (any iterable, consumed lazily) as one file; return how many.

    The options are those of :class:`OrdersWriter`.
    """
    with OrdersWriter(
        stream,
        schema_version=schema_version,
        encoding=encoding,
        bom=bom,
        container=container,
        namespace=namespace,
        generated_at=generated_at,
        bitrix_formats=bitrix_formats,
    ) as writer:
        for document in documents:
            writer.write(document)
    return writer.count
