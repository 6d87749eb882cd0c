"""Whether a request came back to an exchange with its cookie (ExchangeSession.by_cookie).

Requests without a cookie no longer join such an exchange. The column has a database
default, so the site's processes still running the code before it can open exchanges.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cml_exchange', '0033_checksum_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='exchangesession',
            name='by_cookie',
            field=models.BooleanField(db_default=False, default=False, verbose_name='by cookie'),
        ),
    ]
