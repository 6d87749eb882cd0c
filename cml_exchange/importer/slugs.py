"""Slugs from Russian names, transliterated the way 1C-Bitrix does it.

``Женские ботфорты коричневые`` → ``zhenskie_botforty_korichnevye``. The
table is Bitrix's (``CUtil::translit`` with its Russian language file), so a
shop moving from Bitrix keeps its URLs.

:func:`choose` picks the slugs of a batch of items as if they were given one
at a time in the file's order; it is pure: the loaders give it the lookup of
stored slugs and write what it picks (``cml_exchange.importer.loaders.common.save_with_slugs``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
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
    return _suffixed(slug, _id_digest(external_id)[:strength], replace_char)


def _id_digest(external_id: str) -> str:
    return hashlib.blake2b(external_id.encode(), digest_size=16).hexdigest()


def _suffixed(slug: str, suffix: str, replace_char: str) -> str:
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

    def slug(self, replace_char: str) -> str:
        """The item's first candidate: its text's slug, or its 1C id's when the text gives none."""
        return make_slug(self.text, replace_char=replace_char) or fallback_slug(
            self.external_id, replace_char=replace_char
        )

    def candidates(self, replace_char: str, slug: str | None = None) -> tuple[str, ...]:
        """The slugs the item may get, best first: ``slug`` (its :meth:`slug`), then with suffixes.

        The suffixes are of its 1C id (:func:`disambiguated`).
        """
        if slug is None:
            slug = self.slug(replace_char)
        digest = _id_digest(self.external_id)  # the suffixes are its first characters
        return (
            slug,
            *(_suffixed(slug, digest[:strength], replace_char) for strength in _STRENGTHS),
        )


class Choice:
    """The slugs of a batch being chosen (:meth:`choose`), and what must be looked up for it.

    Most items take their first candidate, so only those are looked up at
    first (:meth:`to_ask`). The items that may not get it (their first
    candidate stored for another row, another item's too, or an item's
    current slug) have every candidate looked up next. Should :meth:`choose`
    still reach a candidate nobody looked up, it returns ``None`` and
    :meth:`to_ask` names that candidate too.
    """

    def __init__(self, items: Sequence[Wanted], *, replace_char: str) -> None:
        self.items = items
        self.replace_char = replace_char
        self.first = [item.slug(replace_char) for item in items]
        #: Each item's candidates, by its index, once asked for.
        self._candidates: dict[int, tuple[str, ...]] = {}
        #: The candidates whose owners among the stored rows the caller looked up.
        self.asked: set[str] = set()
        #: Candidates :meth:`choose` reached without their owners known.
        self._unasked: set[str] = set()

    def to_ask(self, in_use: set[str] | None = None) -> set[str]:
        """The candidates to look up now (then counted as asked); empty when none is left.

        First the items' first candidates; given ``in_use`` (what the lookups
        found so far), every candidate of the items that may not get their
        first one, and what :meth:`choose` reached unasked.
        """
        if in_use is None:
            wanted = set(self.first)
        else:
            seen: set[str] = set()
            contested = {item.current for item in self.items if item.current} | in_use
            for slug in self.first:
                if slug in seen:
                    contested.add(slug)
                seen.add(slug)
            wanted = {
                candidate
                for index, slug in enumerate(self.first)
                if slug in contested
                for candidate in self._candidates_of(index)
            } | self._unasked
        wanted -= self.asked
        self.asked |= wanted
        return wanted

    def _candidates_of(self, index: int) -> tuple[str, ...]:
        found = self._candidates.get(index)
        if found is None:
            item = self.items[index]
            found = self._candidates[index] = item.candidates(self.replace_char, self.first[index])
        return found

    def choose(self, in_use: set[str]) -> dict[str, str] | None:
        """``{1C id: slug}`` for the items, as if given one at a time in order.

        ``in_use`` holds the asked candidates that rows other than the items
        have. An item gives up its ``current`` slug when its turn comes and
        takes its first candidate nobody holds at that moment, so a slug an
        item gives up is free for the items after it, not for those before.
        The outcome depends only on what is stored and on the items' order,
        not on how a file was cut into batches: the batches of a file, one
        after the other, give what the whole file in one batch gives. The
        chosen slugs are distinct from each other and from ``in_use``.

        ``None`` when the choice reached a candidate not looked up: the caller
        looks up what :meth:`to_ask` gives and chooses again.
        """
        held = set(in_use) | {item.current for item in self.items if item.current}
        result: dict[str, str] = {}
        unasked = self._unasked = set()
        for index, (item, slug) in enumerate(zip(self.items, self.first, strict=True)):
            held.discard(item.current)
            if slug not in held and slug in self.asked:
                candidate = slug
            else:
                for candidate in self._candidates_of(index):
                    if candidate not in self.asked:
                        unasked.add(candidate)
                    elif candidate not in held:
                        break
                else:
                    if unasked:
                        continue
                    raise RuntimeError(  # pragma: no cover - needs a 128-bit hash collision
                        f"No free slug for {item.external_id!r}"
                    )
            held.add(candidate)
            result[item.external_id] = candidate
        return None if unasked else result


def choose(
    items: Sequence[Wanted], owned: Callable[[set[str]], Iterable[str]], *, replace_char: str
) -> dict[str, str]:
    """``{1C id: slug}`` for ``items`` (:meth:`Choice.choose`), looking up what it needs.

    ``owned(candidates)`` gives those of ``candidates`` that rows other than
    the items have; it is asked as few times, and about as few candidates, as
    the choice allows (:class:`Choice`).
    """
    choice = Choice(items, replace_char=replace_char)
    in_use: set[str] = set()
    asking = choice.to_ask()
    while True:
        while asking:
            in_use.update(owned(asking))
            asking = choice.to_ask(in_use)
        slugs = choice.choose(in_use)
        if slugs is not None:
            return slugs
        asking = choice.to_ask(in_use)
