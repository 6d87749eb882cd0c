"""``manage.py cml_exchange_client URL ...``: play 1C against a site, step by step.

Two exchanges, as 1C runs them:

* the catalog, ``URL FILE...``: checkauth, init, file, import, deactivate,
  complete;
* the orders, ``URL --orders``: checkauth, init, query (the site's orders,
  saved with ``--save-query`` and counted), success, and with
  ``--send-orders FILE`` the upload and import of 1C's orders file.

A thin wire from :class:`cml_exchange.client.ExchangeClient` to the console:
each step is printed as the client reports it (its events, worded in the
site's language), uploads and imports as a progress bar on a terminal or a
plain line now and then elsewhere (:mod:`cml_exchange.management.console`),
and any failure ends the command with the site's message.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from lxml import etree

from cml_exchange.client import (
    ExchangeClient,
    ExchangeFailure,
)
from cml_exchange.management.console import Console
from cml_exchange.management.exchange_progress import ExchangeProgress

#: The business operation of an order document.
_ORDER_OPERATION = "Заказ товара"
#: The environment variable the password comes from when --password is not given.
PASSWORD_VARIABLE = "CML_EXCHANGE_PASSWORD"  # noqa: S105 (a variable's name, not a password)


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
        raise ValueError(
            _("the site sent XML that is not well-formed: %(error)s") % {"error": error}
        ) from None
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
        "--send-orders the upload and import of 1C's orders file). The password is "
        f"--password, else the {PASSWORD_VARIABLE} environment variable, else asked for."
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
        """Django's options; its ``--version`` also reads an old command line's schema version.

        ``--version`` alone prints Django's version, as in every command;
        ``--version 2.08``, as this command once took the schema version,
        still works (with a word on stderr) rather than print Django's
        version and send nothing.
        """
        if "--version" in args:
            kwargs = {
                "action": _VersionOrSchemaVersion,
                "version": kwargs.get("version", self.get_version()),
                "help": "Show program's version number and exit. With a value: the old "
                "spelling of --schema-version.",
            }
        super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", metavar="URL")
        parser.add_argument(
            "files", nargs="*", metavar="FILE", help="catalog XML files, in import order"
        )
        parser.add_argument("--user", required=True)
        parser.add_argument(
            "--password",
            help=f"the user's password (default: the {PASSWORD_VARIABLE} environment "
            "variable, else asked for on a terminal)",
        )
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
        parser.add_argument(
            "--schema-version",
            dest="cml_version",
            metavar="VERSION",
            help="CommerceML version sent with init, as 1C 8 does (e.g. 2.08)",
        )
        orders = parser.add_argument_group("orders (type=sale)")
        orders.add_argument(
            "--orders", action="store_true", help="exchange orders instead of the catalog"
        )
        orders.add_argument(
            "--save-query", metavar="PATH", help="save the site's orders document to PATH"
        )
        orders.add_argument(
            "--send-orders", metavar="FILE", help="then upload this orders file and import it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk"] is not None and options["chunk"] <= 0:
            raise CommandError(_("--chunk must be a positive number of bytes."))
        self.check_version(options)
        self.check_mode(options)
        client = ExchangeClient(
            options["url"],
            options["user"],
            self.password(options),
            timeout=options["timeout"],
        )
        try:
            with Console(self.stdout) as console:
                client.on_event = ExchangeProgress(console, client)
                if options["orders"]:
                    self.exchange_orders(client, console, options)
                else:
                    client.exchange_catalog(
                        options["files"],
                        zip=False if options["no_zip"] else None,
                        chunk=options["chunk"],
                        version=options["cml_version"],
                    )
        except ExchangeFailure as failure:
            raise CommandError(
                _("Exchange stopped at step %(mode)s: %(message)s")
                % {"mode": failure.mode, "message": failure.message}
            ) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(_("Exchange finished.")))

    def check_version(self, options: dict[str, Any]) -> None:
        """Take ``--version VERSION`` of an old command line as ``--schema-version VERSION``."""
        old = options.get("old_version")
        if old is None:
            return
        if options["cml_version"] not in (None, old):
            raise CommandError(
                _("--version %(old)s and --schema-version %(new)s disagree.")
                % {"old": old, "new": options["cml_version"]}
            )
        options["cml_version"] = old
        self.stderr.write(
            _(
                "--version VERSION is now --schema-version VERSION "
                "(--version alone shows Django's version)."
            )
        )

    def password(self, options: dict[str, Any]) -> str:
        """--password, else the environment's, else typed in (only when stdin is a terminal)."""
        if options["password"] is not None:
            return str(options["password"])
        if os.environ.get(PASSWORD_VARIABLE):
            return os.environ[PASSWORD_VARIABLE]
        if sys.stdin is not None and sys.stdin.isatty():
            return getpass.getpass(
                _("Password of %(user)s for %(url)s: ")
                % {"user": options["user"], "url": options["url"]}
            )
        raise CommandError(
            _(
                "No password: give --password, set the %(variable)s environment variable, "
                "or run the command on a terminal to type it in."
            )
            % {"variable": PASSWORD_VARIABLE}
        )

    def check_mode(self, options: dict[str, Any]) -> None:
        """Refuse a mix of the two exchanges' arguments before any request."""
        if not options["orders"]:
            if not options["files"]:
                raise CommandError(
                    _("Give the catalog files (FILE...), or --orders to exchange orders.")
                )
            for option in ("save_query", "send_orders"):
                if options[option]:
                    flag = "--" + option.replace("_", "-")
                    raise CommandError(
                        _("%(option)s is for the orders exchange only (--orders).")
                        % {"option": flag}
                    )
            return
        if options["files"]:
            raise CommandError(
                _(
                    "With --orders no catalog files are given; the orders file from 1C "
                    "goes in --send-orders."
                )
            )
        send = options["send_orders"]
        if send is not None and not Path(send).is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": send})

    def exchange_orders(
        self, client: ExchangeClient, console: Console, options: dict[str, Any]
    ) -> None:
        """checkauth, init, query (saved and counted), success, then the orders file if any."""
        client.checkauth("sale")
        client.init("sale", options["cml_version"])
        document = client.query()
        if options["save_query"]:
            Path(options["save_query"]).write_bytes(document)
            console.line(_("Orders saved to %(path)s") % {"path": options["save_query"]})
        documents, orders = count_documents(document)
        console.line(
            _("Documents sent by the site: %(documents)d, orders among them: %(orders)d")
            % {"documents": documents, "orders": orders}
        )
        client.success()
        if options["send_orders"]:
            _sent, _imported, errors = client.send_orders(
                options["send_orders"], chunk=options["chunk"]
            )
            if errors:
                console.line(
                    self.style.WARNING(
                        _("Errors loading the orders: %(count)d") % {"count": len(errors)}
                    )
                )


class _VersionOrSchemaVersion(argparse.Action):
    """``--version``: Django's version and exit; ``--version VALUE``: the schema version."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        version: str,
        help: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            option_strings,
            dest="old_version",
            nargs="?",
            default=None,
            metavar="VERSION",
            help=help,
        )
        self.version = version

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if values is None:
            sys.stdout.write(f"{self.version}\n")
            parser.exit()
        setattr(namespace, self.dest, values)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run it as: python manage.py cml_exchange_client URL --user U --password P FILE...")
