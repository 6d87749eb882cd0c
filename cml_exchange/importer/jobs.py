"""Making an import job: the files to import, where they are, and how."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from cml_exchange.importer.missing import DEFER_MISSING
from cml_exchange.importer.options import ImportOptions
from cml_exchange.models import ExchangeSession, ImportJob


def create_job(
    files: Sequence[str | Path],
    *,
    base_dir: str | Path,
    options: ImportOptions | None = None,
    seen_since: dt.datetime | None = None,
    picture_dirs: Sequence[Path] = (),
    defer_missing: bool = False,
    session: ExchangeSession | None = None,
    filename: str = "",
) -> ImportJob:
    """Make a pending job for ``files`` (relative to ``base_dir``, or absolute).

    ``base_dir`` is where 1C's uploads are (pictures are looked up under it).
    ``seen_since`` is the moment that marks what this exchange mentioned
    (default: when the job starts); an endpoint passes the exchange's start,
    so that several jobs of one exchange count as one for missing items.
    ``picture_dirs`` are other folders where pictures missing under
    ``base_dir`` are looked for. With ``defer_missing`` the job does not
    handle what a full catalog did not mention: the exchange it belongs to
    does so once, for all its files (:func:`cml_exchange.importer.missing.settle`).
    ``session`` and ``filename`` say which exchange asked, for which file
    (shown in the monitor; the endpoint finds its jobs by them).
    """
    base = Path(base_dir)
    names = []
    for file in files:
        path = Path(file)
        try:
            names.append(
                path.relative_to(base).as_posix() if path.is_absolute() else path.as_posix()
            )
        except ValueError:
            names.append(str(path))
    state: dict[str, object] = {"seen_since": seen_since.isoformat()} if seen_since else {}
    if picture_dirs:
        state["picture_dirs"] = [str(folder) for folder in picture_dirs]
    if defer_missing:
        state[DEFER_MISSING] = True
    return ImportJob.objects.create(
        base_dir=str(base),
        files=names,
        options=(options or ImportOptions()).to_json(),
        state=state,
        session=session,
        filename=filename,
    )
