"""``manage.py cml_import FILE...``: import exchange files offline, as the endpoint would."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cml_exchange.importer import Done, Failed, ImportOptions, MissingAction, create_job, run
from cml_exchange.models import ImportJob

#: Without --budget, the import still runs in steps of this many seconds, to show progress.
_DISPLAY_STEP = 1.0
_BAR = 30


class Command(BaseCommand):
    help = (
        "Imports CommerceML files (import.xml, offers.xml, their split parts, or a zip "
        "archive of them) into the catalog, with the same importer and steps as the exchange "
        "endpoint. Pictures are looked up next to the files (import_files/...)."
    )

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
            "--no-checksums", action="store_true", help="rewrite items even when unchanged"
        )
        choices = [action.value for action in MissingAction]
        parser.add_argument(
            "--missing-products",
            choices=choices,
            default=MissingAction.DEACTIVATE.value,
            help="what to do with products a full catalog did not mention (default: deactivate)",
        )
        parser.add_argument(
            "--missing-groups",
            choices=choices,
            default=MissingAction.DEACTIVATE.value,
            help="what to do with groups a full classifier did not mention (default: deactivate)",
        )
        parser.add_argument("--batch-size", type=int, default=ImportOptions().batch_size)

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(name).resolve() for name in options["files"]]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"Файлы не найдены: {', '.join(missing)}")
        base_dir = Path(os.path.commonpath([path.parent for path in paths]))
        job = create_job(
            list(paths),
            base_dir=base_dir,
            options=ImportOptions(
                use_checksums=not options["no_checksums"],
                missing_products=MissingAction(options["missing_products"]),
                missing_groups=MissingAction(options["missing_groups"]),
                batch_size=options["batch_size"],
            ),
        )
        budget = options["budget"] or _DISPLAY_STEP
        interactive = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False
        last = ""
        while True:
            result = run(job, budget)
            if isinstance(result, (Done, Failed)):
                break
            if interactive:
                job.refresh_from_db()
                self.stdout.write(f"\r{_bar(job)} {result.message[:70]:<70}", ending="")
                self.stdout.flush()
            elif result.message != last:
                self.stdout.write(result.message)
            last = result.message
        if interactive:
            self.stdout.write("")
        job.refresh_from_db()
        if isinstance(result, Failed):
            raise CommandError(result.detail or result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
        for name, value in sorted(job.counters.items()):
            self.stdout.write(f"  {name}: {value}")
        warnings = sum(job.warning_counts.values())
        if warnings:
            self.stdout.write(self.style.WARNING(f"Предупреждений: {warnings}"))
            for warning in job.warnings[:10]:
                self.stdout.write(f"  - {warning['message']}")
        self.stdout.write(f"Задание импорта №{job.pk}, шагов: {job.steps}.")


def _bar(job: ImportJob) -> str:
    """``[#####.....]  42%``: files done, plus the share of the current file."""
    files = len(job.files) or 1
    share = 0.0
    if job.stage == ImportJob.Stage.READ and job.file_index < len(job.files):
        total = sum(job.state.get("scans", {}).get(job.files[job.file_index], {}).values())
        share = min(1.0, job.position / total) if total else 0.0
    done = min(1.0, (min(job.file_index, files) + share) / files)
    filled = int(done * _BAR)
    return f"[{'#' * filled}{'.' * (_BAR - filled)}] {done:4.0%}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run it as: python manage.py cml_import FILE...")
