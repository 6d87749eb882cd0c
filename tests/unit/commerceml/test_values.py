"""Lenient reading of numbers, flags and dates as 1C and its neighbours write them."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from cml_exchange.commerceml.values import (
    format_bool,
    format_decimal,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_time,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18", Decimal("18")),
        ("990.0", Decimal("990.0")),
        ("231.7400", Decimal("231.7400")),
        (" 1 719,50 ", Decimal("1719.50")),
        ("1\u00a0719", Decimal("1719")),
        ("1\u202f000,5", Decimal("1000.5")),
        ("-3", Decimal("-3")),
        ("0", Decimal("0")),
        ("", None),
        ("   ", None),
        (None, None),
        ("Уточните у менеджера", None),
        ("NaN", None),
        ("Infinity", None),
        ("1.2.3", None),
    ],
)
def test_parse_decimal(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" false ", False),
        ("1", True),
        ("0", False),
        ("да", True),
        ("Нет", False),
        ("", None),
        (None, None),
        ("maybe", None),
    ],
)
def test_parse_bool(text, expected):
    assert parse_bool(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2007-10-30", datetime(2007, 10, 30)),
        ("2021-02-17T22:51:37", datetime(2021, 2, 17, 22, 51, 37)),
        ("2021-02-18T9:49:02", datetime(2021, 2, 18, 9, 49, 2)),
        ("2014-06-01T0:36:33", datetime(2014, 6, 1, 0, 36, 33)),
        ("2024-01-08T15:47:02.082+03:00", datetime(2024, 1, 8, 15, 47, 2)),
        ("2007-10-30 15:19:27", datetime(2007, 10, 30, 15, 19, 27)),
        ("11.02.2021 18:45:21", datetime(2021, 2, 11, 18, 45, 21)),
        ("2022-10-31UTC02:25:50", datetime(2022, 10, 31, 2, 25, 50)),
        ("0001-01-01", None),
        ("0001-01-01T00:00:00", None),
        ("2021-02-30", None),
        ("вчера", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(text, expected):
    assert parse_datetime(text) == expected


def test_parse_date_drops_the_time():
    assert parse_date("2015-06-29T15:39:10") == date(2015, 6, 29)
    assert parse_date("") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("15:19:27", time(15, 19, 27)), ("9:49", time(9, 49)), ("25:00:00", None), ("", None)],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_formatting_for_1c():
    assert format_decimal(Decimal("1E+3")) == "1000"
    assert format_decimal(Decimal("6734.47")) == "6734.47"
    assert format_bool(True) == "true"
    assert format_bool(False) == "false"
