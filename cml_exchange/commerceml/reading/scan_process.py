"""The scan of a file in a process of its own, so that the reader need not wait for it.

:class:`ScanProcess` starts ``python -m cml_exchange.commerceml.reading.scan_process``
on a file and hands it the value limits; the child runs :func:`scan` and
prints one line of JSON: the counts, or the refusal's message. The importer
meanwhile reads and writes the file's first batches in a transaction it
commits only when the scan has found the file sound (``docs/import_workflow.md``,
"The scan beside the reader").

The child imports lxml and this package, not Django, and ends when the
process that started it has gone. Should it not start or not answer (an
interpreter that is not Python, a crash), :meth:`ScanProcess.verdict` scans
the file in the calling process instead: the verdict is the same, only later.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from cml_exchange.commerceml.errors import CommerceMLError
from cml_exchange.commerceml.reading.scan import ValueLimits, scan, scan_digest

__all__ = ["ScanProcess", "ScanRefused", "can_start"]

logger = logging.getLogger(__name__)


class ScanRefused(CommerceMLError):
    """The scan in the other process refused the file; the message is the scan's own."""


@dataclass(frozen=True, slots=True)
class _Request:
    path: str
    name: str
    limits: ValueLimits
    #: Whether the answer names the bytes it found sound (:func:`_scan_with_digest`).
    digest: bool = False

    def to_json(self) -> str:
        limits = self.limits
        return json.dumps(
            {
                "path": self.path,
                "name": self.name,
                "lengths": dict(limits.lengths),
                "decimals": {key: list(value) for key, value in limits.decimals.items()},
                "not_negative": sorted(limits.not_negative),
                "numbers_only": sorted(limits.numbers_only),
                "digest": self.digest,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> _Request:
        data = json.loads(text)
        limits = ValueLimits(
            lengths=dict(data["lengths"]),
            decimals={key: (int(a), int(b)) for key, (a, b) in data["decimals"].items()},
            not_negative=frozenset(data["not_negative"]),
            numbers_only=frozenset(data["numbers_only"]),
        )
        return cls(
            path=data["path"], name=data["name"], limits=limits, digest=bool(data.get("digest"))
        )


def can_start() -> bool:
    """Whether a second process can help: this interpreter is Python, and two cores are ours."""
    executable = Path(sys.executable or "").name.lower()
    if not executable.startswith(("python", "pypy")):
        return False  # uWSGI, mod_wsgi: their executable is not an interpreter to run
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores >= 2


class ScanProcess:
    """A scan running in a child process; :meth:`verdict` waits for its answer.

    ``verdict()`` returns the counts (what :func:`scan` counts) or raises
    :class:`ScanRefused` with the scan's message. ``close()`` stops a child
    that is still running (the import failed or stopped first).
    """

    def __init__(self, path: Path, name: str, limits: ValueLimits, *, digest: bool = False) -> None:
        self.request = _Request(str(path), name, limits, digest)
        self._answer: dict[str, Any] | None = None
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603 (this module)
                [sys.executable, "-m", __name__, str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
            )
        except OSError:
            self._process = None
            return
        stdin = cast(IO[bytes], self._process.stdin)
        self._process.stdin = None  # closed here: communicate() must not flush it
        try:
            with stdin:
                stdin.write(self.request.to_json().encode())
        except OSError:  # the child is already gone: verdict() scans here
            pass

    def ready(self) -> bool:
        """Whether the verdict is known, or can be had at once (the child has ended)."""
        return self._answer is not None or self._process is None or self._process.poll() is not None

    def verdict(self) -> dict[str, int]:
        """The counts of a sound file; :class:`ScanRefused` for a file the scan refuses."""
        if self._answer is None:
            self._answer = self._wait()
        if "refused" in self._answer:
            raise ScanRefused(self._answer["refused"])
        return dict(self._answer["counts"])

    def scanned_digest(self) -> str | None:
        """The digest (``scan_digest``) of the bytes found sound, after :meth:`verdict`.

        Only with ``digest=True``; ``None`` if the file changed while it was scanned.
        """
        return None if self._answer is None else self._answer.get("digest")

    def close(self) -> None:
        """Stop the child if it still runs."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.communicate()

    def _wait(self) -> dict[str, Any]:
        process = self._process
        if process is not None:
            output, errors = process.communicate()
            self._process = None
            try:
                answer = json.loads(output)
            except ValueError:
                answer = None
            if process.returncode == 0 and isinstance(answer, dict):
                return answer
            logger.warning(
                "The scan of %s in its own process gave no answer (exit status %s); "
                "scanning it here instead. %s",
                self.request.name,
                process.returncode,
                errors.decode(errors="replace")[-2000:],
            )
        # No answer from the child: the same scan here, with its own errors.
        return _answer_for(self.request)


def _answer_for(request: _Request) -> dict[str, Any]:
    """The scan's answer: ``counts`` or ``refused``; with ``digest``, what bytes were sound.

    The digest is taken before and after the scan, and given only if both
    agree: a file rewritten while it was scanned is named by neither.
    """
    before = _digest(request) if request.digest else None
    try:
        counts = scan(request.path, name=request.name, limits=request.limits).counts
    except CommerceMLError as error:
        return {"refused": str(error)}
    answer: dict[str, Any] = {"counts": dict(counts)}
    if request.digest:
        after = _digest(request)
        answer["digest"] = before if before is not None and before == after else None
    return answer


def _digest(request: _Request) -> str | None:
    try:
        return scan_digest(request.path, request.limits)
    except OSError:  # gone or unreadable: the scan says so in its own words
        return None


def _end_with_parent(parent: int) -> None:
    """End this process when the one that started it has gone (killed in mid-import)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def main() -> int:
    """The child: a request as JSON on stdin, the answer as JSON on stdout.

    Its argument is the pid of the process that started it, which may have
    died before the child got this far.
    """
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    threading.Thread(target=_end_with_parent, args=(parent,), daemon=True).start()
    request = _Request.from_json(sys.stdin.read())
    sys.stdout.write(json.dumps(_answer_for(request)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
