"""``manage.py oscar_sandbox``: the Oscar sandbox ready to show, and where 1C is to send.

Makes Russia a shipping country (Oscar's checkout offers only those, and a new
database has none), the superuser (Oscar's storefront logs in by e-mail:
``admin@example.com``) and a user for 1C with the permission "Can exchange with 1C", both with
passwords generated once and kept in ``oscar_shop/var/``; loads the example
shop's demo catalog through the importer (and so through the Oscar adapter)
unless ``--no-demo``; prints the addresses. Running it again changes nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from oscar.core.loading import get_model

from example_shop.demo_catalog import DemoImportError, load_demo_catalog

ADMIN = "admin"
EXCHANGE_USER = "1c"


class Command(BaseCommand):
    help = "Creates the admin and 1C's user, loads the demo catalog, prints the addresses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where it runs")
        parser.add_argument("--no-demo", action="store_true", help="no demo catalog")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_demo"]:
            try:
                load_demo_catalog(log=self.stdout.write)
            except DemoImportError as error:
                raise CommandError(f"Демо-каталог не загрузился: {error}") from error
        self.shipping_country()
        var = Path(settings.VAR_DIR)
        admin = self.user(ADMIN, var / "admin-password.txt", superuser=True)
        exchange = self.user(EXCHANGE_USER, var / "1c-password.txt", superuser=False)
        base = options["base_url"].rstrip("/")
        self.stdout.write("")
        self.stdout.write(f"Магазин (Oscar):          {base}/")
        self.stdout.write(f"Панель Oscar:             {base}{reverse('dashboard:index')}")
        self.stdout.write(f"Администрирование Django: {base}{reverse('admin:index')}")
        self.stdout.write(f"  вход: {ADMIN} (в магазине: admin@example.com), пароль {admin}")
        self.stdout.write("")
        self.stdout.write("1С: «Обмен с сайтом» → узел обмена → «Адрес сайта»:")
        self.stdout.write(f"  {base}{reverse('cml_exchange:exchange')}")
        self.stdout.write(f"  пользователь {EXCHANGE_USER}, пароль {exchange}")
        self.stdout.write(
            f"  или без 1С: python oscar_shop/manage.py cml_exchange_client "
            f"{base}{reverse('cml_exchange:exchange')} --user {EXCHANGE_USER} "
            f"--password {exchange} import.xml offers.xml"
        )

    def shipping_country(self) -> None:
        """Russia, unless the shop ships somewhere already."""
        country = get_model("address", "Country")
        if not country.objects.filter(is_shipping_country=True).exists():
            country.objects.update_or_create(
                iso_3166_1_a2="RU",
                defaults={
                    "iso_3166_1_a3": "RUS",
                    "iso_3166_1_numeric": "643",
                    "printable_name": "Россия",
                    "name": "Российская Федерация",
                    "is_shipping_country": True,
                },
            )
            self.stdout.write("Страна доставки: Россия.")

    def user(self, name: str, password_file: Path, *, superuser: bool) -> str:
        """Create ``name`` with a password kept in ``password_file`` (once); its password."""
        users = get_user_model()._default_manager
        kept = password_file.read_text("utf-8").strip() if password_file.exists() else ""
        user = users.filter(username=name).first()
        if user is None:
            kept = kept or secrets.token_urlsafe(9)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(kept + "\n", "utf-8")
            password_file.chmod(0o600)
            email = f"{name}@example.com"
            if superuser:
                users.create_superuser(name, email, kept)
            else:
                user = users.create_user(name, email, kept)
                user.user_permissions.add(
                    Permission.objects.get(
                        codename="exchange", content_type__app_label="cml_exchange"
                    )
                )
            self.stdout.write(f"Создан пользователь {name}; пароль сохранён в {password_file}.")
            return kept
        if kept and user.check_password(kept):
            return kept
        return "(прежний: вы его меняли)"
