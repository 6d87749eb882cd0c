"""``manage.py cml_status``: what the catalog holds, and how the last imports went.

The table is in Russian, as 1C's own messages are: the jobs' status, stage,
counters and files by their Russian names (the app's ``ru`` catalog), their
times in the site's time zone (``TIME_ZONE``). ``--json`` keeps the keys as
the job stores them, and the times as ISO 8601 in the site's time zone.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from cml_exchange import moments
from cml_exchange.importer import labels
from cml_exchange.models import (
    Group,
    ImportJob,
    Offer,
    Price,
    PriceType,
    Product,
    ProductImage,
    Property,
    Stock,
    Warehouse,
)

_LABELS = {
    "groups": "Группы",
    "properties": "Свойства",
    "products": "Товары",
    "products_active": "  из них активны",
    "offers": "Предложения",
    "offers_active": "  из них активны",
    "price_types": "Типы цен",
    "prices": "Цены",
    "warehouses": "Склады",
    "stock_rows": "Остатки по складам",
    "images": "Картинки",
    "orders": "Заказы",
}


def counts() -> dict[str, int]:
    """The catalog's counts, by the names of ``cml_status --json``."""
    order = apps.all_models["cml_exchange"].get("order")  # arrives with the orders exchange
    orders = order._default_manager.count() if order is not None else 0
    return {
        "groups": Group.objects.count(),
        "properties": Property.objects.count(),
        "products": Product.objects.count(),
        "products_active": Product.objects.filter(active=True).count(),
        "offers": Offer.objects.count(),
        "offers_active": Offer.objects.filter(active=True).count(),
        "price_types": PriceType.objects.count(),
        "prices": Price.objects.count(),
        "warehouses": Warehouse.objects.count(),
        "stock_rows": Stock.objects.count(),
        "images": ProductImage.objects.count(),
        "orders": orders,
    }


def job_summary(job: ImportJob) -> dict[str, Any]:
    """The job as ``--json`` shows it: times in the site's time zone, keys as stored."""
    return {
        "id": job.pk,
        "files": job.files,
        "status": job.status,
        "stage": job.stage,
        "created": moments.shown(job.created).isoformat(),
        "started": moments.shown(job.started).isoformat() if job.started else None,
        "finished": moments.shown(job.finished).isoformat() if job.finished else None,
        "steps": job.steps,
        "message": job.message,
        "error": job.error,
        "counters": job.counters,
        "warnings": sum(job.warning_counts.values()),
    }


class Command(BaseCommand):
    help = "Shows the catalog's counts and the last import jobs with their outcome."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object")
        parser.add_argument("--jobs", type=int, default=5, help="how many import jobs to show")

    def handle(self, *args: Any, **options: Any) -> None:
        data = counts()
        jobs = list(ImportJob.objects.order_by("-created")[: options["jobs"]])
        if options["json"]:
            summary = {**data, "jobs": [job_summary(job) for job in jobs]}
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        width = max(len(label) for label in _LABELS.values())
        for key, label in _LABELS.items():
            self.stdout.write(f"{label:<{width}}  {data[key]:>10}")
        if jobs:
            self.stdout.write("")
            self.stdout.write("Последние импорты:")
        with translation.override("ru"):
            for job in jobs:
                self._write_job(job)

    def _write_job(self, job: ImportJob) -> None:
        """``№3 2026-12-04 15:30:12 выполнено (этап: выполнено): import.xml (каталог)…``."""
        files = ", ".join(_file(str(name)) for name in job.files or [])
        state = str(job.get_status_display())
        if job.stage:
            state += f" (этап: {job.get_stage_display()})"
        self.stdout.write(
            f"  №{job.pk} {moments.shown(job.created):%Y-%m-%d %H:%M:%S} {state}: {files}"
        )
        self.stdout.write(f"      {job.error or job.message}")
        counted = labels.counters(job.counters)
        if counted:
            self.stdout.write("      " + "; ".join(f"{c.label}: {c.value}" for c in counted))


def _file(name: str) -> str:
    kind = labels.file_kind(name)
    return f"{name} ({kind})" if kind else name
