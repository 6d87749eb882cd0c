"""Query parameters read as 1C encodes them, from a WSGI or an ASGI request as Django makes it."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.wsgi import WSGIRequest

from cml_exchange.protocol.query import query_value

PICTURE = "import_files/ab/Стул.jpg"


def wsgi_request(raw_query: bytes) -> WSGIRequest:
    """The request Django makes of a WSGI environ: the query as latin-1 text (PEP 3333)."""
    return WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/1c_exchange.php",
            "QUERY_STRING": raw_query.decode("latin-1"),
            "wsgi.input": io.BytesIO(),
        }
    )


def asgi_request(raw_query: bytes) -> ASGIRequest:
    """The request Django's ASGI handler makes of a server's scope: the query's raw bytes."""
    scope = {"type": "http", "method": "GET", "path": "/1c_exchange.php", "query_string": raw_query}
    return ASGIRequest(scope, io.BytesIO())


def test_a_name_percent_encoded_in_utf8_or_windows_1251_reads_the_same_under_wsgi_and_asgi():
    for encoding in ("utf-8", "cp1251"):
        raw = f"type=catalog&filename={quote(PICTURE, encoding=encoding)}".encode()
        assert query_value(wsgi_request(raw), "filename") == PICTURE
        assert query_value(asgi_request(raw), "filename") == PICTURE


def test_a_raw_utf8_name_under_asgi_reads_as_request_get_reads_it():
    """An ASGI server hands the query's bytes as sent; Django decodes them as UTF-8.

    Re-encoded as latin-1 every Cyrillic letter became "?": the upload's name
    was not the one 1C (or a script) sent, as ``request.GET`` had read it.
    """
    raw = f"type=catalog&filename={PICTURE}".encode()
    request = asgi_request(raw)
    assert request.GET["filename"] == PICTURE
    assert query_value(request, "filename") == PICTURE
    assert query_value(wsgi_request(raw), "filename") == PICTURE
