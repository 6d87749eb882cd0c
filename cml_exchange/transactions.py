"""Views that commit as they go, whatever the site's ``ATOMIC_REQUESTS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import connections, transaction

V = TypeVar("V", bound=Callable[..., object])


def own_transactions(view: V) -> V:
    """``view`` left out of ``ATOMIC_REQUESTS`` on every database.

    An import commits as it goes: batch by batch, so the shop's checkout is not
    kept waiting for a whole step, a step cut short keeps what it wrote, and
    what a receiver of ``import_finished`` hands to another process is there
    for it; an upload part commits in one block of its own; and a request that
    failed on the database is still logged, in a transaction of its own, where
    PostgreSQL would refuse every statement of the request's aborted one.
    """
    for alias in connections:
        view = transaction.non_atomic_requests(using=alias)(view)
    return view
