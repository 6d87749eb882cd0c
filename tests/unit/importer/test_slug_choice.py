"""Slugs chosen with only the candidates they need looked up, as if all were.

``Choice`` looks up an item's suffixed candidates only when the item may not
get its first one. What it picks must be what a choice knowing every
candidate's owner picks (the rule of ``Choice.choose``), or a shop's URLs
would change with the order its lookups ran in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from cml_exchange.importer.slugs import Wanted, choose, disambiguated


def _reference(items: Sequence[Wanted], stored: set[str], replace_char: str) -> dict[str, str]:
    """Every candidate's owner known: each item in turn takes its first free candidate."""
    held = set(stored) | {item.current for item in items if item.current}
    chosen = {}
    for item in items:
        held.discard(item.current)
        slug = next(c for c in item.candidates(replace_char) if c not in held)
        held.add(slug)
        chosen[item.external_id] = slug
    return chosen


def _chosen(items: Sequence[Wanted], stored: set[str], replace_char: str) -> tuple[dict, int]:
    """The slugs as the loaders choose them, and how many lookups it took."""
    lookups = []

    def owned(candidates: set[str]) -> set[str]:
        lookups.append(candidates)
        return candidates & stored

    return choose(items, owned, replace_char=replace_char), len(lookups)


def test_new_items_with_free_names_take_them_in_one_lookup() -> None:
    items = [Wanted("1", "Стул"), Wanted("2", "Стол"), Wanted("3", "Шкаф")]
    slugs, lookups = _chosen(items, stored=set(), replace_char="_")
    assert slugs == {"1": "stul", "2": "stol", "3": "shkaf"}
    assert lookups == 1


def test_a_name_stored_or_repeated_gets_the_suffix_of_its_id() -> None:
    items = [Wanted("1", "Стул"), Wanted("2", "Стол"), Wanted("3", "Стол")]
    slugs, lookups = _chosen(items, stored={"stul"}, replace_char="-")
    assert slugs == {
        "1": disambiguated("stul", "1", replace_char="-"),
        "2": "stol",
        "3": disambiguated("stol", "3", replace_char="-"),
    }
    assert lookups == 2


def test_a_name_that_is_another_items_suffixed_slug_is_looked_up_again() -> None:
    # Item 1 takes "stul_<its suffix>"; item 2's name spells exactly that, so its
    # first candidate is taken in a way no lookup of first candidates foresaw.
    taken = disambiguated("stul", "1", replace_char="_")
    items = [Wanted("1", "Стул"), Wanted("2", taken.replace("_", " "))]
    slugs, lookups = _chosen(items, stored={"stul"}, replace_char="_")
    assert slugs == {"1": taken, "2": disambiguated(taken, "2", replace_char="_")}
    assert slugs == _reference(items, {"stul"}, "_")
    assert lookups == 3


def test_an_item_giving_up_its_slug_frees_it_for_the_items_after_it() -> None:
    items = [
        Wanted("1", "Кресло"),  # new: "kreslo" is still item 2's when its turn comes
        Wanted("2", "Диван", current="kreslo"),
        Wanted("3", "Кресло"),  # after item 2 gave "kreslo" up
    ]
    slugs, _ = _chosen(items, stored=set(), replace_char="_")
    assert slugs == {
        "1": disambiguated("kreslo", "1", replace_char="_"),
        "2": "divan",
        "3": "kreslo",
    }


def test_random_batches_get_what_a_choice_knowing_every_owner_gives() -> None:
    rng = random.Random(17)  # noqa: S311 (a repeatable sequence of batches)
    names = ["Стул", "Стол", "Шкаф", "Полка", "!!!", "Кресло"]
    for _ in range(500):
        count = rng.randint(1, 8)
        # Stored rows renamed hold their slugs, each its own.
        currents = rng.sample(["stol", "shkaf", "polka", "", "", "", "", "", "", "", ""], count)
        items = [Wanted(f"id{i}", rng.choice(names), current) for i, current in enumerate(currents)]
        # Any candidate may be another row's, but never an item's last one (a 128-bit clash).
        candidates = {c for item in items for c in item.candidates("_")[:-1]}
        stored = {c for c in candidates if rng.random() < 0.3} - set(currents)
        slugs, _ = _chosen(items, stored, "_")
        assert slugs == _reference(items, stored, "_")
        assert len(set(slugs.values())) == len(slugs)
