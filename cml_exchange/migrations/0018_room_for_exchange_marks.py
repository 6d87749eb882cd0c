# Storage only: no model state changes. PostgreSQL alone has the setting.

from django.db import migrations

#: Tables whose every row a full exchange rewrites (its ``last_seen_full`` mark), even unchanged.
MARKED_MODELS = ("product", "offer", "group")
#: Half of each page left free: room for the new version of every row on it (see below).
FILLFACTOR = 50


def _tables(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MARKED_MODELS:
        yield schema_editor.quote_name(apps.get_model("cml_exchange", name)._meta.db_table)


def leave_room(apps, schema_editor):
    """Rows rewritten on their own page: PostgreSQL's heap-only updates, no index touched.

    A full exchange marks every product and offer it mentions. With full pages,
    PostgreSQL writes each new row version to another page and adds an entry to
    every index of the table (13 on products): 1.1-1.4 s of a 4.5 s unchanged
    re-import of 10,000 products, and tables twice their size until vacuumed.
    With half of each page free the new version stays on its page and the
    indexes are left alone. Pages already full get the room as their rows
    move (after one exchange), or at once with VACUUM FULL.
    """
    for table in _tables(apps, schema_editor):
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps, schema_editor):
    for table in _tables(apps, schema_editor):
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("cml_exchange", "0017_sparse_flag_indexes"),
    ]

    operations = [migrations.RunPython(leave_room, fill_pages)]
