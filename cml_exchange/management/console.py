"""The commands' console: live progress bars on a terminal, a plain line now and then elsewhere.

``cml_import`` and ``cml_exchange_client`` show long work (a file imported,
a file uploaded in parts, an import polled with ``mode=import``) through a
:class:`Meter` that :meth:`Console.meter` opens, one at a time. On a
terminal the meter is a tqdm bar redrawn in place, with the percentage,
the count, the time spent and left, and the rate; when it closes the bar
gives way to one line that sums the work up. Elsewhere (a pipe, CI, cron)
there is no bar and no control character: the meter writes a plain line at
most every :data:`PLAIN_EVERY` seconds, and the summing-up line at the end.

The words are Django's translations (``gettext``), in the active language,
the site's ``LANGUAGE_CODE`` unless a caller activates another.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, MutableMapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from django.core.management.base import OutputWrapper
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from tqdm import tqdm

#: Seconds between two plain lines of one meter, off a terminal.
PLAIN_EVERY = 5.0
#: The longest note shown after a bar (the site's progress text, the importer's message).
_NOTE = 60
#: Seconds between two redraws of a bar.
_REDRAW = 0.1

#: What a meter counts: entities of a file, bytes of an upload, files, or import requests.
Unit = Literal["items", "bytes", "files", "requests"]

#: The bar when the total is known, and when it is not (tqdm's fields and the meter's words).
_WITH_TOTAL = "{desc}: {percentage:3.0f}%|{bar}| {done} / {all} [{stats}]{postfix}"
_WITHOUT_TOTAL = "{desc}: {done}[{stats}]{postfix}"


def decimal(value: float, places: int = 1) -> str:
    """``3,2``: ``value`` rounded to ``places``, in the active language's way.

    Rounded first: Django's ``number_format`` cuts a float's digits off.
    """
    return number_format(round(value, places), places)


def human_size(size: float) -> str:
    """``512 Б``, ``7,9 КБ``, ``2,3 МБ``: a size in the active language."""
    if size < 1024:
        return _("%(size)s B") % {"size": decimal(size, 0)}
    if size < 1024 * 1024:
        return _("%(size)s KB") % {"size": decimal(size / 1024)}
    return _("%(size)s MB") % {"size": decimal(size / 1024 / 1024)}


def seconds(value: float) -> str:
    """``3,2``: seconds with one decimal, in the active language."""
    return decimal(value)


def _flat(text: str) -> str:
    """``text`` on one line, without control characters."""
    return " ".join("".join(char if char.isprintable() else " " for char in text).split())


class _Stream:
    """What tqdm writes to: the command's output, written as it is (no line ending added)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out
        self.encoding = str(getattr(out, "encoding", None) or "utf-8")

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()


