"""An import job's listed warnings move from a JSON column of the job to rows of their own.

The job's row is written after every batch; on SQLite a thousand warnings made
each of those writes some 700 KB. A job left unfinished keeps its warnings, in order.
"""

import django.db.models.deletion
from django.db import migrations, models

#: Rows written per statement while copying.
CHUNK = 1000


def warnings_to_rows(apps, schema_editor):
    ImportJob = apps.get_model("cml_exchange", "ImportJob")
    ImportWarning = apps.get_model("cml_exchange", "ImportWarning")
    for job_id, listed in ImportJob.objects.values_list("pk", "warnings").iterator():
        if not listed:
            continue
        rows = [
            ImportWarning(
                job_id=job_id,
                code=str(item.get("code", ""))[:100] if isinstance(item, dict) else "",
                message=str(item.get("message", "")) if isinstance(item, dict) else str(item),
            )
            for item in listed
        ]
        ImportWarning.objects.bulk_create(rows, batch_size=CHUNK)


def rows_to_warnings(apps, schema_editor):
    ImportJob = apps.get_model("cml_exchange", "ImportJob")
    ImportWarning = apps.get_model("cml_exchange", "ImportWarning")
    listed: dict[int, list[dict[str, str]]] = {}
    for job_id, code, message in ImportWarning.objects.order_by("pk").values_list(
        "job_id", "code", "message"
    ):
        listed.setdefault(job_id, []).append({"code": code, "message": message})
    for job_id, warnings in listed.items():
        ImportJob.objects.filter(pk=job_id).update(warnings=warnings)


class Migration(migrations.Migration):
    dependencies = [
        ("cml_exchange", "0031_offer_waiting_by_catalog"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportWarning",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(blank=True, max_length=100, verbose_name="warning kind")),
                ("message", models.TextField(verbose_name="message")),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="warning_rows",
                        to="cml_exchange.importjob",
                    ),
                ),
            ],
            options={
                "verbose_name": "import warning",
                "verbose_name_plural": "import warnings",
                "ordering": ["pk"],
            },
        ),
        migrations.RunPython(warnings_to_rows, rows_to_warnings),
        migrations.RemoveField(
            model_name="importjob",
            name="warnings",
        ),
    ]
