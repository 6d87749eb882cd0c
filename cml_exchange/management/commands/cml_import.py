"""``manage.py cml_import FILE...``: import exchange files offline, as the endpoint would."""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cml_exchange.checks import TAG
from cml_exchange.importer import (
    Done,
    Failed,
    ImportOptions,
    MissingAction,
    create_job,
    labels,
    run,
)
from cml_exchange.management.console import Console, Meter, seconds
from cml_exchange.models import ExchangeSettings, ImportJob

#: What a file's progress counts: the entities its scan counted and its batches wrote.
_KINDS = ("groups", "properties", "products", "offers", "documents")
#: How many warnings are listed at the end (all are counted, and kept in the monitor).
_WARNINGS_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Imports CommerceML files (import.xml, offers.xml, their split parts, or a zip "
        "archive of them) into the catalog, with the same importer and steps as the exchange "
        "endpoint and with the exchange settings of the admin (missing items, slugs, pictures, "
        "what the site owns...). Pictures are looked up next to the files (import_files/...)."
    )
    #: This app's own checks (settings, upload root), not the whole project's: those
    #: (the admin's, say) took 50 ms of every run; ``manage.py check`` runs them all.
    requires_system_checks = (TAG,)

    def run_from_argv(self, argv: list[str]) -> None:
        # A process of its own (not call_command): what Django and the app loaded stays
        # for good, so the collector need not walk it again in every full collection
        # (ten of them, 0.5 s of a first 10k import, went through those objects).
        gc.freeze()
        super().run_from_argv(argv)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--budget",
            type=float,
            metavar="SECONDS",
            help="cut the import into steps of this many seconds, as the endpoint does "
            "(Bitrix's 'Интервал одного шага'); by default the import runs to its end",
        )
        parser.add_argument(
            "--no-checksums",
            action="store_true",
            help="rewrite items even when unchanged (default: as the exchange settings say)",
        )
        choices = [action.value for action in MissingAction]
        parser.add_argument(
            "--missing-products",
            choices=choices,
            help="what to do with products a full catalog did not mention "
            "(default: as the exchange settings say)",
        )
        parser.add_argument(
            "--missing-groups",
            choices=choices,
            help="what to do with groups a full classifier did not mention "
            "(default: as the exchange settings say)",
        )
        parser.add_argument("--batch-size", type=int, default=ImportOptions().batch_size)

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(name).resolve() for name in options["files"]]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(_("Files not found: %(files)s") % {"files": ", ".join(missing)})
        base_dir = Path(os.path.commonpath([path.parent for path in paths]))
        job = create_job(
            list(paths),
            base_dir=base_dir,
            options=import_options(options),
        )
        started = time.monotonic()
        with Console(self.stdout) as console:
            files = _Files(console)
            while True:
                # Without --budget, one step to the end: the display follows it batch by batch.
                result = run(job, options["budget"], progress=files.follow)
                files.follow(job)
                if isinstance(result, (Done, Failed)):
                    break
        if isinstance(result, Failed):
            raise CommandError(result.detail or result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
        for counted in labels.counters(job.counters):
            self.stdout.write(f"  {counted.label}: {counted.value}")
        self.report_reconciliation(result)
        self.report_warnings(job)
        took = seconds(time.monotonic() - started)
        self.stdout.write(
            ngettext(
                "Import job #%(pk)d: %(steps)d step, %(seconds)s s.",
                "Import job #%(pk)d: %(steps)d steps, %(seconds)s s.",
                job.steps,
            )
            % {"pk": job.pk, "steps": job.steps, "seconds": took}
        )

    def report_reconciliation(self, result: Done) -> None:
        """The reconciliation's lines, whole, when the result's message had to clip them."""
        lines = [*result.differences, *result.notes]
        if all(line in result.message for line in lines):
            return
        self.stdout.write(_("Reconciliation with the files:"))
        for line in lines:
            self.stdout.write(f"  - {line}")

    def report_warnings(self, job: ImportJob) -> None:
        """How many warnings of each kind, then the first few (the monitor has them all)."""
        total = sum(job.warning_counts.values())
        if not total:
            return
        self.stdout.write(self.style.WARNING(_("Warnings: %(count)d") % {"count": total}))
        for counted in sorted(labels.warning_counts(job.warning_counts), key=lambda c: -c.value):
            self.stdout.write(f"  {counted.label}: {counted.value}")
        # The reconciliation's are said above, in the result's message or in full.
        shown = [item for item in job.warnings if item.get("code") != "reconciliation"]
        for warning in shown[:_WARNINGS_SHOWN]:
            self.stdout.write(f"  - {warning['message']}")
        rest = total - job.warning_counts.get("reconciliation", 0) - len(shown[:_WARNINGS_SHOWN])
        if rest > 0:
            self.stdout.write(
                _("  … and %(count)d more, in the exchange monitor in the admin.") % {"count": rest}
            )


def import_options(options: dict[str, Any]) -> ImportOptions:
    """The exchange settings' options, as the endpoint imports with, and what the flags change."""
    overrides: dict[str, Any] = {"batch_size": options["batch_size"]}
    if options["no_checksums"]:
        overrides["use_checksums"] = False
    for key in ("missing_products", "missing_groups"):
        if options[key] is not None:
            overrides[key] = MissingAction(options[key])
    return ImportOptions.from_settings(ExchangeSettings.load(), **overrides)


class _Files:
    """A meter for each file of a job, open while the import is in it.

    The job is seen after each batch and stage, and between steps: a file begun
    and finished unseen gets its closing line all the same.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.index = 0
        self.meter: Meter | None = None
        #: When the job was last seen: a file first seen now began after it.
        self.seen = time.monotonic()

    def follow(self, job: ImportJob) -> None:
        """Close the meters of the files the job has left, and move the current file's."""
        last_seen, self.seen = self.seen, time.monotonic()
        while self.index < min(job.file_index, len(job.files)):
            self.close(job, self.index)
            self.index += 1
        if job.status != ImportJob.Status.RUNNING or self.index >= len(job.files):
            if self.meter is not None:
                self.meter.close()
                self.meter = None
            return
        name = job.files[self.index]
        read, total, note = 0, None, job.message
        if job.stage == ImportJob.Stage.SCAN:
            note = _("checking the file")
        elif job.stage == ImportJob.Stage.READ:
            done = job.state.get("done", {})
            read = sum(done.get(kind, 0) for kind in _KINDS)
            total = _entities(job, name) or None
        if self.meter is None:
            self.meter = self.console.meter(
                name, "items", total, n=read, note=note, started=last_seen
            )
        else:
            self.meter.update(read, total=total, note=note)

    def close(self, job: ImportJob, index: int) -> None:
        """The file's closing line, in place of its meter (if it had one)."""
        name = job.files[index]
        if name.lower().endswith(".zip"):
            line = _("%(name)s: unpacked.") % {"name": name}
        else:
            count = _entities(job, name)
            line = ngettext(
                "%(name)s: %(count)d item read.", "%(name)s: %(count)d items read.", count
            ) % {"name": name, "count": count}
        if self.meter is not None:
            self.meter.close(line)
            self.meter = None
        else:
            self.console.line(line)


def _entities(job: ImportJob, name: str) -> int:
    """How many entities the scan of ``name`` found (groups, properties, products, offers…)."""
    counts = job.state.get("scans", {}).get(name, {})
    return sum(int(counts.get(kind, 0)) for kind in _KINDS)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run it as: python manage.py cml_import FILE...")
