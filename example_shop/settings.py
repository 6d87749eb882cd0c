"""Settings of the example shop, read from the environment with django-environ.

Every value has a default that runs the shop on a fresh clone: an SQLite file
and uploaded media under ``example_shop/var/``, DEBUG on, a secret key generated
once and kept in ``example_shop/var/secret_key.txt``. For anything public, set
``DATABASE_URL``, ``SECRET_KEY``, ``DEBUG=off`` and ``ALLOWED_HOSTS``.

With ``DEBUG=off`` the defaults are the production ones: WhiteNoise serves the
static files ``collectstatic`` gathered, under hashed names; HTTP is redirected
to HTTPS, cookies are secure and HSTS is on, so ``manage.py check --deploy`` is
clean. Each of those can be changed from the environment; docs/deployment.md
("A production recipe") has the whole list, and nginx and gunicorn around it.
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
# A request keeps its thread's database connection for the next one (1C's parts, one
# after another on a kept HTTP connection) instead of opening one each time; a PostgreSQL
# connection costs a new server process. ``?conn_max_age=0`` in DATABASE_URL turns it off.
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The shop talks to its PostgreSQL directly, with no pooler in transaction mode between
    # them: a statement that has run five times on a connection may be prepared there
    # (Django leaves this off). The exchange then sends each 1C request's read of its
    # session and an upload part's bookkeeping as EXECUTE, without the server planning them
    # again (0.3 ms a request here). ``?prepare_threshold=off`` in DATABASE_URL turns it off.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    if DATABASES["default"]["OPTIONS"]["prepare_threshold"] == "off":
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write to one file (the web server's, an import worker's): a
    # transaction takes the write lock when it begins and waits for it, rather than failing
    # with "database is locked" when it would have to upgrade a read lock mid-way.
    # Write-ahead logging: a commit appends to the log and syncs it once, instead of
    # syncing a rollback journal and the file (1.3 ms → 0.25 ms here: 1C's every upload
    # part commits), and pages are read while another process writes. ``synchronous``
    # stays FULL, so a commit is as durable as before. Set on the file for good the first
    # time a connection opens it; SQLITE_INIT_COMMAND="" leaves the file's mode alone.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": env.str("SQLITE_INIT_COMMAND", default="PRAGMA journal_mode=WAL"),
        }
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

# With DEBUG off, WhiteNoise serves the static files (right after SecurityMiddleware, so
# the HTTPS redirect still comes first); in development runserver serves them, as before.
if not DEBUG:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

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
# With DEBUG off the media (product pictures) are the web server's to serve: nginx's
# "location /media/" in docs/deployment.md. Django serves them only with DEBUG on (urls.py).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # With DEBUG off: names with a hash of the content (cached for good by browsers) and
    # gzipped copies, both made by collectstatic; a page whose file was not collected fails.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# HTTPS and the browser's security headers. With DEBUG off the defaults are the safe ones
# (and check --deploy is clean); in development all are off. 1C is no browser: HSTS and the
# cookies' flags mean nothing to it, but the redirect does. An http:// "Адрес сайта" gets a
# 301 that 1C does not reliably follow, so give 1C the https:// address, or exempt the
# endpoint's path with SECURE_REDIRECT_EXEMPT (docs/deployment.md, "1C and the redirect").
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[])
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# An hour at first, as Django's documentation advises; a year (31536000) once HTTPS works.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Opt-in, behind a proxy that sets the header itself (and removes one sent by the client):
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
SECURE_PROXY_SSL_HEADER = env.tuple("SECURE_PROXY_SSL_HEADER", default=None)
if SECURE_PROXY_SSL_HEADER is not None and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is a header and its value, e.g. HTTP_X_FORWARDED_PROTO,https"
    )
# The sites that may post forms to the shop, with their scheme: https://shop.example
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# e.g. cml_exchange.I001 once the web server is known to pass the Authorization header
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# With DEBUG off Django logs errors (a 500's traceback) nowhere but to ADMINS by mail;
# send them to stderr instead, where gunicorn and systemd's journal keep them.
if not DEBUG:
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        "root": {"handlers": ["stderr"], "level": env.str("LOG_LEVEL", default="WARNING")},
    }

# The storefront: which 1C price types it shows (names or 1C ids, preferred first;
# empty: every type, the first imported first), and products per page.
SHOP_PRICE_TYPES = env.list("SHOP_PRICE_TYPES", default=[])
SHOP_PAGE_SIZE = env.int("SHOP_PAGE_SIZE", default=24)

# Files from 1C live outside MEDIA_ROOT: order files carry personal data.
CML_EXCHANGE_UPLOAD_ROOT = Path(
    env.str("CML_EXCHANGE_UPLOAD_ROOT", default=str(VAR_DIR / "exchange"))
)
# Behind nginx: the proxies whose X-Forwarded-For names the client (the login throttle).
CML_EXCHANGE_TRUSTED_PROXIES = env.list("CML_EXCHANGE_TRUSTED_PROXIES", default=[])
CML_EXCHANGE_SCAN_BESIDE_FROM = env.int("CML_EXCHANGE_SCAN_BESIDE_FROM", default=256 * 1024)
CML_EXCHANGE_SQLITE_IMPORT_CACHE = env.int(
    "CML_EXCHANGE_SQLITE_IMPORT_CACHE", default=32 * 1024 * 1024
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
