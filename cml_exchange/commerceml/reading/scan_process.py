"""The scan of a file in a process of its own, so that the reader need not wait for it.

:class:`ScanProcess` hands a file and the value limits to a child process
(``python -m cml_exchange.commerceml.reading.scan_process``); the child runs
:func:`scan` and answers with one line of JSON: the counts, or the refusal's
message. The importer meanwhile reads and writes the file's first batches in a
transaction it commits only when the scan has found the file sound
(``docs/import_workflow.md``, "The scan beside the reader").

The child imports lxml and this package, not Django. It takes files one after
another, one line of JSON each, so that an exchange of many files (the split
packages of newer 1C, a zip of several catalogs) starts an interpreter once,
not once a file (about 0.1 s of a core each time). A child is given another
file only if it has waited less than :data:`REUSE_WITHIN` for it; it ends by
itself after :data:`IDLE_EXIT` without one, when the process that started it
has gone, or when that process closes its input. Should it not start or not
answer (an interpreter that is not Python, a crash), :meth:`ScanProcess.verdict`
scans the file in the calling process instead: the verdict is the same, only later.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
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


#: A child that has waited longer than this for its next file is not given one (it may be
#: about to end: :data:`IDLE_EXIT`); a new child is started instead.
REUSE_WITHIN = 30.0
#: A child given no file for this long ends by itself.
IDLE_EXIT = 120.0
#: Waiting children kept for the next files: a scan ahead may run beside the current one.
KEPT_WAITING = 2


class _Child:
    """A scan process that takes requests one after another: a line of JSON in, one out.

    A thread reads its answers as they come, so that :meth:`answered` never blocks.
    What the child writes to its error output goes to a temporary file, read when
    it gives no answer.
    """

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.answers: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.waiting_since = 0.0
        self.process = subprocess.Popen(  # noqa: S603 (this module)
            [sys.executable, "-m", __name__, str(os.getpid()), repr(IDLE_EXIT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
        )
        threading.Thread(target=self._read_answers, name="cml-scan-answers", daemon=True).start()

    def _read_answers(self) -> None:
        for line in cast(IO[bytes], self.process.stdout):
            self.answers.put(line)
        self.answers.put(None)  # the child has ended

    def ask(self, request: _Request) -> bool:
        """Send ``request``; ``False`` if the child is gone."""
        stdin = cast(IO[bytes], self.process.stdin)
        try:
            stdin.write(request.to_json().encode() + b"\n")
            stdin.flush()
        except (OSError, ValueError):  # ValueError: its input was closed here
            return False
        return True

    def answered(self) -> bool:
        """Whether an answer is there to be taken at once, or the child has ended."""
        return not self.answers.empty() or self.process.poll() is not None

    def can_take_more(self) -> bool:
        """Whether this process may give the child another file now."""
        return (
            self.owner == os.getpid()
            and self.process.poll() is None
            and self.answers.empty()
            and time.monotonic() - self.waiting_since < REUSE_WITHIN
        )

    def stop(self, *, kill: bool) -> None:
        """End the child: at once (``kill``), or by closing its input. Reaped either way."""
        process = self.process
        if kill and process.poll() is None:
            process.kill()
        stdin = process.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):  # a broken pipe's last flush
                stdin.close()
        if kill:
            process.wait()
        self.errors.close()

    def error_output(self) -> str:
        """The end of what the child wrote to its error output."""
        self.errors.seek(0, os.SEEK_END)
        self.errors.seek(max(0, self.errors.tell() - 2000))
        return self.errors.read().decode(errors="replace")


_LOCK = threading.Lock()
#: Children waiting for their next file, started by this process, the longest waiting first.
_WAITING: list[_Child] = []


def _waiting_child() -> _Child | None:
    """A child of this process waiting for a file that may take one; ended ones are reaped."""
    with _LOCK:
        while _WAITING:
            child = _WAITING.pop()
            if child.can_take_more():
                return child
            if child.owner == os.getpid():
                child.stop(kill=True)
    return None


def _new_child() -> _Child | None:
    try:
        return _Child()
    except OSError:  # no process to be had: the scan runs here
        return None


def _give_back(child: _Child) -> None:
    """Keep ``child`` for the next file, unless enough children wait already."""
    child.waiting_since = time.monotonic()
    with _LOCK:
        if child.owner == os.getpid() and len(_WAITING) < KEPT_WAITING:
            _WAITING.append(child)
            return
    child.stop(kill=False)


def _forget_children() -> None:
    """In a forked process: the waiting children are the parent's, not to be used or ended.

    The lock is made anew: another thread of the parent may have held it at the fork.
    """
    global _LOCK
    _LOCK = threading.Lock()
    _WAITING.clear()


def _end_waiting_children() -> None:
    with _LOCK:
        children = [child for child in _WAITING if child.owner == os.getpid()]
        _WAITING.clear()
    for child in children:
        child.stop(kill=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_children)
atexit.register(_end_waiting_children)


class ScanProcess:
    """A scan running in a child process; :meth:`verdict` waits for its answer.

    ``verdict()`` returns the counts (what :func:`scan` counts) or raises
    :class:`ScanRefused` with the scan's message. ``close()`` stops a child
    that is still scanning (the import failed or stopped first); a child that
    has answered waits for the next file instead.
    """

    def __init__(self, path: Path, name: str, limits: ValueLimits, *, digest: bool = False) -> None:
        self.request = _Request(str(path), name, limits, digest)
        self._answer: dict[str, Any] | None = None
        child = _waiting_child()
        if child is not None and not child.ask(self.request):
            child.stop(kill=True)  # it ended while it waited: a new one instead
            child = None
        if child is None and (child := _new_child()) is not None:
            child.ask(self.request)  # if it cannot take it, verdict() finds it ended and says so
        self._child = child

    @property
    def _process(self) -> subprocess.Popen[bytes] | None:
        """The child's process while it scans this file."""
        return self._child.process if self._child is not None else None

    def ready(self) -> bool:
        """Whether the verdict is known, or can be had at once (the child answered or ended)."""
        child = self._child
        return self._answer is not None or child is None or child.answered()

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
        """Stop the child if it is still scanning this file."""
        child, self._child = self._child, None
        if child is not None:
            child.stop(kill=True)

    def _wait(self) -> dict[str, Any]:
        child, self._child = self._child, None
        if child is not None:
            line = child.answers.get()
            try:
                answer = json.loads(line) if line else None
            except ValueError:
                answer = None
            if isinstance(answer, dict):
                _give_back(child)
                return answer
            if child.process.poll() is None:
                child.process.kill()  # it answered something else: not to be trusted again
            returncode = child.process.wait()
            errors = child.error_output()
            child.stop(kill=True)
            logger.warning(
                "The scan of %s in its own process gave no answer (exit status %s); "
                "scanning it here instead. %s",
                self.request.name,
                returncode,
                errors,
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


class _Watch:
    """The child's watch: it ends the child when its parent has gone, or when it waited too long."""

    def __init__(self, parent: int, idle_exit: float) -> None:
        self.parent = parent
        self.idle_exit = idle_exit
        self.busy = False
        self.since = time.monotonic()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while os.getppid() == self.parent:
            if not self.busy and time.monotonic() - self.since > self.idle_exit:
                os._exit(0)
            time.sleep(0.5)
        os._exit(1)  # killed in mid-import: the scan is nobody's any more

    def scanning(self) -> None:
        self.busy = True

    def waiting(self) -> None:
        self.since = time.monotonic()
        self.busy = False


def main() -> int:
    """The child: requests as lines of JSON on stdin, each answer a line of JSON on stdout.

    Its arguments are the pid of the process that started it, which may have
    died before the child got this far, and how many seconds it waits for a
    request before it ends. It ends too when its input is closed.
    """
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    idle_exit = float(sys.argv[2]) if len(sys.argv) > 2 else IDLE_EXIT
    watch = _Watch(parent, idle_exit)
    for line in sys.stdin.buffer:
        watch.scanning()
        answer = _answer_for(_Request.from_json(line.decode()))
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        watch.waiting()
    return 0


if __name__ == "__main__":
    sys.exit(main())
