"""1C-Bitrix's three standard order statuses, which 1C's exchange module knows by letter."""

from django.db import migrations

#: (code, name, position, final): N, P and F as 1C-Bitrix ships them.
STATUSES = [
    ("N", "Принят, ожидается оплата", 10, False),
    ("P", "Оплачен, формируется к отправке", 20, False),
    ("F", "Выполнен", 30, True),
]


def add_statuses(apps, schema_editor):
    OrderStatus = apps.get_model("cml_exchange", "OrderStatus")
    ExchangeSettings = apps.get_model("cml_exchange", "ExchangeSettings")
    for code, name, position, final in STATUSES:
        OrderStatus.objects.get_or_create(
            code=code, defaults={"name": name, "position": position, "final": final}
        )
    final = OrderStatus.objects.get(code="F")
    ExchangeSettings.objects.filter(shipment_status__isnull=True).update(shipment_status=final)


class Migration(migrations.Migration):
    dependencies = [("cml_exchange", "0003_orders")]

    operations = [migrations.RunPython(add_statuses, migrations.RunPython.noop)]
