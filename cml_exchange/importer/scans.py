"""The scan of a file, or what it counted when the same bytes were scanned before.

1C sends an unchanged ``import.xml`` and ``offers.xml`` again at every
exchange. The scan parses the whole file and checks every value, which is
about as long as the import of an unchanged file itself; a file whose bytes,
under the same reader and the same column sizes, were found sound before is
not scanned again (:class:`~cml_exchange.models.ScannedFile`). A file the
scan refused is never remembered, so it is refused again every time. A
large file scanned in a second process (the runner's scan beside the
reader) is remembered here once its verdict is in.

A remembered file read whole also keeps its items' element digests
(:func:`keep_items`): when the same bytes come again and every one of those
digests is still stored, the runner does not read the items at all.
"""

from __future__ import annotations

import json
import logging
import sys
from array import array
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Sum
from django.utils import timezone

from cml_exchange.commerceml.reading.digests import FileItems
from cml_exchange.commerceml.reading.scan import scan, scan_digest
from cml_exchange.importer import queries
from cml_exchange.importer.limits import value_limits
from cml_exchange.models import ScannedFile

logger = logging.getLogger(__name__)

#: Files remembered at most; the least recently scanned are forgotten first. A row is
#: a digest and a few counts; 1C's split packages of a 100,000-product catalog are
#: about 200 files, and every one of them must outlive the exchange that sends it.
KEPT = 5000
#: Items whose digests are kept, in all (8 bytes an item): the most recently scanned
#: files' while they add up to no more. The benchmark's 100,000 products in 1C's split
#: packages (goods, offers, prices and rests files) keep 520,000 of them.
KEPT_ITEMS = 3_000_000


def remembered_counts(path: Path) -> tuple[str, dict[str, int] | None]:
    """The file's digest, and what its scan counted if the same bytes were found sound before.

    A file found is marked as scanned now, so that it is kept longer.
    """
    digest = file_digest(path)
    connection = connections[router.db_for_write(ScannedFile)]
    if connection.vendor == "postgresql":
        return digest, _touched_counts(connection, digest)
    # SQLite takes its write lock for an update, even of no row: only for a file found.
    found = queries.values_list(ScannedFile, ["counts"], digest=digest)  # the digest is unique
    if not found:
        return digest, None
    known = found[0][0]
    ScannedFile.objects.filter(digest=digest).update(scanned=timezone.now())
    return digest, dict(known)


def _touched_counts(connection: Any, digest: str) -> dict[str, int] | None:
    """PostgreSQL: mark the file of ``digest`` scanned now and read its counts, in one statement."""
    meta = ScannedFile._meta
    quote = connection.ops.quote_name
    counts = meta.get_field("counts")
    scanned = meta.get_field("scanned")
    digest_column = meta.get_field("digest")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {quote(scanned.column)} = %s"  # noqa: S608
            f" WHERE {quote(digest_column.column)} = %s RETURNING {quote(counts.column)}",
            [timezone.now(), digest],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    value = row[0]  # Django's psycopg connections load jsonb as text
    return dict(json.loads(value) if isinstance(value, (str, bytes)) else value)


def scan_counts(path: Path, name: str) -> dict[str, int]:
    """What the scan counts in ``path`` (refusing it as the scan does); for :func:`remember`.

    No statement: a commit left running (``late_commit``) goes on meanwhile.
    """
    return dict(scan(path, name=name, limits=value_limits()).counts)


def remember(digest: str, counts: dict[str, int]) -> None:
    """Note that the file of ``digest`` was scanned sound and what it holds.

    One upsert, not ``update_or_create``: its savepoint would write a batch's late rows
    (``late_writes``) before their time. The oldest files are forgotten by :func:`trim`.
    """
    ScannedFile.objects.bulk_create(
        [ScannedFile(digest=digest, counts=counts)],
        update_conflicts=True,
        unique_fields=["digest"],
        update_fields=["counts", "scanned"],
    )


def keep_items(digest: str, items: FileItems) -> bool:
    """Keep the digests of a file's items (read whole); ``False``: not remembered yet.

    Older files lose theirs at :func:`trim`.
    """
    written = {
        "items_kind": items.kind,
        "item_digests": _as_bytes(items.digests),
        "items_count": len(items.digests),
        "item_skips": items.skipped,
    }
    kept = queries.update(ScannedFile, written, digest=digest)
    return bool(kept)


def trim() -> None:
    """Forget the files scanned least recently past :data:`KEPT`, and their items past the rest.

    The most recently scanned files keep their items' digests while they hold
    no more than :data:`KEPT_ITEMS` items in all; older files lose theirs. Run
    once an import step ends (not after each file: two statements each time),
    so the limits may be passed by a step's files until then. Housekeeping: a
    database error (a lock another process holds) is logged, and the import goes on.
    """
    try:
        with transaction.atomic(using=router.db_for_write(ScannedFile)):
            _trim()
    except DatabaseError:
        logger.warning("Could not forget the oldest remembered files", exc_info=True)


def _trim() -> None:
    stale = list(ScannedFile.objects.order_by("-scanned").values_list("pk", flat=True)[KEPT:])
    if stale:  # a delete of nothing still takes SQLite's write lock and commits
        ScannedFile.objects.filter(pk__any=stale).delete()
    with_items = ScannedFile.objects.exclude(items_kind="")
    if (with_items.aggregate(total=Sum("items_count"))["total"] or 0) > KEPT_ITEMS:
        newest = with_items.order_by("-scanned", "-pk").values_list("pk", "items_count")
        total, stale = 0, []
        for pk, count in newest:
            total += count
            if total > KEPT_ITEMS:
                stale.append(pk)
        ScannedFile.objects.filter(pk__any=stale).update(
            items_kind="", item_digests=None, items_count=0, item_skips={}
        )


def kept_items(digest: str | None) -> FileItems | None:
    """The items :func:`keep_items` kept for the file of ``digest``, if any."""
    if not digest:
        return None
    rows = queries.values_list(
        ScannedFile, ["items_kind", "item_digests", "item_skips"], digest=digest
    )  # the digest is unique
    found = rows[0] if rows else None
    if found is None or not found[0] or found[1] is None:
        return None
    digests = array("q", bytes(found[1]))
    if sys.byteorder == "big":
        digests.byteswap()
    return FileItems(kind=found[0], digests=digests, skipped=dict(found[2]))


def _as_bytes(digests: array[int]) -> bytes:
    """Little-endian, whatever the machine: a database may move between machines."""
    if sys.byteorder == "big":
        digests = array("q", digests)
        digests.byteswap()
    return digests.tobytes()


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes, keyed with the reader's code and the column sizes."""
    return scan_digest(path, value_limits())
