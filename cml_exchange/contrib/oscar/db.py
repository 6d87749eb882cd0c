"""Small database helpers the adapter's modules share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connections, router

from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.importer.slugs import make_slug

T = TypeVar("T")

#: How many ids go into one ``IN (…)`` list (SQLite takes 32766 parameters).
CHUNK = 2000


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def quiet_delete(model: Any, pks: Iterable[int]) -> int:
    """Delete rows of ``model`` by pk with one statement per chunk, without signals.

    For Oscar's product images: Oscar's ``post_delete`` receiver (with
    ``OSCAR_DELETE_IMAGE_FILES``) deletes the picture's file through the
    thumbnailer, and the file is the app's, shared with its own picture rows
    and with other products that have the same picture.
    """
    pks = sorted(set(pks))
    if not pks:
        return 0
    using = router.db_for_write(model)
    table = connections[using].ops.quote_name(model._meta.db_table)
    column = connections[using].ops.quote_name(model._meta.pk.column)
    deleted = 0
    with connections[using].cursor() as cursor:
        for part in chunks(pks):
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", list(part))  # noqa: S608
            deleted += cursor.rowcount
    return deleted


def fit(context: AdapterContext, text: str, length: int, what: str) -> str:
    """``text`` cut to the ``length`` characters Oscar's column holds; a cut is a warning.

    For a text that is written whenever it is fitted; where it is fitted to be
    compared first, cut it (``text[:length]``) and :func:`say_cut` when it is written.
    """
    say_cut(context, text, length, what)
    return text[:length]


def say_cut(context: AdapterContext, text: str, length: int, what: str) -> None:
    """Warn that ``text``, longer than ``length``, goes into Oscar cut; nothing if it fits.

    ``what`` names the text for the shop owner (``"Название товара"``). Said
    once per job for each text, at each exchange that writes it cut.
    """
    if len(text) > length:
        context.warn(
            "oscar_truncated",
            f"{what} «{text[:60]}…» длиннее {length} символов: в Oscar записаны первые {length}.",
            key=f"{what}\n{text}",
        )


def free_slug(model: Any, field: str, text: str, *, max_length: int = 128) -> str:
    """A transliterated slug of ``text`` that no row of ``model`` has in ``field``, or ``""``.

    ``""`` lets Oscar's ``AutoSlugField`` make one of its own (it checks
    uniqueness only for a slug it makes itself).
    """
    slug = make_slug(text, replace_char="-", max_length=max_length)
    if not slug or model._default_manager.filter(**{field: slug}).exists():
        return ""
    return slug
