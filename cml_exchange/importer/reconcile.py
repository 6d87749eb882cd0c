"""The reconciliation at the end of each file: never a silent success.

What the file's scan counted is compared with what its batches wrote or
found unchanged (the job's counters since the file's reading began), and
offers left without a product, or linked to one that came after them, and
references to groups and properties not yet declared, or made now that they
are, are counted. Each difference or note is a sentence for 1C's reply, the monitor
and ``cml_import`` (docs/import_workflow.md).
"""

from __future__ import annotations

from collections.abc import Callable

from cml_exchange.importer import messages
from cml_exchange.models import ImportJob


def reconcile(job: ImportJob, name: str, before: dict[str, int]) -> tuple[list[str], list[str]]:
    """File ``name``'s differences between its scan and what was stored, and its notes.

    A difference is something of the file that was not stored. A note is
    something stored that is not whole yet (offers left without their
    product), or was made whole by this file (offers that came before their
    products and now have them). ``before`` are the job's counters when the
    file's reading began (the job's counters must be checkpointed first).
    """
    found = job.state.get("scans", {}).get(name, {})
    # Offers without an Ид hold nothing (ERP sends them); the reader counts them apart.
    empty = {"offers": int(job.state.get("skipped", {}).get("empty_offer", 0))}
    differences = []
    for kind, (_label, counters) in messages.RECONCILED.items():
        stored = sum(job.counters.get(c, 0) - before.get(c, 0) for c in counters)
        stored += empty.get(kind, 0)
        if stored != found.get(kind, 0):
            differences.append(messages.difference(name, kind, found.get(kind, 0), stored))
    notes = []
    for note, counters in _NOTES:
        count = sum(job.counters.get(c, 0) - before.get(c, 0) for c in counters)
        if count:
            notes.append(note(name, count))
    return differences, notes


#: The notes, each with the counters whose growth during the file it reports.
_NOTES: tuple[tuple[Callable[[str, int], str], tuple[str, ...]], ...] = (
    (messages.without_product, ("offers_without_product",)),
    (messages.references_waiting, ("references_waiting",)),
    (messages.linked_to_products, ("offers_linked",)),
    (messages.references_made, ("pending_groups_linked", "pending_values_written")),
)
