"""The app's own signal receivers, wired in ``CmlExchangeConfig.ready()``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeFile, ExchangeKind, ImportJob
from cml_exchange.signals import import_finished


@receiver(import_finished, sender=ImportJob, dispatch_uid="cml_exchange.mark_files_imported")
def mark_files_imported(sender: type[ImportJob], job: ImportJob, **kwargs: Any) -> None:
    """The stored files a finished import read count as imported, however it ran.

    The endpoint's imports and the stored-files page's "import again" alike;
    an import of files outside the exchange directory (``cml_import``) has no
    rows to mark.
    """
    directory = app_settings.UPLOAD_ROOT / ExchangeKind.CATALOG.value
    try:
        folder = Path(job.base_dir).relative_to(directory).as_posix()
    except ValueError:
        return
    names = [name if folder == "." else f"{folder}/{name}" for name in job.files]
    ExchangeFile.objects.filter(kind=ExchangeKind.CATALOG, name__in=names).update(
        imported=timezone.now()
    )