class Console:
    """The output of a command, with at most one open :class:`Meter`.

    ``tty`` says whether to draw bars (by default: whether ``out`` is a
    terminal). ``every`` (default :data:`PLAIN_EVERY`) and ``clock`` pace
    the plain lines.
    """

    def __init__(
        self,
        out: OutputWrapper,
        *,
        tty: bool | None = None,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out
        self.tty = out.isatty() if tty is None else tty
        self.every = PLAIN_EVERY if every is None else every
        self.clock = clock
        self.current: Meter | None = None

    def __enter__(self) -> Console:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.current is not None:
            self.current.close()

    def line(self, text: str) -> None:
        """Write a line; an open bar steps aside for it and comes back under it."""
        bar = self.current.bar if self.current is not None else None
        if bar is not None:
            bar.clear()
        self.out.write(text)
        if bar is not None:
            bar.refresh()

    def meter(
        self,
        desc: str,
        unit: Unit,
        total: float | None = None,
        *,
        n: float = 0,
        note: str = "",
        started: float | None = None,
    ) -> Meter:
        """Open a meter named ``desc`` at ``n`` of ``total``; the one open before closes.

        ``started`` is when the work began, by ``clock`` (default: now), for
        work that is seen only once some of it is done.
        """
        if self.current is not None:
            self.current.close()
        self.current = Meter(self, desc, unit, total, n=n, note=note, started=started)
        return self.current

    def columns(self) -> int:
        """The terminal's width (80 when it does not say)."""
        try:
            width = os.get_terminal_size(self.out.fileno()).columns
        except (AttributeError, OSError, ValueError):
            width = 0
        return width or shutil.get_terminal_size((80, 24)).columns


class Meter:
    """Progress of one piece of work: ``n`` of ``total`` ``unit`` (total may be unknown).

    :meth:`update` moves it, with a ``note`` to show beside it (the
    importer's or the site's message); :meth:`close` ends it with a line.
    """

    def __init__(
        self,
        console: Console,
        desc: str,
        unit: Unit,
        total: float | None,
        *,
        n: float = 0,
        note: str = "",
        started: float | None = None,
    ) -> None:
        self.console = console
        self.desc = desc
        self.unit = unit
        self.total = total
        self.n = n if total is None else min(n, total)
        self.note = _flat(note)
        self.printed = self.drawn = console.clock()
        self.started = self.printed if started is None else started
        self.bar: tqdm[Any] | None = None
        if console.tty:
            self.bar = _bar_class()(
                self,
                desc=desc,
                total=total,
                initial=self.n,
                postfix=self.clipped_note() or None,
                file=_Stream(console.out),
                ncols=console.columns(),
                leave=False,
                position=0,
                disable=False,
            )
        else:
            self.tick()

    def update(self, n: float, *, total: float | None = None, note: str | None = None) -> None:
        """Now ``n`` of the work is done (``total``, if given, is the new total)."""
        if total is not None:
            self.total = total
        if self.total is not None:
            n = min(n, self.total)
        self.n = n
        if note is not None:
            self.note = _flat(note)
        now = self.console.clock()
        if self.bar is not None:
            # Drawn by hand, not through tqdm's update(): its rate would be an average of
            # the last updates, the meter's is that of the whole work since it started
            # (steady, for the ETA), by the meter's clock.
            self.bar.n = n
            # A new total, or the first note, is drawn at once; the rest at most every _REDRAW s.
            at_once = (total is not None and total != self.bar.total) or (
                bool(self.note) and not self.bar.postfix
            )
            self.bar.total = self.total
            if note is not None:
                self.bar.set_postfix_str(self.clipped_note(), refresh=False)
            if now - self.drawn >= _REDRAW or at_once:
                self.drawn = now
                self.bar.refresh()
            return
        self.tick()

    def tick(self) -> None:
        """Off a terminal: write the plain line, if the last was long enough ago."""
        now = self.console.clock()
        if now - self.printed >= self.console.every:
            self.printed = now
            self.console.out.write(self.plain())

    def clipped_note(self) -> str:
        """The note, cut to fit after a bar."""
        return self.note if len(self.note) <= _NOTE else self.note[: _NOTE - 1] + "…"

    def close(self, line: str | None = None) -> None:
        """End the meter (its bar goes) and write ``line``, if any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.console.current is self:
            self.console.current = None
        if line:
            self.console.out.write(line)

    def plain(self) -> str:
        """The meter as a plain line: ``import.xml: 42%, Обработано 1200 из 5000 групп.``."""
        values = {"name": self.desc, "note": self.note}
        if self.total:
            values["percent"] = str(int(100 * self.n / self.total))
            if self.note:
                return _("%(name)s: %(percent)s%%, %(note)s") % values
            return _("%(name)s: %(percent)s%%") % values
        if self.note:
            return _("%(name)s: %(note)s") % values
        return _("%(name)s: %(done)s") % {"name": self.desc, "done": self.amount(self.n)}

    def amount(self, n: float) -> str:
        """``1200``, ``2,3 МБ``, ``5 запросов``: ``n`` in the meter's unit."""
        if self.unit == "bytes":
            return human_size(n)
        if self.unit == "requests":
            count = int(n)
            return ngettext("%(count)d request", "%(count)d requests", count) % {"count": count}
        return str(int(n))

    def rate(self, rate: float) -> str:
        """``350 эл./с``, ``1,2 МБ/с``: how fast, in the meter's unit (not for requests)."""
        if self.unit == "bytes":
            return _("%(size)s/s") % {"size": human_size(rate)}
        if self.unit == "files":
            return _("%(rate)s files/s") % {"rate": decimal(rate)}
        return _("%(rate)s items/s") % {"rate": decimal(rate, 0 if rate >= 10 else 1)}

    def words(self, fields: MutableMapping[str, Any]) -> dict[str, str]:
        """The bar's own fields, in words: done, all, and the stats (time spent and left, rate)."""
        n, total = fields["n"], fields["total"]
        elapsed = max(0.0, self.console.clock() - self.started)
        rate = n / elapsed if elapsed and n else None
        from tqdm import tqdm  # loaded: a bar asks for its words

        stats = [tqdm.format_interval(elapsed)]
        if total and rate:
            left = tqdm.format_interval((total - n) / rate)
            stats.append(_("left %(time)s") % {"time": left})
        if rate and self.unit != "requests":
            stats.append(self.rate(rate))
        # Without a total, only requests are counted before the stats: "5 запросов [00:03]".
        head = self.amount(n) + " " if self.unit == "requests" else ""
        return {
            "done": self.amount(n) if total else head,
            "all": self.amount(total) if total else "?",
            "stats": ", ".join(stats),
            "bar_format": _WITH_TOTAL if total else _WITHOUT_TOTAL,
        }


@functools.cache
def _bar_class() -> Callable[..., tqdm[Any]]:
    """The bar's class, made when a terminal first shows one.

    tqdm is imported then, not with the commands: it reads its own version from
    the package's metadata as it is imported, some 15 ms of every command's start,
    ``cml_import``'s off a terminal too.
    """
    from tqdm import tqdm

    class _Bar(tqdm):
        """A tqdm bar whose numbers are the meter's words (tqdm's own are English)."""

        #: No monitor thread: the commands update their bars often enough.
        monitor_interval = 0

        def __init__(self, meter: Meter, **options: Any) -> None:
            self.meter = meter
            super().__init__(**options)

        @property
        def format_dict(self) -> MutableMapping[str, Any]:
            fields = super().format_dict
            fields.update(self.meter.words(fields))
            return fields

    return _Bar
