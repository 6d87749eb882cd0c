"""The floors an upload is measured against: a WSGI app that only stores the body, and no HTTP.

Run as ``python -m benchmarks.upload_floor PORT DIRECTORY``. It serves on
the development server's own classes (``runserver``'s threaded server and
request handler) an app that appends each request's body to
``DIRECTORY/<filename>`` in the pieces Django reads (256 KiB) and answers
``success``, with no framework, login, session or database in between. What
a part of a real upload costs beyond a part sent to this server is the
endpoint's own cost: Django, the login, the session, the bookkeeping.

:class:`Loopback` is the floor below that one: the same parts sent over a
TCP connection on the loopback to a process that writes them to a file,
with no HTTP at all (a length before each part, a byte back after it). Its
time against a plain write of the parts is what the loopback itself costs
on this machine: the bytes are copied into the socket, out of it, and into
the page cache, where the plain write copies them once.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import parse_qs

PIECE = 256 * 1024


def app(directory: Path) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        name = parse_qs(environ.get("QUERY_STRING", "")).get("filename", ["floor.dat"])[0]
        left = int(environ.get("CONTENT_LENGTH") or 0)
        source = environ["wsgi.input"]
        with (directory / Path(name).name).open("ab") as out:
            while left > 0 and (piece := source.read(min(PIECE, left))):
                out.write(piece)
                left -= len(piece)
        body = b"success\n"
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return serve


#: How a part's length goes before it on :class:`Loopback`'s connection (0: no more parts).
_LENGTH = struct.Struct(">Q")


class Loopback:
    """The parts over a loopback TCP connection into a file in another process, no HTTP.

    ``Loopback(path)`` starts the receiving process (``python -m
    benchmarks.upload_floor --loopback PATH``), which listens on a free port,
    prints it, and appends every part it receives to ``path``; :meth:`send`
    sends one part and waits for the receiver's byte saying it is written, as
    a client waits for a part's reply; :meth:`close` ends the receiver.
    """

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, "--loopback", str(path)],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        port = int(cast(IO[bytes], self.process.stdout).readline())
        self.connection = socket.create_connection(("127.0.0.1", port))

    def send(self, part: bytes) -> None:
        """Send ``part`` and wait until the receiver has written it."""
        self.connection.sendall(_LENGTH.pack(len(part)))
        self.connection.sendall(part)
        if self.connection.recv(1) != b"k":
            raise RuntimeError("the loopback receiver stopped")

    def close(self) -> None:
        """Tell the receiver there are no more parts and wait for it to end."""
        try:
            self.connection.sendall(_LENGTH.pack(0))
        finally:
            self.connection.close()
            self.process.wait(timeout=60)


def _receive(path: Path) -> None:
    """The receiving end of :class:`Loopback`: each part appended to ``path`` as it comes."""
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    connection, _address = listener.accept()
    listener.close()
    buffer = memoryview(bytearray(PIECE))
    header = bytearray(_LENGTH.size)
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:
            if connection.recv_into(header, _LENGTH.size, socket.MSG_WAITALL) < _LENGTH.size:
                return  # the sender is gone
            (left,) = _LENGTH.unpack(header)
            if not left:
                return
            while left:
                got = connection.recv_into(buffer, min(left, PIECE))
                if not got:
                    return
                written = 0
                while written < got:
                    written += os.write(out, buffer[written:got])
                left -= got
            connection.sendall(b"k")
    finally:
        os.close(out)
        connection.close()


def main() -> None:
    if sys.argv[1:2] == ["--loopback"]:
        _receive(Path(sys.argv[2]))
        return
    from django.conf import settings

    settings.configure()
    from django.core.servers.basehttp import run

    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    run("127.0.0.1", port, app(directory), threading=True)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
