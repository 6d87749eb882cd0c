"""The requests the client makes: 1C's headers, the cookie and sessid, and their overrides."""

from __future__ import annotations

from email.message import Message

from cml_exchange.client import ExchangeClient
from cml_exchange.client.transport import USER_AGENT, Request, Response


class Answering:
    """A transport that records each request and answers them all with ``reply``."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.requests: list[Request] = []

    def send(self, request: Request) -> Response:
        self.requests.append(request)
        headers = Message()
        headers["Content-Type"] = "text/plain; charset=windows-1251"
        return Response(200, "OK", headers, self.reply)


def logged_in() -> tuple[ExchangeClient, Answering]:
    site = Answering(b"success\nSESSION\nc00k1e\nsessid=abc\ntimestamp=1700000000\n")
    client = ExchangeClient(site, "1c", "pw")
    client.checkauth()
    site.reply = b"success\n"
    return client, site


def test_checkauth_sends_credentials_and_the_rest_the_cookie_and_sessid():
    client, site = logged_in()
    client.request("file", params={"filename": "import.xml"}, body=b"<a/>")
    checkauth, file = site.requests
    assert (checkauth.method, checkauth.query) == ("GET", "type=catalog&mode=checkauth")
    assert dict(checkauth.headers) == {
        "User-Agent": USER_AGENT,
        "Accept": "*/*",
        "Authorization": "Basic MWM6cHc=",
    }
    assert (file.mode, file.method, file.body) == ("file", "POST", b"<a/>")
    assert file.query == "type=catalog&mode=file&filename=import.xml&sessid=abc"
    assert dict(file.headers) == {
        "User-Agent": USER_AGENT,
        "Accept": "*/*",
        "Cookie": "SESSION=c00k1e",
        "Content-Type": "application/octet-stream",
    }


def test_another_cookie_and_sessid_or_none():
    client, site = logged_in()
    client.request("init", cookie="SESSION=stolen", sessid="sessid=forged")
    client.request("init", cookie="", sessid="")
    client.request("init", sessid="")
    forged, bare, cookie_only = site.requests[1:]
    assert (forged.headers["Cookie"], forged.query) == (
        "SESSION=stolen",
        "type=catalog&mode=init&sessid=forged",
    )
    assert ("Cookie" not in bare.headers, bare.query) == (True, "type=catalog&mode=init")
    assert (cookie_only.headers["Cookie"], cookie_only.query) == (
        "SESSION=c00k1e",
        "type=catalog&mode=init",
    )
    assert client.auth is not None and client.auth.sessid == "sessid=abc"  # the session is kept


def test_before_checkauth_nothing_is_sent_but_what_is_given():
    site = Answering(b"failure\n")
    client = ExchangeClient(site, "1c", "pw")
    client.request("query", kind="sale")
    client.request("query", kind="sale", cookie="SESSION=old", sessid="sessid=old")
    bare, given = site.requests
    assert ("Cookie" not in bare.headers, bare.query) == (True, "type=sale&mode=query")
    assert (given.headers["Cookie"], given.query) == (
        "SESSION=old",
        "type=sale&mode=query&sessid=old",
    )
