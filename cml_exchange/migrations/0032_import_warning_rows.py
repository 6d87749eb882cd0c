"""An import job's listed warnings move from a JSON column of the job to rows of their own.

The job's row is written after every batch; on SQLite a thousand warnings made
each of those writes some 700 KB. A job left unfinished keeps its warnings, in order.
"""

import django.db.models.deletion
from django.db import migrations, models

#: Rows written per statement while copying.
CHUNK = 1000


def _listed(item):
    """A stored warning as a row's (code, message): the app wrote ``{"code", "message"}``."""
    if isinstance(item, dict):
        return str(item.get("code") or "")[:100], str(item.get("message") or "")
    return "", str(item)


def warnings_to_rows(apps, schema_editor):
    ImportJob = apps.get_model("cml_exchange", "ImportJob")
    ImportWarning = apps.get_model("cml_exchange", "ImportWarning")
    # A job at a time: a shop keeps every job, some with a thousand warnings (500 KB) each.
    for job_id in ImportJob.objects.order_by("pk").values_list("pk", flat=True).iterator():
        listed = ImportJob.objects.filter(pk=job_id).values_list("warnings", flat=True).first()
        if not isinstance(listed, list) or not listed:
            continue
        ImportWarning.objects.bulk_create(
            (
                ImportWarning(job_id=job_id, code=code, message=message)
                for code, message in map(_listed, listed)
            ),
            batch_size=CHUNK,
        )


def rows_to_warnings(apps, schema_editor):
    ImportJob = apps.get_model("cml_exchange", "ImportJob")
    ImportWarning = apps.get_model("cml_exchange", "ImportWarning")
    jobs = ImportWarning.objects.order_by("job_id").values_list("job_id", flat=True).distinct()
    for job_id in jobs.iterator():
        rows = ImportWarning.objects.filter(job_id=job_id).order_by("pk")
        warnings = [
            {"code": code, "message": message}
            for code, message in rows.values_list("code", "message").iterator()
        ]
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
