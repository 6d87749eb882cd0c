"""Storefront filters: prices as a Russian shop writes them."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()

#: What 1C writes for roubles: the ISO code, its number, or a short name.
ROUBLES = {"", "RUB", "RUR", "643", "руб", "руб."}
NBSP = "\u00a0"


@register.filter
def money(value: Decimal | int | None, currency: str = "RUB") -> str:
    """``1 719 ₽`` or ``1 309,50 ₽`` (a no-break space between thousands); empty for None."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, _, cents = f"{amount:,.2f}".partition(".")
    text = whole.replace(",", NBSP) + ("" if cents == "00" else f",{cents}")
    sign = "₽" if (currency or "").strip() in ROUBLES else (currency or "").strip()
    return f"{text}{NBSP}{sign}"


@register.filter
def amount(value: Decimal | None) -> str:
    """A quantity without trailing zeros: ``20`` for 20.000, ``1,5`` for 1.500."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}".replace(".", ",")
