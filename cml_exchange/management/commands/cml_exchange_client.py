"""``manage.py cml_exchange_client URL ...``: play 1C against a site, step by step.

Two exchanges, as 1C runs them:

* the catalog, ``URL FILE...``: checkauth, init, file, import, deactivate,
  complete;
* the orders, ``URL --orders``: checkauth, init, query (the site's orders,
  saved with ``--save-query`` and counted), success, and with
  ``--send-orders FILE`` the upload and import of 1C's orders file.

A thin wire from :class:`cml_exchange.client.ExchangeClient` to the console:
each step is printed as the client reports it, and any failure ends the
command with the site's message.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from lxml import etree

from cml_exchange.client import ExchangeClient, ExchangeFailure

#: The business operation of an order document.
_ORDER_OPERATION = "Заказ товара"


def count_documents(document: bytes) -> tuple[int, int]:
    """How many ``Документ`` an orders document holds, and how many of them are orders.

    Documents are counted under the root and in ``Контейнер`` (CommerceML
    3), in any namespace; orders are those whose ``ХозОперация`` is
    ``Заказ товара`` (the rest are 2.10+ payments and shipments). Raises
    :class:`ValueError` for a document that is not well-formed XML.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"сайт прислал неверный XML: {error}") from None
    documents = orders = 0
    for element in root.iter("{*}Документ"):
        parent = element.getparent()
        if parent is None or (parent is not root and etree.QName(parent).localname != "Контейнер"):
            continue
        documents += 1
        operation = element.find("{*}ХозОперация")
        if operation is not None and (operation.text or "").strip() == _ORDER_OPERATION:
            orders += 1
    return documents, orders


class Command(BaseCommand):
    help = (
        "Runs an exchange against a site as 1C:Enterprise does and prints each step. URL is "
        "the exchange script's address, e.g. https://shop.example/bitrix/admin/1c_exchange.php. "
        "With FILE...: the catalog exchange (checkauth, init, file, import, deactivate, "
        "complete); the pictures in import_files/ next to the XML files are sent too. With "
        "--orders: the orders exchange (checkauth, init, query, success, and with "
        "--send-orders the upload and import of 1C's orders file)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The parser, reading FILE... after the options too (``URL --user U ... FILE...``).

        argparse gives arguments after options to a positional that may be
        empty only when it parses them intermixed.
        """
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.parse_args = parser.parse_intermixed_args  # type: ignore[method-assign]
        return parser

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        """Django's options, less its ``--version``: here that is the version sent with init."""
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", metavar="URL")
        parser.add_argument(
            "files", nargs="*", metavar="FILE", help="catalog XML files, in import order"
        )
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
        orders = parser.add_argument_group("orders (type=sale)")
        orders.add_argument(
            "--orders", action="store_true", help="exchange orders instead of the catalog"
        )
        parser.add_argument(
            "--version",
            dest="cml_version",
            metavar="VERSION",
            help="CommerceML version sent with init, as 1C 8 does (e.g. 2.08)",
        )
        orders.add_argument(
            "--save-query", metavar="PATH", help="save the site's orders document to PATH"
        )
        orders.add_argument(
            "--send-orders", metavar="FILE", help="then upload this orders file and import it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk"] is not None and options["chunk"] <= 0:
            raise CommandError("--chunk должен быть положительным числом байт")
        self.check_mode(options)
        client = ExchangeClient(
            options["url"],
            options["user"],
            options["password"],
            timeout=options["timeout"],
            log=self.stdout.write,
        )
        try:
            if options["orders"]:
                self.exchange_orders(client, options)
            else:
                client.exchange_catalog(
                    options["files"],
                    zip=False if options["no_zip"] else None,
                    chunk=options["chunk"],
                    version=options["cml_version"],
                )
        except ExchangeFailure as failure:
            raise CommandError(f"Обмен прерван на шаге {failure.mode}: {failure.message}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS("Обмен завершен."))

    def check_mode(self, options: dict[str, Any]) -> None:
        """Refuse a mix of the two exchanges' arguments before any request."""
        if not options["orders"]:
            if not options["files"]:
                raise CommandError("Укажите файлы каталога (FILE...) или --orders для заказов.")
            for option in ("save_query", "send_orders"):
                if options[option]:
                    flag = "--" + option.replace("_", "-")
                    raise CommandError(f"{flag} — только для обмена заказами (--orders).")
            return
        if options["files"]:
            raise CommandError(
                "С --orders файлы каталога не указываются; файл заказов из 1С — в --send-orders."
            )
        send = options["send_orders"]
        if send is not None and not Path(send).is_file():
            raise CommandError(f"Файл не найден: {send}")

    def exchange_orders(self, client: ExchangeClient, options: dict[str, Any]) -> None:
        """checkauth, init, query (saved and counted), success, then the orders file if any."""
        client.checkauth("sale")
        client.init("sale", options["cml_version"])
        document = client.query()
        if options["save_query"]:
            Path(options["save_query"]).write_bytes(document)
            self.stdout.write(f"Выгрузка сохранена в {options['save_query']}")
        documents, orders = count_documents(document)
        self.stdout.write(f"Документов в выгрузке: {documents}, из них заказов: {orders}")
        client.success()
        if options["send_orders"]:
            _sent, _imported, errors = client.send_orders(
                options["send_orders"], chunk=options["chunk"]
            )
            if errors:
                self.stdout.write(self.style.WARNING(f"Ошибок при загрузке заказов: {len(errors)}"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run it as: python manage.py cml_exchange_client URL --user U --password P FILE...")
