"""Small, fast helpers over lxml elements, shared by the entity builders.

Everything here matches on local names, so a file with no namespace, with
``urn:1C.ru:commerceml_2``, ``_210`` or ``_208`` reads the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from lxml import etree

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Requisite
from cml_exchange.commerceml.values import parse_bool, parse_date, parse_decimal, parse_time

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Element = etree._Element
_T = TypeVar("_T")
_Table = TypeVar("_Table", bound=Mapping[str, Any])

#: A builder's table of simple children: for a child's local name, the entity
#: field it fills and the function that reads the value from the child.
FieldTable = Mapping[str, tuple[str, Callable[[Element], object]]]
#: A builder's table of number children: for a child's local name, the field
#: it fills with :func:`number` (which warns about text that is not a number).
NumberTable = Mapping[str, str]

#: Local names by tag, as :func:`local_name` gives them (a cache: tags repeat millions of
#: times). The hottest loops over an element's children take a child's name as
#: ``LOCAL_NAMES.get(child.tag) or name_of(child)`` rather than through :func:`children`,
#: whose generator costs about a fifth of such a loop.
LOCAL_NAMES: dict[object, str] = {}
_LOCAL_NAMES_CAP = 4096


def local_name(tag: str) -> str:
    """``{urn:1C.ru:commerceml_2}Товар`` → ``Товар``; cached, as tags repeat millions of times."""
    try:
        return LOCAL_NAMES[tag]
    except KeyError:
        name = tag.rpartition("}")[2]
        if len(LOCAL_NAMES) < _LOCAL_NAMES_CAP:
            LOCAL_NAMES[tag] = name
        return name


def name_of(child: Element) -> str:
    """A child's local name; ``""`` for a comment or a processing instruction."""
    tag = child.tag
    return local_name(tag) if isinstance(tag, str) else ""


def children(element: Element) -> Iterator[tuple[str, Element]]:
    """Yield ``(local name, child)`` for the element children, skipping anything else."""
    names = LOCAL_NAMES
    for child in element:
        tag = child.tag
        try:
            yield names[tag], child  # the hot path: a known tag
        except KeyError:
            if isinstance(tag, str):
                yield local_name(tag), child


def text(element: Element) -> str:
    """The element's own text, trimmed; ``""`` for an empty element."""
    value = element.text
    return value.strip() if value else ""


def optional_text(element: Element) -> str | None:
    """The element's trimmed text, or ``None`` when it is empty."""
    value = element.text
    if value:
        value = value.strip()
        if value:
            return value
    return None


def all_text(element: Element) -> str:
    """All text inside the element, nested markup included (for ``Описание``)."""
    return "".join(element.itertext()).strip()


def description(element: Element) -> str | None:
    """All text inside the element (:func:`all_text`), or ``None`` when there is none."""
    return all_text(element) or None


def bool_text(element: Element) -> bool | None:
    """The element's text read as a flag; ``None`` when it says neither true nor false."""
    return parse_bool(element.text)


def date_text(element: Element) -> dt.date | None:
    """The element's text read as a date; ``None`` when it is not one."""
    return parse_date(element.text)


def time_text(element: Element) -> dt.time | None:
    """The element's text read as a time of day; ``None`` when it is not one."""
    return parse_time(element.text)


def child_texts(element: Element, wanted: str) -> list[str]:
    """The non-empty trimmed texts of the children called ``wanted`` (``Группы/Ид``)."""
    return [value for tag, child in children(element) if tag == wanted if (value := text(child))]


def ids(element: Element) -> list[str]:
    """The ids listed in the element (``Группы/Ид``, ``Свойства/Ид``)."""
    return child_texts(element, T.ID)


def first_child(element: Element, wanted: str) -> Element | None:
    for tag, child in children(element):
        if tag == wanted:
            return child
    return None


def is_deleted_status(value: str | None) -> bool:
    """``Статус`` = ``Удален`` (attribute or element) marks an entity as deleted."""
    return value is not None and value.strip() == T.STATUS_DELETED


