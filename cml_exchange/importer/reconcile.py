"""The reconciliation at the end of each file: never a silent success.

What the file's scan counted is compared with what its batches wrote or
found unchanged (the job's counters since the file's reading began), and
offers left without a product are counted. Each difference is a sentence
for 1C's reply, the monitor and ``cml_import`` (docs/import_workflow.md).
"""

from __future__ import annotations

from cml_exchange.importer import messages
from cml_exchange.models import ImportJob


def reconcile(job: ImportJob, name: str, before: dict[str, int]) -> list[str]:
    """The differences of file ``name`` between its scan and what was stored; ``[]`` if none.

    ``before`` are the job's counters when the file's reading began (the
    job's counters must be checkpointed first).
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
    orphans = job.counters.get("offers_without_product", 0)
    orphans -= before.get("offers_without_product", 0)
    if orphans:
        differences.append(messages.without_product(name, orphans))
    return differences
