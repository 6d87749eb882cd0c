"""The key of the importer that wrote the items' checksums and digests (importer.checksum_key).

Its one row is made here, with no key, so that two processes starting at once both
find it to lock; the first import clears the checksums and records its key.
"""

from django.db import migrations, models


def add_row(apps, schema_editor):
    ChecksumKey = apps.get_model("cml_exchange", "ChecksumKey")
    ChecksumKey.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"key": ""}
    )


class Migration(migrations.Migration):

    dependencies = [
        ('cml_exchange', '0032_import_warning_rows'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChecksumKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64)),
                ('recorded', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'key of the stored checksums',
                'verbose_name_plural': 'keys of the stored checksums',
            },
        ),
        migrations.RunPython(add_row, migrations.RunPython.noop),
    ]
