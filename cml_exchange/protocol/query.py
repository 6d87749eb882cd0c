"""Query parameters as 1C encodes them: UTF-8, or windows-1251 from 1C 7.7-era modules."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.http import HttpRequest


def decode(raw: bytes) -> str:
    """Text 1C sent: UTF-8 from current 1C, windows-1251 from older builds."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1251", errors="replace")


def query_value(request: HttpRequest, name: str) -> str | None:
    """The query parameter ``name`` (its last value, as ``request.GET``), or ``None``.

    Percent-decoded as UTF-8, else as windows-1251: 1C 7.7-era modules run on
    Windows and encode their query in windows-1251, which ``request.GET``
    (UTF-8) turns into replacement characters, the same for every Cyrillic
    letter. The raw query string is latin-1 text, one character a byte, as
    WSGI gives it. Django's ASGI handler decodes a server's raw bytes as UTF-8
    instead: a value holding a character latin-1 cannot is text already.
    """
    raw = request.META.get("QUERY_STRING", "")
    values = [
        value
        for key, value in parse_qsl(raw, keep_blank_values=True, encoding="latin-1")
        if key == name
    ]
    if not values:
        return None
    try:
        raw_value = values[-1].encode("latin-1")
    except UnicodeEncodeError:  # sent raw, not percent-encoded, and decoded by Django's ASGI
        return values[-1]
    return decode(raw_value)
