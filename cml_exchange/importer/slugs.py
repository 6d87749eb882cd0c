"""Slugs from Russian names, transliterated the way 1C-Bitrix does it.

``Женские ботфорты коричневые`` → ``zhenskie_botforty_korichnevye``. The
table is Bitrix's (``CUtil::translit`` with its Russian language file), so a
shop moving from Bitrix keeps its URLs.

:func:`choose` picks the slugs of a batch of items as if they were given one
at a time in the file's order; it is pure, the loaders write what it picks
(``cml_exchange.importer.loaders.common.save_with_slugs``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "ye", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Ukrainian and Belarusian letters that 1C bases across the border use.
    "є": "e", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
}  # fmt: skip
_TRANSLATION = str.maketrans(_TABLE)
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")

#: Django's SlugField default; slugs are cut to this many characters.
MAX_LENGTH = 100


def transliterate(text: str) -> str:
    """Lower-case ``text`` and spell its Cyrillic letters in Latin ones."""
    return text.lower().translate(_TRANSLATION)


def make_slug(text: str, *, replace_char: str = "_", max_length: int = MAX_LENGTH) -> str:
    """A slug of ``text``: transliterated, every run of other characters made one ``replace_char``.

    Returns ``""`` when nothing is left (a name of only punctuation); the
    caller then falls back to :func:`fallback_slug`.
    """
    slug = _NOT_ALLOWED.sub(replace_char, transliterate(text)).strip(replace_char)
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip(replace_char)
    return slug


def fallback_slug(external_id: str, *, replace_char: str = "_") -> str:
    """A slug for an item whose name gives none: made from its 1C id."""
    return make_slug(f"item {external_id}", replace_char=replace_char) or "item"


def disambiguated(
    slug: str, external_id: str, *, replace_char: str = "_", strength: int = 8
) -> str:
    """``slug`` with a suffix that depends only on the 1C id, for a slug already taken.

    Deterministic, so an import that is repeated, resumed or cut into other
    batches gives every item the same slug.
    """
    suffix = hashlib.blake2b(external_id.encode(), digest_size=16).hexdigest()[:strength]
    room = MAX_LENGTH - len(suffix) - len(replace_char)
    return f"{slug[:room].rstrip(replace_char)}{replace_char}{suffix}"


#: Suffix strengths tried, in order, for a slug already taken (the second needs a
#: 32-bit hash collision to be reached, a third would need a 128-bit one).
_STRENGTHS = (8, 32)


@dataclass(frozen=True, slots=True)
class Wanted:
    """An item that gets a new slug, made from ``text``.

    ``current`` is the slug its row has now (``""`` for a row not yet
    stored): the item gives it up when it gets its new one.
    """

    external_id: str
    text: str
    current: str = ""

    def candidates(self, replace_char: str) -> tuple[str, ...]:
        """The slugs the item may get, best first: the text's, then with suffixes of its 1C id."""
        slug = make_slug(self.text, replace_char=replace_char) or fallback_slug(
            self.external_id, replace_char=replace_char
        )
        return (
            slug,
            *(
                disambiguated(slug, self.external_id, replace_char=replace_char, strength=strength)
                for strength in _STRENGTHS
            ),
        )


def candidates_of(items: Iterable[Wanted], *, replace_char: str) -> set[str]:
    """Every slug any of ``items`` may get (what :func:`choose` needs to know the owners of)."""
    return {slug for item in items for slug in item.candidates(replace_char)}


def choose(items: Sequence[Wanted], in_use: set[str], *, replace_char: str) -> dict[str, str]:
    """``{1C id: slug}`` for ``items``, as if they were given their slugs one at a time, in order.

    ``in_use`` holds the slugs among the candidates that rows other than
    ``items`` have. An item gives up its ``current`` slug when its turn comes
    and takes its first candidate nobody holds at that moment, so a slug an
    item gives up is free for the items after it, not for those before. The
    outcome depends only on what is stored and on the items' order, not on
    how a file was cut into batches: the batches of a file, one after the
    other, give what the whole file in one batch gives. The chosen slugs are
    distinct from each other and from ``in_use``.
    """
    held = set(in_use) | {item.current for item in items if item.current}
    result: dict[str, str] = {}
    for item in items:
        held.discard(item.current)
        for candidate in item.candidates(replace_char):
            if candidate not in held:
                break
        else:  # pragma: no cover - needs a 128-bit hash collision
            raise RuntimeError(f"No free slug for {item.external_id!r}")
        held.add(candidate)
        result[item.external_id] = candidate
    return result
