"""``manage.py cml_status``: what the catalog holds, and how the last imports went."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

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
_STATUS = {"pending": "ожидает", "running": "идет", "done": "завершен", "failed": "ошибка"}


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
    return {
        "id": job.pk,
        "files": job.files,
        "status": job.status,
        "stage": job.stage,
        "created": job.created.isoformat(),
        "started": job.started.isoformat() if job.started else None,
        "finished": job.finished.isoformat() if job.finished else None,
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
        jobs = [
            job_summary(job) for job in ImportJob.objects.order_by("-created")[: options["jobs"]]
        ]
        if options["json"]:
            self.stdout.write(json.dumps({**data, "jobs": jobs}, ensure_ascii=False))
            return
        width = max(len(label) for label in _LABELS.values())
        for key, label in _LABELS.items():
            self.stdout.write(f"{label:<{width}}  {data[key]:>10}")
        if jobs:
            self.stdout.write("")
            self.stdout.write("Последние импорты:")
        for job in jobs:
            status = _STATUS.get(job["status"], job["status"])
            files = ", ".join(job["files"])
            self.stdout.write(f"  №{job['id']} {job['created'][:19]} {status}: {files}")
            self.stdout.write(f"      {job['error'] or job['message']}")
