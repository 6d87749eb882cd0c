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
