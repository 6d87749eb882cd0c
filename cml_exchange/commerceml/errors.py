"""Errors of the CommerceML layer, and the root of the app's one error hierarchy.

The root class lives here, in the Django-free layer, so that the parser's errors
belong to the same hierarchy as the protocol's and the importer's
(``cml_exchange.exceptions`` re-exports everything defined here).

Every message is a Russian sentence fit to reach 1C's log or the shop owner's
screen unchanged: 1C shows line 2 of a ``failure`` reply verbatim.
"""

from __future__ import annotations

from defusedxml import DefusedXmlException


class CmlExchangeError(Exception):
    """Root of every error this app raises on purpose.

    ``message`` is the human-readable Russian text; ``str(error)`` returns it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CommerceMLError(CmlExchangeError):
    """A CommerceML file could not be read or written."""


class XmlParseError(CommerceMLError):
    """A file is not well-formed XML, or not a CommerceML document.

    ``file`` is the name the file was given to the reader, ``line`` and
    ``column`` point at the place libxml2 stopped (``None`` when unknown),
    ``element`` is the path of the CommerceML elements open at that place, and
    ``detail`` is the underlying parser's own (English) message.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str,
        line: int | None = None,
        column: int | None = None,
        element: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.column = column
        self.element = element
        self.detail = detail
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = [f"файл {self.file}"]
        if self.line is not None:
            where.append(f"строка {self.line}")
        if self.column is not None:
            where.append(f"позиция {self.column}")
        if self.element:
            where.append(f"элемент {self.element}")
        text = f"{self.reason} ({', '.join(where)})"
        if self.detail:
            text += f": {self.detail}"
        return text


class UnsafeXmlError(XmlParseError, DefusedXmlException):  # type: ignore[misc]
    """A file uses XML features we refuse outright: a DTD, entities, external references.

    CommerceML never needs them; a file that has them is either broken or an
    attack (billion laughs, XXE), so it is refused before anything is expanded.
    """


class UnsupportedFormatError(XmlParseError):
    """A well-formed XML file that is not CommerceML (another root element)."""


class WriterError(CommerceMLError):
    """An order document could not be written (bad entity, unknown schema version)."""
