"""The orders exchange's work, for the protocol layer: query, success, import, info.

* :func:`write_query` writes the due orders into one CommerceML file, one
  document at a time, and records which version of which order it holds;
* :func:`confirm_last_query` tells the adapter that 1C has those versions;
* :func:`import_step` applies a file of 1C's documents, within a time budget,
  resuming where the last step stopped; :func:`apply_uploads` does so for
  what an exchange uploaded (an archive's files in turn);
* :func:`reference_xml` is the ``mode=info`` answer.

Nothing here knows HTTP; everything reaches orders through the adapter.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cml_exchange.commerceml.entities import Document
from cml_exchange.commerceml.errors import WriterError
from cml_exchange.commerceml.reading.order_changes import (
    OrderChanges,
    apply_subordinate,
    is_order,
    read_changes,
)
from cml_exchange.commerceml.reading.reader import CmlReader, ReadWarning
from cml_exchange.commerceml.reading.scan import scan
from cml_exchange.commerceml.writing.orders import build_document
from cml_exchange.commerceml.writing.reference import write_reference
from cml_exchange.commerceml.writing.writer import (
    SCHEMA_2_05,
    SCHEMA_2_08,
    SCHEMA_2_10,
    SCHEMA_3_1,
    OrdersWriter,
)
from cml_exchange.importer import sql
from cml_exchange.models import ExchangeSession, ExchangeSettings, OrderExport
from cml_exchange.orders.adapter import ListEntry, OrderAdapter, get_order_adapter
from cml_exchange.storage.folders import ExchangeFolder
from cml_exchange.storage.uploads import path_in

logger = logging.getLogger("cml_exchange.orders")

#: Rows of ``OrderExport`` written at a time while a query streams.
RECORD_BATCH = 1000
#: The query file's write buffer: a document is 6 KB, the default buffer 8 KiB, so
#: nearly every document was a write of its own (10,000 of them for 10,000 orders).
WRITE_BUFFER = 1024 * 1024
#: How long the record of what a query sent is kept.
KEEP_EXPORTS_DAYS = 30

INTERNAL_ERROR = "Заказ №{number} не загружен: внутренняя ошибка сайта ({error})."
UNREADABLE = "Документ №{number} не загружен: {problem}."
NO_ORDER_FOR_PAYMENT = "Документ с Ид - {id}. Заказ основание для оплаты или отгрузки не указан."


def schema_version(asked: str | None, setting: str = ExchangeSettings.SchemaVersion.V2) -> str:
    """The orders schema for the version 1C sent at ``init`` and the settings' schema version.

    * Without a version (the old protocol), or below 2.08: 2.05, 1C-Bitrix's
      default. 2.08 and 2.09 get 2.08; 2.10 and above get 2.10.
    * 3.1 only when the settings choose 3.1 (``setting``) and 1C asks for 3
      or more: every order in a ``Контейнер`` with its payments and shipments.

    A 1C asking 3.1 of a shop left on 2.x gets 2.10, the highest 2.x we
    write. 1C-Bitrix shapes its export by the version 1C asks for: from 2.1
    on the payments and shipments are subordinate documents, from 3 on each
    order also gets its ``Контейнер`` [BX-EXPORT]. 2.10 keeps everything 3.1
    would carry except the container, which the shop has not chosen; and 1C
    reads 2.x orders whatever it writes, so a site may answer a 2.x version
    to a 3.1 1C: FREESPORT answers the sale ``init`` with 2.09 while its
    catalog is on 3.1, a change it needed "to support 1C order processing"
    [FS-TEST-API]. We answer the version we write, so 1C knows what comes.
    (docs/research/commerceml-3.1.md §3 and §4.1; keys resolved in its §8.)
    """
    text = (asked or "").strip()
    if setting == ExchangeSettings.SchemaVersion.V3_1 and _major(text) >= 3:
        return SCHEMA_3_1
    try:
        major, minor = (int(part) for part in text.split(".")[:2])
    except ValueError:
        return SCHEMA_2_05
    if (major, minor) >= (2, 10):
        return SCHEMA_2_10
    if (major, minor) >= (2, 8):
        return SCHEMA_2_08
    return SCHEMA_2_05


def _major(version: str) -> int:
    """The major number of ``3.1``, ``3`` or ``3.0.2``; 0 when there is none."""
    head = version.split(".", 1)[0]
    return int(head) if head.isascii() and head.isdigit() else 0


@dataclass(frozen=True, slots=True)
class QueryFile:
    """A written ``query`` answer: the file, how many orders, and the batch that records them."""

    path: Path
    orders: int
    batch: int


def write_query(
    session: ExchangeSession,
    directory: Path,
    settings: ExchangeSettings,
    *,
    version: str,
    adapter: OrderAdapter | None = None,
) -> QueryFile:
    """Write the orders 1C has not seen into a new file in ``directory``.

    The file is written beside its final name and renamed when complete, so
    a half-written answer is never served. Which version of which order went
    out is recorded as a new batch of the session; an order the writer
    cannot write is logged, left out and stays pending.
    """
    adapter = adapter or get_order_adapter()
    last = OrderExport.objects.filter(session=session).aggregate(Max("batch"))["batch__max"]
    batch = (last or 0) + 1
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"query-{session.pk}-{batch}.xml"
    partial = path.with_suffix(".part")
    records: list[tuple[str, int]] = []
    count = 0
    try:
        with (
            partial.open("wb", buffering=WRITE_BUFFER) as output,
            OrdersWriter(
                output,
                schema_version=version,
                encoding=settings.orders_encoding,
                bom=settings.orders_bom,
                container=settings.orders_container,
            ) as writer,
        ):
            prefix, currency = settings.number_prefix, settings.replace_currency
            for outgoing in adapter.pending(settings):
                order = outgoing.order.exported(prefix, currency)
                try:
                    writer.write(build_document(order, version, copy=False))
                except WriterError:
                    logger.exception("Order %s cannot be written for 1C", outgoing.key)
                    continue
                records.append((outgoing.key[:64], outgoing.version))
                count += 1
                if len(records) >= RECORD_BATCH:
                    _record(session, batch, records)
                    records.clear()
        _record(session, batch, records)
        os.replace(partial, path)
    except BaseException:
        OrderExport.objects.filter(session=session, batch=batch).delete()
        partial.unlink(missing_ok=True)
        raise
    return QueryFile(path=path, orders=count, batch=batch)


def _record(session: ExchangeSession, batch: int, sent: list[tuple[str, int]]) -> None:
    """Store that ``batch`` of ``session`` holds these ``(key, version)`` pairs (``OrderExport``).

    Plain rows through :func:`cml_exchange.importer.sql.insert` (``COPY`` on
    PostgreSQL, one ``executemany`` on SQLite) rather than ``bulk_create``:
    building and compiling ten thousand model instances took a sixth of a
    query's time, and an ``executemany`` through Django's cursor on PostgreSQL
    still a tenth (each row's statement quoted in Python). ``created`` is now and
    ``confirmed`` is left empty, as ``bulk_create`` would store them.
    """
    sql.insert(
        OrderExport,
        [
            {"session_id": session.pk, "batch": batch, "order_key": key, "version": version}
            for key, version in sent
        ],
    )


def confirm_last_query(session: ExchangeSession, adapter: OrderAdapter | None = None) -> int:
    """``mode=success``: 1C has the orders of the session's last query; return how many.

    Only the last batch counts: a query repeated without ``success`` sent
    the same orders again (in their newest versions). Confirming twice does
    nothing more.
    """
    last = OrderExport.objects.filter(session=session).aggregate(Max("batch"))["batch__max"]
    if last is None:
        return 0
    rows = OrderExport.objects.filter(session=session, batch=last, confirmed__isnull=True)
    sent = list(rows.values_list("order_key", "version"))
    if sent:
        (adapter or get_order_adapter()).delivered(sent)
        rows.update(confirmed=timezone.now())
    return len(sent)


def forget_old_exports(days: int = KEEP_EXPORTS_DAYS) -> int:
    """Drop the records of queries older than ``days``; return how many rows went."""
    since = timezone.now() - dt.timedelta(days=days)
    deleted, _by_model = OrderExport.objects.filter(created__lt=since).delete()
    return deleted


@dataclass(frozen=True, slots=True)
class ImportStep:
    """One step of importing an orders file: messages for 1C, and where to go on (None: done)."""

    messages: list[str]
    position: int | None
    applied: int


def import_step(
    path: Path,
    settings: ExchangeSettings,
    *,
    start: int = 0,
    budget: float | None = None,
    adapter: OrderAdapter | None = None,
) -> ImportStep:
    """Apply the documents of an orders file from ``start`` on, for at most ``budget`` seconds.

    The whole file is checked first, so a broken or truncated file is refused
    (``CommerceMLError``) before anything of it is applied. Each document is
    the adapter's to apply whole or not at all, and the documents of one
    ``Контейнер`` (an order with its payments and shipments, CommerceML 3.1)
    are applied together in one transaction: a failure in any of them leaves
    that order as it was. One that fails is reported and the others go on.
    A step stops between containers, never inside one.
    """
    adapter = adapter or get_order_adapter()
    if start == 0:
        scan(path)
    deadline = None if not budget else time.monotonic() + budget
    reader = CmlReader(path, skip=start, check_references=False)
    messages: list[str] = []
    applied = 0
    done = start
    for batch in _batches(reader, start):
        # Stop before a batch, never after the last one: 1C gets no empty "progress".
        if applied and deadline is not None and time.monotonic() >= deadline:
            return ImportStep(messages=messages, position=done, applied=applied)
        messages.extend(_apply_batch(adapter, batch, settings))
        applied += len(batch.changes)
        done = batch.end
    return ImportStep(messages=messages, position=None, applied=applied)


@dataclass(frozen=True, slots=True)
class Applied:
    """What a step of applying an exchange's orders files did: messages for 1C, and if all is in."""

    messages: list[str]
    done: bool


def apply_uploads(
    folder: ExchangeFolder, name: str, settings: ExchangeSettings, *, budget: float | None
) -> Applied | None:
    """Apply 1C's orders file ``name`` of ``folder``'s exchange for at most ``budget`` seconds.

    ``name`` may be an archive the exchange uploaded, or a file inside one:
    the files still to apply are applied in turn, each from where the last
    step stopped. ``None`` when there is no such file, or it is empty.
    """
    files = folder.files_to_apply(name)
    if files is None:
        return None
    messages: list[str] = []
    deadline = None if budget is None else time.monotonic() + budget
    for record in files:
        path = path_in(folder.kind_directory, record.name)
        left = None if deadline is None else max(0.001, deadline - time.monotonic())
        step = import_step(path, settings, start=record.position, budget=left)
        messages.extend(step.messages)
        if step.position is not None:
            record.keep_position(step.position)
            return Applied(messages, done=False)
        record.mark_imported()
    return Applied(messages, done=True)


@dataclass(slots=True)
class _Batch:
    """What is applied at once: one bare document, or the documents of one ``Контейнер``.

    ``messages`` are for documents that name no order; ``end`` is the
    reader's position right after the batch's last document.
    """

    changes: list[OrderChanges]
    messages: list[str]
    end: int


def _batches(reader: CmlReader, start: int) -> Iterator[_Batch]:
    """The file's documents as changes, a ``Контейнер``'s together.

    A payment or shipment beside its order (``Основание`` = the order's
    ``Ид``) also carries the order's number, so it finds an order the site
    knows by number only, as the order document itself does.

    What the reader passed over or could not read is told to 1C with the
    batch it was read in; a document with a number the reader could not read
    is not applied (its line would otherwise count one piece, say).
    """
    batch = _Batch(changes=[], messages=[], end=start)
    container = 0
    told = len(reader.warnings)
    # Warnings go with the document after them, in the batch whose end passes
    # them: a step that stops before that batch reads them again, not twice.
    heard: list[ReadWarning] = []
    for entity in reader:
        heard += reader.warnings[told:]
        told = len(reader.warnings)
        if not isinstance(entity, Document):
            continue  # counterparties and headers: nothing to apply
        if (batch.changes or batch.messages) and (
            entity.container == 0 or entity.container != container
        ):
            yield batch
            batch = _Batch(changes=[], messages=[], end=batch.end)
        container = entity.container
        unreadable = [
            w.message for w in heard if w.code == "bad_number" and w.entity_id == entity.id
        ]
        batch.messages.extend(w.message for w in heard if w.message and w.message not in unreadable)
        heard = []
        batch.end = reader.position
        if unreadable:
            problem = unreadable[0].rstrip(".")
            label = entity.number or entity.id
            batch.messages.append(
                UNREADABLE.format(number=label, problem=problem[:1].lower() + problem[1:])
            )
        elif is_order(entity):
            batch.changes.append(read_changes(entity))
        elif entity.basis:
            changes = OrderChanges(id=entity.basis)
            order = next((c for c in batch.changes if c.id == entity.basis), None)
            if order is not None:
                changes.number = order.number
            apply_subordinate(changes, entity)
            batch.changes.append(changes)
        else:
            batch.messages.append(NO_ORDER_FOR_PAYMENT.format(id=entity.id))
    heard += reader.warnings[told:]
    batch.messages.extend(w.message for w in heard if w.message)
    if batch.changes or batch.messages:
        yield batch


def _apply_batch(adapter: OrderAdapter, batch: _Batch, settings: ExchangeSettings) -> list[str]:
    """Apply a batch's changes in one transaction; its messages for 1C, each once."""
    messages = list(batch.messages)
    if not batch.changes:
        return messages
    failing = batch.changes[0]
    try:
        with transaction.atomic():
            for changes in batch.changes:
                failing = changes
                messages.extend(adapter.apply(changes, settings))
    except Exception as error:
        logger.exception("Changes from 1C to order %s failed", failing.label)
        order = batch.changes[0].label
        messages = [
            *batch.messages,
            INTERNAL_ERROR.format(number=order, error=type(error).__name__),
        ]
    return list(dict.fromkeys(messages))


# -- mode=info ---------------------------------------------------------------


def reference_xml(adapter: OrderAdapter | None = None) -> bytes:
    """The ``mode=info`` answer: statuses, payment systems, delivery services, in windows-1251.

    The lists come from the orders adapter; :func:`write_reference` writes them.
    """
    lists = (adapter or get_order_adapter()).reference()
    return write_reference(
        statuses=_pairs(lists.statuses),
        payment_systems=_pairs(lists.payment_systems),
        delivery_services=_pairs(lists.delivery_services),
    )


def _pairs(entries: list[ListEntry]) -> list[tuple[str, str]]:
    return [(entry.id, entry.name) for entry in entries]
