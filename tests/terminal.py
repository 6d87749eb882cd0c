"""A command run in a real pseudo-terminal, and all it drew there.

The commands draw progress bars only on a terminal, so their tests give
them one: ``os.openpty``, with a window size set, as the child's stdin,
stdout and stderr. The child starts a session of its own, without a
controlling terminal, so that ``getpass`` prompts on stdin (the pty)
instead of on the terminal of whoever runs the tests.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Screen:
    """What a command wrote to its terminal, and how it ended."""

    returncode: int
    raw: bytes

    @property
    def text(self) -> str:
        """The output as text, the terminal's CRLF line ends made LF (a lone CR stays)."""
        return self.raw.decode("utf-8", errors="replace").replace("\r\n", "\n")


def run_in_terminal(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    answers: Mapping[bytes, bytes] | None = None,
    columns: int = 120,
    timeout: float = 180.0,
) -> Screen:
    """Run ``args`` on a new pseudo-terminal ``columns`` wide until it exits.

    ``answers``: once the output shows a key (a prompt), its value is typed
    in, once. Past ``timeout`` seconds the command is killed.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(
        list(args),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
    )
    os.close(slave)
    pending = dict(answers or {})
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            output += chunk
            for prompt in [prompt for prompt in pending if prompt in output]:
                os.write(master, pending.pop(prompt))
        else:
            process.kill()
        returncode = process.wait(timeout=30)
    finally:
        os.close(master)
    return Screen(returncode, bytes(output))
