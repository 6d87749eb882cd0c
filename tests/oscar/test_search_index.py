"""Oscar's search index (real Whoosh) follows each batch once it commits: shown, hidden, gone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from haystack import connections
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.query import SearchQuerySet
from haystack.utils import get_identifier
from oscar.core.loading import get_model

from cml_exchange.importer import MissingAction
from tests.oscar.cml import Item, Lot, clothes
from tests.oscar.test_catalog import import_shop, oscar

pytestmark = pytest.mark.django_db

Product: Any = get_model("catalogue", "Product")


class CountingBackend(WhooshSearchBackend):
    """Whoosh, noting each removal: Whoosh commits each one alone, a second on a big index."""

    removed: ClassVar[list[str]] = []

    def remove(self, obj_or_string: Any, commit: bool = True) -> None:
        type(self).removed.append(get_identifier(obj_or_string))
        super().remove(obj_or_string, commit)


class CountingEngine(WhooshEngine):
    backend = CountingBackend


@pytest.fixture
def index(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[type[CountingBackend]]:
    engine = {
        "ENGINE": "tests.oscar.test_search_index.CountingEngine",
        "PATH": str(tmp_path / "whoosh"),
    }
    settings.HAYSTACK_CONNECTIONS = {"default": engine}
    monkeypatch.setitem(connections.connections_info, "default", engine)
    connections.reload("default")
    CountingBackend.removed = []
    yield CountingBackend
    monkeypatch.undo()
    connections.reload("default")


def listed() -> set[str]:
    """The titles Oscar's catalogue pages list: what the index holds."""
    return {result.title for result in SearchQuerySet().models(Product).all()}


def test_the_index_follows_each_batch(
    tmp_path: Path, index: type[CountingBackend], django_capture_on_commit_callbacks: Any
) -> None:
    shop = clothes()
    shop.items.append(Item("hat", "Шляпа", ["g-clothes"], deleted=True))
    shop.lots.append(Lot("hat", "Шляпа"))
    with django_capture_on_commit_callbacks(execute=True):
        import_shop(tmp_path, shop)
    # The parents stand for their children; the hat, deleted in 1C, is not listed.
    assert listed() == {"Рубашка льняная", "Пальто шерстяное", "Ботинки"}
    assert not oscar("Шляпа").is_public
    assert index.removed == []  # never indexed: nothing to remove

    coat, boots = oscar("Пальто шерстяное"), oscar("Ботинки")
    shop.items = [item for item in shop.items if item.id not in ("coat", "boots")]
    shop.lots = [lot for lot in shop.lots if lot.id not in ("coat", "boots")]
    with django_capture_on_commit_callbacks(execute=True):
        import_shop(tmp_path, shop, mirror=False, missing_products=MissingAction.DEACTIVATE)
    assert listed() == {"Рубашка льняная"}  # hidden: out of the listings
    # Only what the index held is removed; the hidden hat is not removed again.
    assert sorted(index.removed) == sorted(f"catalogue.product.{p.pk}" for p in (coat, boots))


def test_no_index_with_the_simple_backend(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_shop(tmp_path, clothes())
    assert callbacks == []
