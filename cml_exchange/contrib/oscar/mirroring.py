"""What the site deletes outside an import, on either side of the mirror: what is shared.

The adapter keeps Oscar's catalogue as the app's catalog holds it. A deletion
made on the site, in an admin rather than by the adapter, would break that
quietly; :mod:`~cml_exchange.contrib.oscar.deleted_in_oscar` and
:mod:`~cml_exchange.contrib.oscar.deleted_in_app` keep it. The adapter's own
deletions (a child dropped when its product's structure changes, 1C's
deletions) happen inside :func:`mirroring` and are theirs to count.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet

from cml_exchange.contrib.oscar.models import ProductLink
from cml_exchange.exceptions import ConfigError
from cml_exchange.models import Product

_MIRRORING: ContextVar[bool] = ContextVar("cml_exchange_oscar_mirroring", default=False)

Method = TypeVar("Method", bound=Callable[..., Any])


@contextmanager
def mirroring() -> Iterator[None]:
    """The adapter at work: what it deletes in Oscar is its own doing, not the site's."""
    token = _MIRRORING.set(True)
    try:
        yield
    finally:
        _MIRRORING.reset(token)


def mirrors(method: Method) -> Method:
    """An adapter method whose deletions are the adapter's own (see :func:`mirroring`)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with mirroring():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def site_deletion(using: str) -> bool:
    """Whether a deletion on ``using`` is the site's, for the Oscar adapter to keep up with.

    Not the adapter's own (:func:`mirroring`), on the database the adapter
    writes, with the Oscar adapter configured: a shop that has the app
    installed but another adapter keeps no mirror.
    """
    if _MIRRORING.get() or using != router.db_for_write(ProductLink):
        return False
    return oscar_adapter() is not None


def oscar_adapter() -> Any:
    """The configured catalog adapter if it is Oscar's, else ``None``."""
    from cml_exchange.contrib.oscar.adapter import OscarCatalogAdapter
    from cml_exchange.importer.adapter import get_catalog_adapter

    try:
        adapter = get_catalog_adapter()
    except ConfigError:
        return None  # the checks and the exchange tell of it; the site's deletion goes on
    return adapter if isinstance(adapter, OscarCatalogAdapter) else None


def model_of(origin: Any) -> type[Model] | None:
    """The model of a deletion's ``origin`` (a row or a queryset), if it is one."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return model if getattr(model, "_meta", None) is not None else None


def from_app(origin: Any) -> bool:
    """Whether the deletion began at the app's own rows: what they link is going with them."""
    model = model_of(origin)
    return model is not None and model._meta.app_label == Product._meta.app_label


#: The deletion under way in this thread: its transaction's atomic block, its origin, and
#: the receivers that have acted on all of it.
_deletion = threading.local()


def first_of_deletion(using: str, origin: Any, receiver: str) -> bool:
    """Whether this is ``receiver``'s first signal in the deletion of ``origin`` under way.

    Keyed by the ``Collector``'s atomic block, so a retried deletion of the same
    queryset, rolled back the first time, is another. The origin is held weakly:
    a queryset's rows are not kept alive until the thread's next deletion.
    """
    blocks = connections[using].atomic_blocks
    block = blocks[-1] if blocks else None
    held = getattr(_deletion, "origin", None)
    if getattr(_deletion, "block", None) is not block or held is None or held() is not origin:
        _deletion.block, _deletion.origin, _deletion.done = block, weakref.ref(origin), set()
    done: set[str] = _deletion.done
    if receiver in done:
        return False
    done.add(receiver)
    return True
