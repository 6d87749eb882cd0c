"""Oscar's search index follows each batch, once it commits: products shown, hidden, gone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from haystack import connections
from haystack.backends import BaseEngine, BaseSearchBackend
from haystack.backends.simple_backend import SimpleSearchQuery
from oscar.core.loading import get_model

from cml_exchange.importer import MissingAction
from tests.oscar.cml import clothes
from tests.oscar.test_catalog import import_shop, oscar

pytestmark = pytest.mark.django_db

Product: Any = get_model("catalogue", "Product")


class RecordingBackend(BaseSearchBackend):
    """A search backend that keeps what it was asked to index and to remove."""

    updated: ClassVar[list[int]] = []
    removed: ClassVar[list[str]] = []

    def update(self, index: Any, iterable: Any, commit: bool = True) -> None:
        type(self).updated.extend(obj.pk for obj in iterable)

    def remove(self, obj_or_string: Any, commit: bool = True) -> None:
        type(self).removed.append(str(obj_or_string))

    def clear(self, models: Any = None, commit: bool = True) -> None:
        pass

    def search(self, query_string: str, **kwargs: Any) -> dict[str, Any]:
        return {"results": [], "hits": 0}


class RecordingEngine(BaseEngine):
    backend = RecordingBackend
    query = SimpleSearchQuery


@pytest.fixture
def index(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[RecordingBackend]]:
    engine = {"ENGINE": "tests.oscar.test_search_index.RecordingEngine"}
    settings.HAYSTACK_CONNECTIONS = {"default": engine}
    monkeypatch.setitem(connections.connections_info, "default", engine)
    connections.reload("default")
    RecordingBackend.updated, RecordingBackend.removed = [], []
    yield RecordingBackend
    monkeypatch.undo()
    connections.reload("default")


def test_the_index_follows_each_batch(
    tmp_path: Path, index: type[RecordingBackend], django_capture_on_commit_callbacks: Any
) -> None:
    shop = clothes()
    with django_capture_on_commit_callbacks(execute=True):
        import_shop(tmp_path, shop)
    tops = set(Product.objects.filter(parent=None).values_list("pk", flat=True))
    assert set(index.updated) == tops  # the parents stand for their children
    assert index.removed == []

    coat = oscar("Пальто шерстяное")
    boots = oscar("Ботинки")
    index.updated.clear()
    shop.items = [item for item in shop.items if item.id not in ("coat", "boots")]
    shop.lots = [lot for lot in shop.lots if lot.id not in ("coat", "boots")]
    with django_capture_on_commit_callbacks(execute=True):
        import_shop(tmp_path, shop, mirror=False, missing_products=MissingAction.DEACTIVATE)
    assert f"catalogue.product.{coat.pk}" in index.removed  # hidden: out of the listings
    assert f"catalogue.product.{boots.pk}" in index.removed


def test_no_index_with_the_simple_backend(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_shop(tmp_path, clothes())
    assert callbacks == []
