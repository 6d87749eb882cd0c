"""Money as a Russian shop writes it: ``1 719 ₽``, ``1 309,50 ₽``, ``12,00 USD``."""

from __future__ import annotations

from decimal import Decimal

#: What 1C writes for roubles: the ISO code, its number, or a short name.
ROUBLES = {"", "RUB", "RUR", "643", "руб", "руб."}
NBSP = "\u00a0"


def format_money(value: Decimal | int | None, currency: str | None = "RUB") -> str:
    """``1 719 ₽`` or ``1 309,50 ₽``: no-break spaces between thousands; empty for None.

    Kopecks are shown when there are any; roubles (by any of 1C's names in
    :data:`ROUBLES`) as ``₽``, another currency by its code or name.
    """
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, _, cents = f"{amount:,.2f}".partition(".")
    text = whole.replace(",", NBSP) + ("" if cents == "00" else f",{cents}")
    code = (currency or "").strip()
    sign = "₽" if code in ROUBLES else code
    return f"{text}{NBSP}{sign}"
