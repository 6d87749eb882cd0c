"""The floor an upload part is measured against: a WSGI app that only stores the body.

Run as ``python -m benchmarks.upload_floor PORT DIRECTORY``. It serves on
the development server's own classes (``runserver``'s threaded server and
request handler) an app that appends each request's body to
``DIRECTORY/<filename>`` in the pieces Django reads (256 KiB) and answers
``success``, with no framework, login, session or database in between. What
a part of a real upload costs beyond a part sent to this server is the
endpoint's own cost: Django, the login, the session, the bookkeeping.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
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


def main() -> None:
    from django.conf import settings

    settings.configure()
    from django.core.servers.basehttp import run

    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    run("127.0.0.1", port, app(directory), threading=True)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
