"""HttpTransport against a real HTTP/1.1 server: connections kept, dropped, never sent twice."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cml_exchange.client.replies import ExchangeFailure
from cml_exchange.client.transport import HttpTransport, Request


class Site(ThreadingHTTPServer):
    """Counts connections and requests; a request's query says how to answer it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.connections = 0
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/1c_exchange.php"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Site

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append(self.path)
        if "drop" in self.path:  # no answer at all
            self.close_connection = True
            return
        reply = b"success\n" + body[:10]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        if "close" in self.path:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply)
        if "hangup" in self.path:  # closes after answering, without saying so
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def post(transport: HttpTransport, query: str = "mode=file") -> bytes:
    request = Request("file", "POST", query, {"Content-Type": "application/octet-stream"}, b"part")
    response = transport.send(request)
    assert response.status == 200
    return response.body


def test_one_connection_carries_every_request(site):
    transport = HttpTransport(site.url, timeout=5)
    for _ in range(3):
        assert post(transport) == b"success\npart"
    assert (site.connections, len(site.requests)) == (1, 3)
    transport.close()
    post(transport)
    assert site.connections == 2


def test_without_keep_alive_each_request_has_its_own_connection(site):
    transport = HttpTransport(site.url, timeout=5, keep_alive=False)
    for _ in range(3):
        post(transport)
    assert site.connections == 3


def test_connection_close_is_obeyed(site):
    transport = HttpTransport(site.url, timeout=5)
    post(transport, "mode=file&close")
    post(transport)
    assert site.connections == 2


def test_a_connection_the_site_closed_is_not_used(site):
    transport = HttpTransport(site.url, timeout=5)
    post(transport, "mode=file&hangup")
    time.sleep(0.1)  # the site's close reaches the client
    assert post(transport) == b"success\npart"
    assert (site.connections, len(site.requests)) == (2, 2)


def test_a_connection_idle_too_long_is_not_used(site):
    transport = HttpTransport(site.url, timeout=5)
    transport.idle_reuse = 0.05
    post(transport)
    time.sleep(0.1)
    post(transport)
    assert site.connections == 2


def test_a_request_that_got_no_answer_is_not_sent_again(site):
    transport = HttpTransport(site.url, timeout=5)
    post(transport)
    with pytest.raises(ExchangeFailure, match="не удалось связаться"):
        post(transport, "mode=file&drop")
    assert len(site.requests) == 2  # the dropped one once, not retried
    post(transport)  # then a new connection
    assert site.connections == 2
