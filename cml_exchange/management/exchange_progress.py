"""What ``manage.py cml_exchange_client`` shows of an exchange: the client's events on the console.

A line per step, a meter per upload and per import (a progress bar on a
terminal, a plain line now and then elsewhere; :mod:`~cml_exchange.management.console`),
worded in the site's language.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cml_exchange.client import (
    Event,
    ExchangeClient,
    Imported,
    PartSent,
    Polled,
    Prepared,
    Sent,
    Step,
)
from cml_exchange.client.packing import PICTURES_DIR
from cml_exchange.management.console import Console, Meter, Unit, human_size, seconds


class ExchangeProgress:
    """The client's events on the console: a line per step, a meter per upload and import.

    With ``--no-zip`` the pictures share one meter and one line at the end.
    """

    def __init__(self, console: Console, client: ExchangeClient) -> None:
        self.console = console
        self.client = client
        self.meter: Meter | None = None
        #: What the open meter is for: ("file" or "import", the file's name).
        self.subject: tuple[str, str] = ("", "")
        self.pictures = 0
        self.pictures_sent = 0
        self.pictures_size = 0
        #: When the last event came: the work a new meter shows began then.
        self.last = console.clock()

    def __call__(self, event: Event) -> None:
        self.show(event)
        self.last = self.console.clock()

    def show(self, event: Event) -> None:
        if isinstance(event, Step):
            self.step(event)
        elif isinstance(event, Prepared):
            self.prepared(event)
        elif isinstance(event, PartSent):
            self.part_sent(event)
        elif isinstance(event, Sent):
            self.sent(event)
        elif isinstance(event, Polled):
            self.polled(event)
        elif isinstance(event, Imported):
            self.imported(event)

    def show_meter(
        self,
        subject: tuple[str, str],
        desc: str,
        unit: Unit,
        n: float,
        total: float | None = None,
        note: str = "",
    ) -> None:
        """Move the meter of ``subject`` (what, which file), opened if another (or none) is."""
        if self.meter is None or self.subject != subject:
            self.meter = self.console.meter(desc, unit, total, n=n, note=note, started=self.last)
            self.subject = subject
        else:
            self.meter.update(n, total=total, note=note)

    def close(self, line: str) -> None:
        if self.meter is not None:
            self.meter.close(line)
            self.meter = None
            self.subject = ("", "")
        else:
            self.console.line(line)

    def step(self, event: Step) -> None:
        line = self.console.line
        if event.mode == "checkauth":
            line(_("checkauth: logged in"))
            if self.client.auth is not None and self.client.auth.sessid is None:
                line(_('checkauth: the site sent no sessid (1C: "CSRF токен не поддерживается")'))
        elif event.mode == "init" and self.client.params is not None:
            params = self.client.params
            values = {
                "zip": "yes" if params.zip else "no",
                "limit": params.file_limit
                if params.file_limit is not None
                else pgettext("file_limit", "none"),
                "version": params.version,
            }
            if params.version:
                line(_("init: zip=%(zip)s, file_limit=%(limit)s, version=%(version)s") % values)
            else:
                line(_("init: zip=%(zip)s, file_limit=%(limit)s") % values)
        elif event.mode in ("query", "info"):
            line(
                _("%(mode)s: %(size)s of XML received")
                % {"mode": event.mode, "size": human_size(event.size)}
            )
        elif event.mode == "success":
            line(_("success: the site has marked the orders as received by 1C"))
        else:
            line(
                _("%(mode)s: %(message)s")
                % {
                    "mode": event.mode,
                    "message": event.message or pgettext("exchange step", "done"),
                }
            )

    def prepared(self, event: Prepared) -> None:
        if event.archive is None:
            self.pictures = event.pictures
            return
        self.console.line(
            ngettext(
                "Archive: %(xml)d XML and %(pictures)d picture, %(size)s, zipped %(packed)s",
                "Archive: %(xml)d XML and %(pictures)d pictures, %(size)s, zipped %(packed)s",
                event.pictures,
            )
            % {
                "xml": event.xml,
                "pictures": event.pictures,
                "size": human_size(event.size),
                "packed": human_size(event.archive),
            }
        )

    def is_picture(self, name: str) -> bool:
        return self.pictures > 0 and name.startswith(PICTURES_DIR + "/")

    def part_sent(self, event: PartSent) -> None:
        if self.is_picture(event.name):
            return
        self.show_meter(
            ("file", event.name),
            _("Sending %(name)s") % {"name": event.name},
            "bytes",
            event.sent,
            total=event.size or None,
            note=_("part %(part)d of %(parts)d") % {"part": event.part, "parts": event.parts},
        )

    def sent(self, event: Sent) -> None:
        if self.is_picture(event.name):
            self.picture_sent(event)
            return
        self.close(
            ngettext(
                "File %(name)s sent: %(parts)d part, %(size)s",
                "File %(name)s sent: %(parts)d parts, %(size)s",
                event.parts,
            )
            % {"name": event.name, "parts": event.parts, "size": human_size(event.size)}
        )
        for text in event.lines:
            self.console.line(f"  {text}")

    def picture_sent(self, event: Sent) -> None:
        self.pictures_sent += 1
        self.pictures_size += event.size
        self.show_meter(
            ("pictures", ""), _("Pictures"), "files", self.pictures_sent, total=self.pictures
        )
        if self.pictures_sent >= self.pictures:
            self.close(
                _("Pictures sent: %(count)d, %(size)s")
                % {"count": self.pictures_sent, "size": human_size(self.pictures_size)}
            )

    def polled(self, event: Polled) -> None:
        self.show_meter(
            ("import", event.name),
            _("Import of %(name)s") % {"name": event.name},
            "requests",
            event.request,
            note=event.message,
        )

    def imported(self, event: Imported) -> None:
        orders = self.client.kind == "sale"
        message = (
            pgettext("exchange step", "done") if orders or not event.message else event.message
        )
        self.close(
            ngettext(
                "Import of %(name)s: %(message)s (%(count)d request, %(seconds)s s)",
                "Import of %(name)s: %(message)s (%(count)d requests, %(seconds)s s)",
                event.requests,
            )
            % {
                "name": event.name,
                "message": message,
                "count": event.requests,
                "seconds": seconds(event.seconds),
            }
        )
        if orders:
            for text in event.lines:
                self.console.line(f"  {text}")