class Warn(Protocol):
    """Where builders report what they skipped or could not read."""

    def __call__(self, code: str, message: str, entity_id: str | None = None) -> None: ...


def number(element: Element, warn: Warn, entity_id: str | None) -> Decimal | None:
    """Read a number element; an unreadable non-empty value is reported and read as ``None``."""
    raw = element.text
    value = parse_decimal(raw)
    if value is None and raw is not None and raw.strip():
        warn(
            "bad_number",
            f"Не удалось прочитать число «{raw.strip()[:40]}» в элементе "
            f"{local_name(str(element.tag))}.",
            entity_id,
        )
    return value


def flag(element: Element) -> bool:
    """Read a flag element; anything but a recognised "true" is false."""
    return parse_bool(element.text) is True


class RequisiteFields(NamedTuple):
    """A ``ЗначениеРеквизита``'s name and value, and the elements they are written in.

    The elements are the ``ЗначениеРеквизита`` itself while no name (value) is found.
    """

    name: str
    name_element: Element
    value: str
    value_element: Element


def requisite_fields(item: Element) -> RequisiteFields:
    """Read a ``ЗначениеРеквизита``: its ``Наименование``, and its first non-empty ``Значение``."""
    name = value = ""
    name_element = value_element = item
    names = LOCAL_NAMES
    for field in item:
        tag = names.get(field.tag) or name_of(field)
        if tag == T.NAME:
            name, name_element = text(field), field
        elif tag == T.VALUE and not value:
            value, value_element = text(field), field
    return RequisiteFields(name, name_element, value, value_element)


def requisites(element: Element) -> list[Requisite]:
    """Read ``ЗначенияРеквизитов``: each ``ЗначениеРеквизита`` with a name becomes a Requisite.

    A requisite with several ``Значение`` children keeps the first non-empty one.
    """
    result = []
    for tag, item in children(element):
        if tag == T.REQUISITE:
            name, _, value, _ = requisite_fields(item)
            if name:
                result.append(Requisite(name=name, value=value))
    return result


def fields_of(entity: type[DataclassInstance], table: _Table) -> _Table:
    """``table``, once the fields it names are checked to be fields of ``entity``.

    A table's values are field names or tuples that start with one. Tables are
    checked when their module is imported, so that a misspelt field fails at
    once, not on the first file that has the element.
    """
    names = {item.name for item in dataclasses.fields(entity)}
    for value in table.values():
        name = value if isinstance(value, str) else value[0]
        if name not in names:
            raise TypeError(f"{entity.__name__} has no field {name!r}")
    return table


def fill(found: _T, element: Element, fields: FieldTable) -> _T:
    """Fill ``found`` from the children of ``element`` that ``fields`` names; return it.

    Children are read in document order, so of two with one name the last wins.
    """
    names = LOCAL_NAMES
    for child in element:
        field = fields.get(names.get(child.tag) or name_of(child))
        if field is not None:
            setattr(found, field[0], field[1](child))
    return found


def fill_numbers(
    found: _T,
    element: Element,
    fields: FieldTable,
    numbers: NumberTable,
    warn: Warn,
    owner: str | None,
) -> _T:
    """:func:`fill`, and the number children ``numbers`` names, read with :func:`number`.

    An unreadable number is reported through ``warn`` under ``owner`` (an entity id).
    """
    names = LOCAL_NAMES
    for child in element:
        tag = names.get(child.tag) or name_of(child)
        field = fields.get(tag)
        if field is not None:
            setattr(found, field[0], field[1](child))
        elif tag in numbers:
            setattr(found, numbers[tag], number(child, warn, owner))
    return found


def collect(element: Element, item_tag: str, build: Callable[[Element], _T | None]) -> list[_T]:
    """Build one object per child called ``item_tag``, dropping those ``build`` rejects."""
    result: list[_T] = []
    names = LOCAL_NAMES
    for child in element:
        if (names.get(child.tag) or name_of(child)) == item_tag:
            built = build(child)
            if built is not None:
                result.append(built)
    return result


def release(element: Element) -> None:
    """Free an element that has been read, and the already-read siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
