"""Settings of the example shop, read from the environment with django-environ.

Every value has a default that runs the shop on a fresh clone: an SQLite file
and uploaded media under ``example_shop/var/``, DEBUG on, a secret key generated
once and kept in ``example_shop/var/secret_key.txt``. For anything public, set
``DATABASE_URL``, ``SECRET_KEY``, ``DEBUG=off`` and ``ALLOWED_HOSTS``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

PROJECT_DIR = Path(__file__).resolve().parent
VAR_DIR = PROJECT_DIR / "var"

env = environ.Env()
environ.Env.read_env(PROJECT_DIR.parent / ".env")  # optional; silently absent


def _development_secret_key() -> str:
    """A key generated on first start and reused, so sessions survive restarts."""
    key_file = VAR_DIR / "secret_key.txt"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key(), encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip()


DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")
    SECRET_KEY = _development_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write to one file (the web server's, an import worker's): a
    # transaction takes the write lock when it begins and waits for it, rather than failing
    # with "database is locked" when it would have to upgrade a read lock mid-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cml_exchange",
    "example_shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_shop.urls"
WSGI_APPLICATION = "example_shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "example_shop.context.shop",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# The storefront: which 1C price types it shows (names or 1C ids, preferred first;
# empty: every type, the first imported first), and products per page.
SHOP_PRICE_TYPES = env.list("SHOP_PRICE_TYPES", default=[])
SHOP_PAGE_SIZE = env.int("SHOP_PAGE_SIZE", default=24)

# Files from 1C live outside MEDIA_ROOT: order files carry personal data.
CML_EXCHANGE_UPLOAD_ROOT = Path(
    env.str("CML_EXCHANGE_UPLOAD_ROOT", default=str(VAR_DIR / "exchange"))
)

# Imports from 1C on a task worker instead of in 1C's requests (docs/deployment.md):
# IMPORT_WORKER=database runs them on `manage.py db_worker` (django-tasks-db), =rq on
# `manage.py rqworker --job-class django_tasks_rq.Job` with Redis at REDIS_URL. Empty (the
# default): each `import` request imports for the step interval itself.
IMPORT_WORKER = env.str("IMPORT_WORKER", default="")
if IMPORT_WORKER == "database":
    INSTALLED_APPS += ["django_tasks_db"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif IMPORT_WORKER == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    RQ_QUEUES = {"default": {"URL": env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")}}
elif IMPORT_WORKER:
    raise ImproperlyConfigured(f"IMPORT_WORKER: database, rq or empty, not {IMPORT_WORKER!r}.")
if IMPORT_WORKER:
    CML_EXCHANGE_IMPORT_TASKS = "default"
    CML_EXCHANGE_TASK_LEASE = env.int("CML_EXCHANGE_TASK_LEASE", default=60)
    CML_EXCHANGE_TASK_WAIT = env.int("CML_EXCHANGE_TASK_WAIT", default=120)
    CML_EXCHANGE_TASK_POLL = env.float("CML_EXCHANGE_TASK_POLL", default=0.5)
