"""Deploy-time settings of the app, read lazily from Django settings named ``CML_EXCHANGE_*``.

Use the one accessor, ``app_settings``; each property reads Django's settings
when it is asked, so ``override_settings`` works in tests::

    from cml_exchange.conf import app_settings

    app_settings.UPLOAD_ROOT

What the shop owner changes in the admin (step interval, zip, what to do with
missing items…) is not here: it lives in the settings object edited in the
admin. Only what belongs to the people who deploy the site is read from
Django settings. ``docs/install.md`` lists these.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

from cml_exchange.exceptions import ConfigError

PREFIX = "CML_EXCHANGE_"

#: A network of trusted proxies (one address is a network of one).
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AppSettings:
    """Typed, lazily read ``CML_EXCHANGE_*`` settings with their defaults."""

    def _setting(self, name: str, default: Any) -> Any:
        return getattr(settings, PREFIX + name, default)

    @property
    def IMPORT_TASKS(self) -> str | None:
        """The task backend (an alias of Django's ``TASKS``) that runs imports, or ``None``.

        ``None`` (the default): each ``mode=import`` request imports for up to
        the step interval itself. An alias: imports run on that backend's
        workers and requests only report on them
        (:mod:`cml_exchange.importer.background`, docs/deployment.md).
        """
        value = self._setting("IMPORT_TASKS", None)
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigError(
                f"{PREFIX}IMPORT_TASKS должен быть именем бэкенда из TASKS или None, а не {value!r}"
            )
        return value

    @property
    def TASK_QUEUE(self) -> str:
        """The queue of the import tasks (default ``"default"``)."""
        return str(self._setting("TASK_QUEUE", "default"))

    @property
    def TASK_POLL(self) -> float:
        """Seconds an ``import`` request waits for a worker's import to end (default 0.5).

        1C asks again as soon as it reads ``progress``; the wait keeps it to a
        few requests a second. The answer comes at once when the import ends.
        """
        value = self._setting("TASK_POLL", 0.5)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 30:
            raise ConfigError(
                f"{PREFIX}TASK_POLL должен быть числом секунд от 0 до 30, а не {value!r}"
            )
        return float(value)

    @property
    def TASK_LEASE(self) -> int:
        """Seconds a worker holds an import without a sign of life (default 60).

        A worker renews it after each batch; when a worker dies, its import is
        taken up again this long after its last batch.
        """
        return max(1, self._positive("TASK_LEASE", 60))

    @property
    def TASK_WAIT(self) -> int:
        """Seconds an import task may wait for a worker (default 120).

        After that, the ``import`` requests of 1C import steps themselves, as
        without workers, and the job's warnings say so.
        """
        return self._positive("TASK_WAIT", 120)

    @property
    def UPLOAD_ROOT(self) -> Path:
        """Directory where exchange files from 1C are stored between requests.

        It must survive a restart of the site and must not be served to the
        public (order files hold personal data). Default: ``cml_exchange``
        under the system's temporary directory, which suits development only.
        """
        value = self._setting("UPLOAD_ROOT", None)
        if value is None:
            return Path(tempfile.gettempdir()) / "cml_exchange"
        if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
            raise ConfigError(f"{PREFIX}UPLOAD_ROOT должен быть путём к каталогу, а не {value!r}")
        return Path(os.fspath(value))

    def _positive(self, name: str, default: int) -> int:
        value = self._setting(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{PREFIX}{name} должен быть неотрицательным целым, а не {value!r}")
        return value

    @property
    def MAX_FILE_SIZE(self) -> int:
        """The largest file 1C may upload, in bytes (all its parts together). Default 4 GiB."""
        return self._positive("MAX_FILE_SIZE", 4 * 1024**3)

    @property
    def MAX_EXCHANGE_SIZE(self) -> int:
        """The most one exchange may upload, in bytes (all its files). Default 16 GiB."""
        return self._positive("MAX_EXCHANGE_SIZE", 16 * 1024**3)

    @property
    def AUTH_FAILURES(self) -> int:
        """Failed logins of one login name from one address in ``AUTH_WINDOW`` (default 10).

        After that many, that name is refused from that address, without its
        password being checked, until the oldest of them leaves the window.
        The same name from another address is not. ``0`` turns this off.
        """
        return self._positive("AUTH_FAILURES", 10)

    @property
    def AUTH_ADDRESS_FAILURES(self) -> int:
        """Failed logins from one address in ``AUTH_WINDOW``, whatever the names (default 50).

        After that many, every login from that address is refused: a caller
        trying many names. ``0`` turns this off.
        """
        return self._positive("AUTH_ADDRESS_FAILURES", 50)

    @property
    def AUTH_WINDOW(self) -> int:
        """The window for the failures above, and how long a login is then refused (s)."""
        return self._positive("AUTH_WINDOW", 15 * 60)

    @property
    def LOGIN_CACHE(self) -> int:
        """Seconds a login checked by Django's ``authenticate()`` is taken again unchecked.

        For clients that send their password with every request and no cookie:
        each such request would otherwise pay the password hasher (PBKDF2, a third
        of a second here). Only the same login and password, for the same active user
        whose stored password has not changed since, in the same process. Default
        600; ``0`` checks every request.
        """
        return self._positive("LOGIN_CACHE", 600)

    @property
    def SCAN_BESIDE_FROM(self) -> int:
        """Bytes from which a file is scanned in a second process while it is read.

        The importer scans a file whole before it writes anything; a file this
        large or larger is scanned by a child process instead while the import
        reads and writes its first batches, committed only once the scan has
        found the file sound (docs/import_workflow.md). Default 256 KiB; ``0``
        scans every file first, in the importing process.
        """
        return self._positive("SCAN_BESIDE_FROM", 256 * 1024)

    @property
    def SQLITE_IMPORT_CACHE(self) -> int:
        """Bytes of SQLite's page cache for an import step's connection, given back after it.

        SQLite keeps 2 MiB of pages a connection by default; a catalog of some
        100,000 products outgrows it, and each insert into its indexes reads pages
        back from the operating system (:mod:`~cml_exchange.importer.page_cache`).
        Default 32 MiB; ``0`` leaves the connection's cache as it is. Only ever
        raises the cache: a site that set a larger one keeps it.
        """
        return self._positive("SQLITE_IMPORT_CACHE", 32 * 1024 * 1024)

    @property
    def TRUSTED_PROXIES(self) -> tuple[IPNetwork, ...]:
        """The reverse proxies whose ``X-Forwarded-For`` tells the client's address.

        A list of addresses and networks (``"127.0.0.1"``, ``"10.0.0.0/8"``,
        ``"fd00::/8"``): what ``REMOTE_ADDR`` is when a request comes through
        them. Default: none, and the client is ``REMOTE_ADDR`` itself (a header
        from anyone else could be forged). ``docs/deployment.md`` shows nginx.
        """
        value = self._setting("TRUSTED_PROXIES", ())
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ConfigError(
                f"{PREFIX}TRUSTED_PROXIES должен быть списком адресов или сетей, а не {value!r}"
            )
        networks = []
        for entry in value:
            try:
                networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
            except ValueError:
                raise ConfigError(
                    f"{PREFIX}TRUSTED_PROXIES: «{entry}» не адрес и не сеть (например, "
                    f"127.0.0.1 или 10.0.0.0/8)"
                ) from None
        return tuple(networks)

    @property
    def KEEP_UNIMPORTED_HOURS(self) -> int:
        """How long ``init`` keeps a file uploaded but never imported (default 24 h)."""
        return self._positive("KEEP_UNIMPORTED_HOURS", 24)

    @property
    def MAX_IMAGE_PIXELS(self) -> int:
        """The most pixels (width × height) a product picture may have (default 50 million).

        A larger one is not stored, and is refused from its header, before it
        is decoded: decoding a PNG, WebP or TIFF costs up to 8 bytes a pixel.
        ``0`` leaves only Pillow's own limit (twice ``PIL.Image.MAX_IMAGE_PIXELS``).
        """
        return self._positive("MAX_IMAGE_PIXELS", 50_000_000)

    @property
    def ORDER_ADAPTER(self) -> str:
        """Dotted path of the class the orders exchange works through (``docs/orders.md``).

        Default: ``cml_exchange.orders.default.ModelOrderAdapter``, the app's own order models.
        """
        value = self._setting("ORDER_ADAPTER", "cml_exchange.orders.default.ModelOrderAdapter")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{PREFIX}ORDER_ADAPTER должен быть путём к классу, а не {value!r}")
        return value

    @property
    def CATALOG_ADAPTER(self) -> str:
        """Dotted path of the class the importer tells catalog changes (``docs/adapters.md``).

        Default: ``cml_exchange.importer.adapter.ModelCatalogAdapter``: the app's own models
        are the catalog.
        """
        value = self._setting(
            "CATALOG_ADAPTER", "cml_exchange.importer.adapter.ModelCatalogAdapter"
        )
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{PREFIX}CATALOG_ADAPTER должен быть путём к классу, а не {value!r}")
        return value


app_settings = AppSettings()
