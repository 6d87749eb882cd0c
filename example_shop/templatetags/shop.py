"""Storefront filters: prices as a Russian shop writes them."""

from __future__ import annotations

from decimal import Decimal

from django import template

from cml_exchange.money import format_money

register = template.Library()


@register.filter
def money(value: Decimal | int | None, currency: str = "RUB") -> str:
    """``1 719 ₽`` or ``1 309,50 ₽`` (a no-break space between thousands); empty for None."""
    return format_money(value, currency)


@register.filter
def amount(value: Decimal | None) -> str:
    """A quantity without trailing zeros: ``20`` for 20.000, ``1,5`` for 1.500."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}".replace(".", ",")
