"""``manage.py cml_exchange_client URL FILE...``: play 1C against a site, step by step.

A thin wire from :class:`cml_exchange.client.ExchangeClient` to the console:
each step of the exchange is printed as the client reports it, and any
failure ends the command with the site's message.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cml_exchange.client import ExchangeClient, ExchangeFailure


class Command(BaseCommand):
    help = (
        "Runs a catalog exchange against a site as 1C:Enterprise does (checkauth, init, "
        "file, import, deactivate, complete) and prints each step. URL is the exchange "
        "script's address, e.g. https://shop.example/bitrix/admin/1c_exchange.php. "
        "The pictures in import_files/ next to the XML files are sent too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", metavar="URL")
        parser.add_argument("files", nargs="+", metavar="FILE", help="XML files, in import order")
        parser.add_argument("--user", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--no-zip", action="store_true", help="send the files one by one even if the site zips"
        )
        parser.add_argument(
            "--chunk",
            type=int,
            metavar="BYTES",
            help="largest part of a file per request (default: the site's file_limit)",
        )
        parser.add_argument(
            "--timeout", type=float, default=120.0, help="seconds to wait for each reply"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk"] is not None and options["chunk"] <= 0:
            raise CommandError("--chunk должен быть положительным числом байт")
        client = ExchangeClient(
            options["url"],
            options["user"],
            options["password"],
            timeout=options["timeout"],
            log=self.stdout.write,
        )
        try:
            client.exchange_catalog(
                options["files"],
                zip=False if options["no_zip"] else None,
                chunk=options["chunk"],
            )
        except ExchangeFailure as failure:
            raise CommandError(f"Обмен прерван на шаге {failure.mode}: {failure.message}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS("Обмен завершен."))


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run it as: python manage.py cml_exchange_client URL --user U --password P FILE...")
