"""Whether an import of the exchange did not take all 1C sent (ExchangeSession.remarks).

The monitor shows such an exchange "успешно, с замечаниями" from a column of its own,
not by reading the request log. Exchanges before this migration have none.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cml_exchange', '0034_session_by_cookie'),
    ]

    operations = [
        migrations.AddField(
            model_name='exchangesession',
            name='remarks',
            field=models.BooleanField(db_default=False, default=False, verbose_name='remarks'),
        ),
    ]
