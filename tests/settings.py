"""Settings for the test suite: the example shop's, made fast and isolated.

The database comes from ``DATABASE_URL`` exactly as in the example shop:
SQLite when it is unset, PostgreSQL in CI
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/cml_exchange``).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")

from example_shop.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "ru"

_TMP = Path(tempfile.mkdtemp(prefix="cml-exchange-tests-"))
MEDIA_ROOT = _TMP / "media"
CML_EXCHANGE_UPLOAD_ROOT = _TMP / "exchange"

# django-oscar, when it is installed (the test group has it): its apps and the
# Oscar adapter's, for tests/oscar. The adapters stay the app's own; those
# tests name Oscar's in their settings. On SQLite their tables are made from
# the models, not by Oscar's 200-odd migrations (about 20 s more for each test
# database). PostgreSQL runs the migrations: it cannot make Oscar's tables
# before auth's (foreign keys are checked at once there), and so the adapter's
# migration is applied in CI too; tests/oscar/test_migrations.py checks it.
try:
    import oscar  # noqa: F401
except ImportError:
    OSCAR_INSTALLED = False
else:
    OSCAR_INSTALLED = True
    from oscar.defaults import *  # noqa: F403

    from oscar_shop.installed import (  # noqa: F401
        HAYSTACK_CONNECTIONS,
        OSCAR_APP_LABELS,
        OSCAR_APPS,
        OSCAR_DEFAULT_CURRENCY,
        OSCAR_DELETE_IMAGE_FILES,
        OSCAR_INITIAL_LINE_STATUS,
        OSCAR_INITIAL_ORDER_STATUS,
        OSCAR_ORDER_STATUS_PIPELINE,
        SITE_ID,
    )

    INSTALLED_APPS = [*INSTALLED_APPS, *OSCAR_APPS, "cml_exchange.contrib.oscar"]  # noqa: F405
    if "sqlite" in DATABASES["default"]["ENGINE"]:  # noqa: F405
        MIGRATION_MODULES = {label: None for label in [*OSCAR_APP_LABELS, "cml_exchange_oscar"]}
