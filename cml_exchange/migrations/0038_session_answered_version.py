"""The orders schema the sale ``init`` answered (ExchangeSession.answered_version).

The exchange's ``query`` writes it, even if the settings' schema version changed
between the two requests. The column has a database default, so the site's
processes still running the code before it can open exchanges.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cml_exchange', '0037_file_limit_at_least_one'),
    ]

    operations = [
        migrations.AddField(
            model_name='exchangesession',
            name='answered_version',
            field=models.CharField(blank=True, db_default='', default='', max_length=16, verbose_name='schema version answered'),
        ),
    ]
