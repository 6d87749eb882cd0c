"""Template context for every storefront page."""

from __future__ import annotations

from django.http import HttpRequest

from example_shop.cart import Cart


def shop(request: HttpRequest) -> dict[str, object]:
    """``cart_count``: how many items the visitor's cart holds."""
    session = getattr(request, "session", None)
    return {"cart_count": Cart(session).count if session is not None else 0}
