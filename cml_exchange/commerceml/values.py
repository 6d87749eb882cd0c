"""Lenient conversion of CommerceML text values: numbers, flags, dates.

1C and its neighbours write the same value in several ways (``18``, ``18.0``,
``1 719,00``; ``true``, ``1``; ``2014-06-01T0:36:33``, ``11.02.2021 18:45:21``).
Each function here accepts every spelling seen in real files and returns
``None`` for text it cannot understand, so that the caller decides whether
that deserves a warning. :func:`fits_decimal` says whether a number read so
can be stored in a ``DECIMAL`` column on every database the app supports.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Final

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")

_TRUE = frozenset({"true", "1", "да", "yes", "истина"})
_FALSE = frozenset({"false", "0", "нет", "no", "ложь"})

_DATE_TIME = re.compile(
    r"""^\s*
    (?:(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})        # 2021-02-18
      |(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>\d{4}))  # 18.02.2021
    (?:[T\s]+|[A-Za-z]{1,5})?                            # T, space, or a stray "UTC"
    (?:(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?     # 9:49:02
       (?:[.,]\d+)?                                      # milliseconds
       (?:Z|[+-]\d{2}:?\d{2})?)?                         # time zone (dropped)
    \s*$""",
    re.VERBOSE,
)
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*$")


def parse_decimal(text: str | None) -> Decimal | None:
    """Read a number from a number element.

    Accepts a dot or a decimal comma and ignores spaces, non-breaking and thin
    spaces used as thousand separators. Returns ``None`` for empty or
    non-numeric text (and for NaN or infinity, which no price can be).
    """
    if text is None:
        return None
    try:
        value = Decimal(text)  # the usual case: "1719", " 18.0 "
    except InvalidOperation:
        cleaned = _SPACES.sub("", text).replace(",", ".")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            return None
    if not value.is_finite():
        return None
    return value


#: Digits after the point a stored number may be written with. Finer digits are
#: rounded off by the database, but PostgreSQL refuses to even read a number
#: written with more than 16,383 of them (``1E-20000``), so such text is refused.
MAX_FRACTION_DIGITS: Final = 1000


def largest_decimal(max_digits: int, decimal_places: int) -> Decimal:
    """The largest whole number a ``DECIMAL(max_digits, decimal_places)`` column keeps safely.

    ``999999999999999`` for ``(19, 4)``: 15 digits before the point.
    """
    return Decimal(10) ** (max_digits - decimal_places) - 1


def fits_decimal(value: Decimal, max_digits: int, decimal_places: int) -> bool:
    """Whether ``value`` can be written to a ``DECIMAL(max_digits, decimal_places)`` column.

    The contract is the same on PostgreSQL and SQLite, and nothing raises
    when the value is written or read back: ``value`` is finite, written with
    at most :data:`MAX_FRACTION_DIGITS` digits after the point, and at most
    :func:`largest_decimal` in absolute value. The bound is a whole number
    on purpose: PostgreSQL rounds to ``decimal_places`` (``…999.99995``
    becomes ``10**15`` and overflows), and SQLite keeps 15 significant digits,
    so that Django, reading ``999999999999999.6`` back, gets ``10**15`` and
    fails to quantize it: any value up to the bound rounds, on either
    database, to at most the bound. Digits past ``decimal_places`` are
    allowed; the database rounds them off.
    """
    if not value.is_finite():
        return False
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_FRACTION_DIGITS:
        return False
    if value.is_zero():
        return True
    # adjusted() settles 1E+999999999 at once; copy_abs(), unlike abs(), never overflows.
    if value.adjusted() >= max_digits - decimal_places:
        return False
    return value.copy_abs() <= largest_decimal(max_digits, decimal_places)


def parse_bool(text: str | None) -> bool | None:
    """Read a flag: ``true``/``false`` as 1C writes them, plus 1/0 and да/нет."""
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def parse_datetime(text: str | None) -> datetime | None:
    """Read a date with an optional time, in any of the forms 1C and Bitrix write.

    Forms seen: ``2021-02-18``, ``2021-02-18T09:49:02``, ``2021-02-18T9:49:02``,
    ``2024-01-08T15:47:02.082+03:00`` (the zone is dropped: 1C's times are
    local), ``11.02.2021 18:45:21`` and ``2022-10-31UTC02:25:50``.
    The year 0001 that 1C writes for "no date" gives ``None``.
    """
    if not text:
        return None
    match = _DATE_TIME.match(text)
    if match is None:
        return None
    year = match["y"] or match["y2"]
    month = match["m"] or match["m2"]
    day = match["d"] or match["d2"]
    try:
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(match["H"] or 0),
            int(match["M"] or 0),
            int(match["S"] or 0),
        )
    except ValueError:
        return None
    if value.year <= 1:
        return None
    return value


def parse_date(text: str | None) -> date | None:
    """Read a date, ignoring any time part. See :func:`parse_datetime`."""
    value = parse_datetime(text)
    return value.date() if value is not None else None


def parse_time(text: str | None) -> time | None:
    """Read a time of day such as ``15:19:27`` or ``9:49``."""
    if not text:
        return None
    match = _TIME.match(text)
    if match is None:
        return None
    try:
        return time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        return None


def excerpt(value: str, size: int = 40) -> str:
    """``value``, or its first ``size`` characters and "…": a value quoted to 1C's user."""
    return value if len(value) <= size else value[:size] + "…"


def decimal_problem(value: Decimal, max_digits: int, decimal_places: int) -> str | None:
    """Why ``value`` does not fit a ``DECIMAL(max_digits, decimal_places)`` column, or ``None``.

    In the words 1C's user reads after the value: "записано с 1200 знаками после
    запятой", "больше допустимого (999 999 999 999 999)", "меньше допустимого (-…)".
    """
    if fits_decimal(value, max_digits, decimal_places):
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_FRACTION_DIGITS:
        return f"записано с {-exponent} знаками после запятой"
    largest = f"{largest_decimal(max_digits, decimal_places):,}".replace(",", " ")
    if value.is_signed():
        return f"меньше допустимого (-{largest})"
    return f"больше допустимого ({largest})"


def format_decimal(value: Decimal) -> str:
    """Write a number the way 1C reads it: a dot, no exponent, no thousand separators."""
    text = format(value, "f")
    return text


def format_bool(value: bool) -> str:
    """Write a flag as 1C writes it: ``true`` or ``false``."""
    return "true" if value else "false"
