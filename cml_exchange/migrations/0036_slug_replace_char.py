"""The slug replacement is "_" or "-" (ExchangeSettings.slug_replace_char).

Any other character ("/", "?", "%"...) made slugs that the site's URLs cannot
hold: the storefront's lists failed on the products 1C created. A stored one
goes back to Bitrix's default "_".
"""

import django.core.validators
from django.db import migrations, models


def back_to_underscore(apps, schema_editor):
    ExchangeSettings = apps.get_model("cml_exchange", "ExchangeSettings")
    ExchangeSettings.objects.exclude(slug_replace_char__in=["_", "-"]).update(
        slug_replace_char="_"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('cml_exchange', '0035_session_remarks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='exchangesettings',
            name='slug_replace_char',
            field=models.CharField(default='_', help_text="“_” or “-”: a slug is part of the product's address on the site.", max_length=1, validators=[django.core.validators.RegexValidator('\\A[-_]\\Z', "Only “_” or “-”: a slug cannot hold other characters, and the product's page would have no address.")], verbose_name='replacement for characters that cannot be in a slug'),
        ),
        migrations.RunPython(back_to_underscore, migrations.RunPython.noop, elidable=True),
    ]
