"""``manage.py shop_demo``: the example shop ready to show: demo catalog, admin user, addresses.

Imports the demo catalog through the real importer (once), fills empty order
lists with 1C-Bitrix's defaults, makes a superuser who may also exchange with
1C, and prints where everything is. Running it again changes nothing and
prints the same.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from cml_exchange.orders.reference import ensure_reference_lists
from example_shop.demo_catalog import DemoImportError, load_demo_catalog

ADMIN = "admin"


class Command(BaseCommand):
    help = (
        "Loads the demo catalog, creates the admin user (who may also exchange with 1C) "
        "and prints the addresses of the shop, the admin and the 1C exchange."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where it runs")
        parser.add_argument(
            "--password-file",
            type=Path,
            help="where the admin's generated password is kept "
            "(default: example_shop/var/demo-admin-password.txt)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            load_demo_catalog(log=self.stdout.write)
        except DemoImportError as error:
            raise CommandError(f"Демо-каталог не загрузился: {error}") from error
        for what in ensure_reference_lists():
            self.stdout.write(f"Созданы по умолчанию: {what}.")
        password_file = options["password_file"] or Path(settings.VAR_DIR) / (
            "demo-admin-password.txt"
        )
        password = self.admin_password(password_file)
        base = options["base_url"].rstrip("/")
        self.stdout.write("")
        self.stdout.write(f"Магазин:                  {base}{reverse('shop:home')}")
        self.stdout.write(f"Администрирование:        {base}{reverse('admin:index')}")
        self.stdout.write(f"Адрес сайта для 1С:       {base}{reverse('cml_exchange:exchange')}")
        self.stdout.write(f"Пользователь (админка и обмен с 1С): {ADMIN}")
        self.stdout.write(f"Пароль:                   {password}")

    def admin_password(self, password_file: Path) -> str:
        """Create the superuser with a new password kept in ``password_file``; its password.

        An admin that exists already keeps its password: the file's is shown if
        it still works, else a reminder that it was changed.
        """
        users = get_user_model()._default_manager
        kept = password_file.read_text("utf-8").strip() if password_file.exists() else ""
        user = users.filter(username=ADMIN).first()
        if user is None:
            kept = kept or secrets.token_urlsafe(9)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(kept + "\n", "utf-8")
            password_file.chmod(0o600)
            users.create_superuser(ADMIN, "admin@example.com", kept)
            self.stdout.write(f"Создан администратор {ADMIN}; пароль сохранён в {password_file}.")
            return kept
        if kept and user.check_password(kept):
            return kept
        return "(прежний: вы его меняли)"
