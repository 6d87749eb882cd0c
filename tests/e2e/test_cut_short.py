"""A part whose connection drops before ``Content-Length`` bytes arrived, over a real socket.

1C (or a proxy between) may lose the connection in the middle of a part.
What arrived must not be appended as if it were the part: the file would be
silently short or shifted, and ``success`` after import would be a lie.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from cml_exchange.client import ExchangeClient
from cml_exchange.models import ExchangeFile
from tests.e2e.conftest import session_folder

MakeClient = Callable[..., ExchangeClient]
FIRST, SECOND = b"<a>" + b"1" * 997, b"2" * 1000 + b"</a>"


def send_part(url: str, cookie: str, sessid: str, part: bytes, *, declared: int) -> str:
    """POST ``part`` declaring ``declared`` bytes, close our side, and read the reply."""
    address = urlsplit(url)
    target = f"{address.path}?type=catalog&mode=file&filename=import.xml&{sessid}"
    head = (
        f"POST {target} HTTP/1.1\r\nHost: {address.netloc}\r\nCookie: {cookie}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(head + part)
        connection.shutdown(socket.SHUT_WR)  # the connection drops: no more bytes come
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status, _, reply = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200"), status
    return reply.decode("cp1251")


def exchange_started(make_client: MakeClient) -> tuple[str, str]:
    """checkauth and init by the built-in client; the cookie (``name=value``) and sessid."""
    client = make_client()
    auth = client.checkauth()
    client.init()
    return f"{auth.cookie_name}={auth.cookie_value}", auth.sessid or ""


def test_a_part_cut_short_is_not_appended(
    make_client: MakeClient, exchange_url: str, exchange_dirs: Path
) -> None:
    cookie, sessid = exchange_started(make_client)
    assert send_part(exchange_url, cookie, sessid, FIRST, declared=len(FIRST)) == "success\n"
    cut = send_part(exchange_url, cookie, sessid, SECOND[:300], declared=len(SECOND))
    assert cut == (
        f"failure\nОшибка чтения HTTP данных: получено 300 байт из {len(SECOND)} объявленных "
        "(Content-Length). Часть файла import.xml не сохранена, отправьте ее еще раз."
    )
    stored = session_folder(exchange_dirs) / "import.xml"
    assert stored.read_bytes() == FIRST
    # 1C sends the part again, whole: the file is exactly the two parts.
    assert send_part(exchange_url, cookie, sessid, SECOND, declared=len(SECOND)) == "success\n"
    assert stored.read_bytes() == FIRST + SECOND


def test_a_first_part_cut_short_leaves_no_file(
    make_client: MakeClient, exchange_url: str, exchange_dirs: Path
) -> None:
    cookie, sessid = exchange_started(make_client)
    cut = send_part(exchange_url, cookie, sessid, FIRST[:10], declared=len(FIRST))
    assert cut.startswith("failure\nОшибка чтения HTTP данных: получено 10 байт")
    assert not list(exchange_dirs.rglob("import.xml"))
    assert not ExchangeFile.objects.exists()  # nor a row saying it was stored
