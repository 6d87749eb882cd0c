"""A file part sent with ``Transfer-Encoding: chunked`` (no ``Content-Length``), over real HTTP.

Replay scripts send bodies that way (``curl -T -``, ``requests`` with a
generator, a proxy that streams without buffering). Django's WSGI request
reads no more than ``Content-Length`` says, so such a body looked empty: the
part was answered ``success`` and nothing was stored. gunicorn hands the
application the whole decoded body (``wsgi.input_terminated``), so it is
read; a server that cannot (``runserver``) gets ``failure`` saying why,
never a success for bytes that were not kept.
"""

from __future__ import annotations

import base64
import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import PASSWORD, prepare_shop
from tests.e2e.servers import GunicornServer, Server, rows, shop_database
from tests.integration.protocol.exchange import pictures_not_uploaded
from tests.paths import sample

pytestmark = pytest.mark.slow

USER = "1c-chunked"
AUTHORIZATION = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def send(server: Server, query: str, body: bytes | None = None) -> str:
    """One request as a replay script sends it: Basic auth, the body (if any) in chunks."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        headers = {"Authorization": AUTHORIZATION}
        if body is None:
            connection.request("GET", f"/1c_exchange.php?{query}", headers=headers)
        else:
            parts = (body[start : start + 5000] for start in range(0, len(body), 5000))
            connection.request(
                "POST", f"/1c_exchange.php?{query}", parts, headers, encode_chunked=True
            )
        return connection.getresponse().read().decode("cp1251")
    finally:
        connection.close()


def upload(server: Server, name: str, body: bytes) -> str:
    send(server, "type=catalog&mode=checkauth")
    send(server, "type=catalog&mode=init")
    return send(server, f"type=catalog&mode=file&filename={name}", body)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[dict[str, str]]:
    with shop_database(tmp_path) as env:
        prepare_shop(env, [USER], step_interval=0)
        yield env


def stored(root: Path, name: str) -> list[bytes]:
    return [path.read_bytes() for path in (root / "exchange" / "catalog").glob(f"*/{name}")]


def test_gunicorn_keeps_a_chunked_part_whole_and_the_file_imports(shop, tmp_path):
    catalog = sample("Katy248__electrotech__example__import").read_bytes()
    server = GunicornServer(shop, workers=1, log=tmp_path / "gunicorn.log")
    server.start()
    try:
        assert upload(server, "import.xml", catalog) == "success\n"
        assert stored(tmp_path, "import.xml") == [catalog]
        assert send(server, "type=catalog&mode=import&filename=import.xml") == (
            f"success\n{pictures_not_uploaded(catalog)}"  # its three pictures were not sent
        )
    finally:
        server.kill()
    assert rows(shop, "SELECT count(*) FROM cml_exchange_product") == [(3,)]
    # The monitor counts the part's bytes, though the request carried no Content-Length.
    assert rows(shop, "SELECT bytes_in FROM cml_exchange_exchangerequest WHERE mode = 'file'") == [
        (len(catalog),)
    ]


def test_a_server_that_cannot_read_a_chunked_part_says_so(shop, tmp_path):
    catalog = sample("Katy248__electrotech__example__import").read_bytes()
    server = Server(shop)  # runserver: no wsgi.input_terminated
    server.start()
    try:
        reply = upload(server, "import.xml", catalog)
    finally:
        server.kill()
    status, message = reply.split("\n", 1)
    assert status == "failure"
    assert "chunked" in message and "import.xml" in message
    assert stored(tmp_path, "import.xml") in ([], [b""])


def cut_off(server: Server, query: str, sent: bytes) -> str:
    """A chunked part whose connection drops (the sending side closed) partway through a chunk."""
    head = (
        f"POST /1c_exchange.php?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {AUTHORIZATION}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as connection:
        connection.sendall(head.encode() + sent)
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return reply.partition(b"\r\n\r\n")[2].decode("cp1251")


def test_a_chunked_part_cut_off_is_told_as_a_read_error_and_not_kept(shop, tmp_path):
    """The body's connection drops mid-chunk: a read error, as with a short Content-Length.

    It was answered "Ошибка записи в файл", sending the shop owner to look
    at the disk for what was the network's doing.
    """
    server = GunicornServer(shop, workers=1, log=tmp_path / "gunicorn.log")
    server.start()
    try:
        send(server, "type=catalog&mode=checkauth")
        send(server, "type=catalog&mode=init")
        whole_chunk = b"10\r\n<?xml version=1>\r\n"
        reply = cut_off(
            server, "type=catalog&mode=file&filename=import.xml", whole_chunk + b"400\r\n<Kom"
        )
    finally:
        server.kill()
    status, message = reply.split("\n", 1)
    assert status == "failure"
    assert message.startswith("Ошибка чтения HTTP данных"), message
    assert "import.xml" in message and "отправьте ее еще раз" in message
    assert stored(tmp_path, "import.xml") == []
    assert rows(
        shop, "SELECT status, message FROM cml_exchange_exchangerequest WHERE mode = 'file'"
    ) == [("failure", message)]
