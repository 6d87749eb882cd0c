# Written by hand: no model changes, only PostgreSQL's extra indexes dropped.

from django.db import migrations

#: The text columns of the busiest tables whose db_index or unique makes Django add, on
#: PostgreSQL, a second index with varchar_pattern_ops (for LIKE 'abc%', which nothing in
#: the app asks of them). Each new row paid for it: the four of the products were a third
#: of their COPY's time. The plain (or unique) index of each column stays.
TWINS = {
    "product": ["external_id", "slug", "article", "barcode"],
    "offer": ["external_id", "barcode"],
}


def _twins(apps, schema_editor):
    for model_name, fields in TWINS.items():
        model = apps.get_model("cml_exchange", model_name)
        for name in fields:
            field = model._meta.get_field(name)
            yield model, field, schema_editor._create_index_name(
                model._meta.db_table, [field.column], suffix="_like"
            )


def drop_twins(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _model, _field, index in _twins(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


def create_twins(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, field, _index in _twins(apps, schema_editor):
        statement = schema_editor._create_like_index_sql(model, field)
        if statement is not None:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('cml_exchange', '0024_offer_waiting_product_index'),
    ]

    operations = [migrations.RunPython(drop_twins, create_twins)]
