"""Slugs from Russian names, transliterated the way 1C-Bitrix does it.

``Женские ботфорты коричневые`` → ``zhenskie_botforty_korichnevye``. The
table is Bitrix's (``CUtil::translit`` with its Russian language file), so a
shop moving from Bitrix keeps its URLs.
"""

from __future__ import annotations

import hashlib
import re

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
