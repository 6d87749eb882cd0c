"""System checks (``manage.py check``): what keeps 1C from exchanging with the site.

``CmlExchangeConfig.ready()`` registers them, each with the tag :data:`TAG` as
well as Django's own tags, so ``manage.py check --tag cml_exchange`` runs exactly
these. Each message says what is wrong and its hint says what to do;
``docs/settings.md`` lists them all. Every check is silenced in the usual way,
``SILENCED_SYSTEM_CHECKS = ["cml_exchange.W003"]``. The two that read a database
(W002, W007) live in :mod:`cml_exchange.database_checks`.

- ``E001`` a ``CML_EXCHANGE_*`` setting has a value the app cannot use;
- ``E002`` ``CML_EXCHANGE_ORDER_ADAPTER`` names no ``OrderAdapter``;
- ``E003`` ``CML_EXCHANGE_CATALOG_ADAPTER`` names no ``CatalogAdapter``, or its ``loads``
  are wrong;
- ``E004`` ``CML_EXCHANGE_IMPORT_TASKS`` is set, but the Tasks API is missing or has no
  such backend;
- ``W001`` no URL of the project leads to the exchange endpoint;
- ``W002`` the part size told to 1C (``file_limit``, in the database) exceeds
  ``CML_EXCHANGE_MAX_FILE_SIZE``; only with ``check --database`` and at ``migrate``;
- ``W003`` the upload root cannot be written;
- ``W004`` the upload root lies inside ``MEDIA_ROOT`` or ``STATIC_ROOT``;
- ``W005`` the default storage is local and its directory cannot be written;
- ``W006`` (``--deploy``) the upload root is the development default in /tmp;
- ``W007`` a SQLite database of the app takes fewer parameters a statement than the
  importer sends (a build's limit below 32,766); only with ``check --database`` and at
  ``migrate``;
- ``I001`` (``--deploy``) the ``Authorization`` header must reach the application.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string

from cml_exchange.conf import PREFIX, app_settings
from cml_exchange.exceptions import ConfigError

#: The tag every check of the app carries: ``manage.py check --tag cml_exchange``.
TAG = "cml_exchange"

SETTINGS_DOC = "See docs/settings.md."
DEPLOYMENT_DOC = "See docs/deployment.md"

#: The ``app_settings`` properties E001 reads; each raises ``ConfigError`` on a bad value.
SETTING_NAMES = (
    "UPLOAD_ROOT",
    "MAX_FILE_SIZE",
    "MAX_EXCHANGE_SIZE",
    "AUTH_FAILURES",
    "AUTH_ADDRESS_FAILURES",
    "AUTH_WINDOW",
    "LOGIN_CACHE",
    "SCAN_BESIDE_FROM",
    "SQLITE_IMPORT_CACHE",
    "TRUSTED_PROXIES",
    "KEEP_UNIMPORTED_HOURS",
    "ORDER_ADAPTER",
    "CATALOG_ADAPTER",
    "MAX_IMAGE_PIXELS",
    "IMPORT_TASKS",
    "TASK_QUEUE",
    "TASK_POLL",
    "TASK_LEASE",
    "TASK_WAIT",
)


def check_settings(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """E001: every ``CML_EXCHANGE_*`` setting has a value of the right kind."""
    messages: list[CheckMessage] = []
    for name in SETTING_NAMES:
        try:
            getattr(app_settings, name)
        except ConfigError:
            value = getattr(settings, PREFIX + name)
            messages.append(
                Error(
                    f"{PREFIX}{name} has a value the app cannot use: {value!r}.",
                    hint=f"Give a value of the kind docs/settings.md names, or remove the "
                    f"setting to use the default. {SETTINGS_DOC}",
                    id="cml_exchange.E001",
                )
            )
    return messages


def check_order_adapter(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """E002: ``CML_EXCHANGE_ORDER_ADAPTER`` can be imported and is an ``OrderAdapter``."""
    from cml_exchange.orders.adapter import OrderAdapter

    return _adapter_problems(
        "ORDER_ADAPTER",
        OrderAdapter,
        "the orders exchange (type=sale) would fail.",
        "the app's own order models. See docs/orders.md.",
        "cml_exchange.E002",
    )


def check_catalog_adapter(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """E003: ``CML_EXCHANGE_CATALOG_ADAPTER`` is a ``CatalogAdapter`` whose ``loads`` are right."""
    from cml_exchange.importer.adapter import CatalogAdapter, loads_problem

    return _adapter_problems(
        "CATALOG_ADAPTER",
        CatalogAdapter,
        "every catalog import would fail.",
        "the app's own catalog models. See docs/adapters.md.",
        "cml_exchange.E003",
        loads_problem,
    )


def _adapter_problems(
    name: str,
    base: type,
    consequence: str,
    default: str,
    check_id: str,
    class_problem: Callable[[Any], str | None] = lambda adapter: None,
) -> list[CheckMessage]:
    try:
        path = getattr(app_settings, name)
    except ConfigError:
        return []  # E001 reports it
    try:
        adapter = import_string(path)
    except ImportError as error:
        problem = f"cannot be imported ({error})"
    else:
        if not (isinstance(adapter, type) and issubclass(adapter, base)):
            problem = f"is not a subclass of {base.__module__}.{base.__name__}"
        elif wrong := class_problem(adapter):
            problem = f"is wrong: {wrong}"
        else:
            return []
    return [
        Error(
            f"{PREFIX}{name} names {path!r}, which {problem}; {consequence}",
            hint=f"Name a subclass of {base.__module__}.{base.__name__}, or remove the "
            f"setting to use {default}",
            id=check_id,
        )
    ]


def check_endpoint_mounted(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """W001: some URL pattern of the project resolves to ``ExchangeView``."""
    try:
        patterns = get_resolver().url_patterns if getattr(settings, "ROOT_URLCONF", None) else []
        if _mounted(patterns):
            return []
    except (ImportError, ImproperlyConfigured):
        return []  # a broken URLconf: Django's own checks report it
    return [
        Warning(
            "The 1C exchange endpoint is not mounted: no URL pattern of the project "
            "resolves to cml_exchange.protocol.views.ExchangeView.",
            hint='Add path("", include("cml_exchange.urls")) to the project\'s URLconf; '
            "1C then finds the site at /1c_exchange.php. " + SETTINGS_DOC,
            id="cml_exchange.W001",
        )
    ]


def _mounted(patterns: Sequence[URLPattern | URLResolver]) -> bool:
    from cml_exchange.protocol.views import ExchangeView

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if _mounted(pattern.url_patterns):
                return True
        else:
            view_class = getattr(pattern.callback, "view_class", None)
            if isinstance(view_class, type) and issubclass(view_class, ExchangeView):
                return True
    return False


def check_upload_root(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """W003: the upload root can be written; W004: it is not inside MEDIA_ROOT or STATIC_ROOT."""
    try:
        root = app_settings.UPLOAD_ROOT
    except ConfigError:
        return []  # E001 reports it
    messages: list[CheckMessage] = []
    problem = _why_not_writable(root)
    if problem is not None:
        messages.append(
            Warning(
                f"The directory for files from 1C ({PREFIX}UPLOAD_ROOT, {root}) {problem}.",
                hint="Create it and let the user the site runs as write to it, or point "
                f"{PREFIX}UPLOAD_ROOT elsewhere. (This check runs as the user who runs "
                f'manage.py.) {DEPLOYMENT_DOC}, "Where files go".',
                id="cml_exchange.W003",
            )
        )
    resolved = root.resolve()
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, name, None)
        if public and resolved.is_relative_to(Path(public).resolve()):
            messages.append(
                Warning(
                    f"The directory for files from 1C ({PREFIX}UPLOAD_ROOT, {root}) lies inside "
                    f"{name} ({public}): the orders files in it hold customers' personal data, "
                    "and the web server may serve them to anyone.",
                    hint=f"Move {PREFIX}UPLOAD_ROOT to a directory outside MEDIA_ROOT and "
                    f"STATIC_ROOT that no web server serves. {DEPLOYMENT_DOC}, "
                    '"Where files go".',
                    id="cml_exchange.W004",
                )
            )
    return messages


def check_media_storage(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """W005: product pictures can be written where the default storage keeps them.

    Only a local ``FileSystemStorage`` can be checked from here; any other
    storage (S3 and the like) works with the importer and is left alone.
    """
    try:
        storage = storages["default"]
    except (ImportError, ImproperlyConfigured):  # a broken STORAGES: not ours to report
        return []
    if not isinstance(storage, FileSystemStorage) or not storage.base_location:
        return []
    location = Path(storage.location)
    problem = _why_not_writable(location)
    if problem is None:
        return []
    return [
        Warning(
            f"Product pictures from 1C go to the default storage's directory ({location}), "
            f"which {problem}.",
            hint="Let the user the site runs as write to MEDIA_ROOT (or to the storage's "
            "location), or point it elsewhere. (This check runs as the user who runs "
            f"manage.py.) {SETTINGS_DOC}",
            id="cml_exchange.W005",
        )
    ]


def check_upload_root_set(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """W006 (``--deploy``): ``CML_EXCHANGE_UPLOAD_ROOT`` is set, not left to the temp default."""
    if getattr(settings, PREFIX + "UPLOAD_ROOT", None) is not None:
        return []
    return [
        Warning(
            f"{PREFIX}UPLOAD_ROOT is not set: files from 1C go to {app_settings.UPLOAD_ROOT}, "
            "under the system's temporary directory, which may be cleared on restart.",
            hint=f"Set {PREFIX}UPLOAD_ROOT to a directory of its own that survives restarts "
            f'and that no web server serves. {DEPLOYMENT_DOC}, "Where files go".',
            id="cml_exchange.W006",
        )
    ]


def check_authorization_header(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """I001 (``--deploy``): a reminder that cannot check itself, so an Info to silence."""
    return [
        Info(
            "1C logs in with HTTP Basic: the web server must pass the Authorization header "
            'to the application, or every exchange ends in "Ошибка авторизации".',
            hint=(
                'Apache + mod_wsgi: add "WSGIPassAuthorization On". Apache + CGI/FastCGI, or a '
                'rewrite in front: add "RewriteRule .* - '
                '[E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]". nginx proxying to '
                "gunicorn/uwsgi passes it already. Then silence this with "
                'SILENCED_SYSTEM_CHECKS = ["cml_exchange.I001"]. '
                f'{DEPLOYMENT_DOC}, "The Authorization header".'
            ),
            id="cml_exchange.I001",
        )
    ]


def check_import_tasks(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """E004: imports on workers need the Tasks API and the backend they name."""
    try:
        alias = app_settings.IMPORT_TASKS
    except ConfigError:
        return []  # E001 says it
    if alias is None:
        return []
    try:
        from cml_exchange.importer.background import task_backends
    except ImportError:
        return [
            Error(
                f"{PREFIX}IMPORT_TASKS is set, but Django's Tasks API is not installed.",
                hint="On Django 5.2 install the backport: pip install 'cml-exchange[tasks]'. "
                f"{DEPLOYMENT_DOC}",
                id="cml_exchange.E004",
            )
        ]
    try:
        task_backends[alias]
    except Exception as error:
        return [
            Error(
                f"{PREFIX}IMPORT_TASKS names the task backend {alias!r}, which cannot be used: "
                f"{error}.",
                hint=f"Name a backend of the TASKS setting. {DEPLOYMENT_DOC}",
                id="cml_exchange.E004",
            )
        ]
    return []


def _why_not_writable(directory: Path) -> str | None:
    """Why files cannot be written under ``directory`` (made if missing), or ``None``.

    Nothing is created: an existing directory must be writable, a missing one
    must have a writable directory as its nearest existing ancestor.
    """
    directory = directory.absolute()
    try:
        if directory.exists():
            if not directory.is_dir():
                return "is not a directory"
            if not os.access(directory, os.W_OK | os.X_OK):
                return "is not writable"
            return None
        ancestor = directory.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            return f"cannot be created: {ancestor} is not a directory"
        if not os.access(ancestor, os.W_OK | os.X_OK):
            return f"cannot be created: {ancestor} is not writable"
    except OSError as error:
        return f"cannot be reached ({error.strerror or error})"
    return None
