"""Settings of the Oscar sandbox: django-oscar's shop, with 1C's exchange at /1c_exchange.php.

As the example shop's, read from the environment with django-environ, and
every value has a default that runs on a fresh clone: SQLite and media under
``oscar_shop/var/``, DEBUG on, a secret key made once in ``var/secret_key.txt``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from oscar.defaults import *  # noqa: F403 (Oscar's settings, overridden below)

from oscar_shop.installed import (  # noqa: F401 (settings)
    EXCHANGE_APPS,
    OSCAR_APPS,
    OSCAR_DEFAULT_CURRENCY,
    OSCAR_DELETE_IMAGE_FILES,
    OSCAR_INITIAL_LINE_STATUS,
    OSCAR_INITIAL_ORDER_STATUS,
    OSCAR_ORDER_STATUS_PIPELINE,
    SITE_ID,
)

PROJECT_DIR = Path(__file__).resolve().parent

env = environ.Env()

# What the sandbox writes: the database, media, the search index, the passwords it made.
VAR_DIR = Path(env.str("OSCAR_SHOP_VAR_DIR", default=str(PROJECT_DIR / "var")))


def _development_secret_key() -> str:
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
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    *OSCAR_APPS,
    "sorl.thumbnail",
    *EXCHANGE_APPS,
    "oscar_shop",
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
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "oscar_shop.urls"
WSGI_APPLICATION = "oscar_shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Oscar's catalogue pages list products from its search index: Whoosh, a file under var/.
# The adapter updates it after each batch of an exchange; with CML_EXCHANGE_OSCAR_UPDATE_INDEX
# off, run "manage.py update_index" yourself (after exchanges, say).
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": env.str("WHOOSH_PATH", default=str(VAR_DIR / "whoosh_index")),
    },
}

# Oscar mails the buyer when an order is placed: the letters go to files under var/mail/
# (EMAIL_BACKEND from the environment for a real mail server, with Django's EMAIL_* settings).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"

OSCAR_SHOP_NAME = "Oscar + 1С"
OSCAR_ALLOW_ANON_CHECKOUT = True
# Files from 1C live outside MEDIA_ROOT: order files carry personal data.
CML_EXCHANGE_UPLOAD_ROOT = Path(
    env.str("CML_EXCHANGE_UPLOAD_ROOT", default=str(VAR_DIR / "exchange"))
)
CML_EXCHANGE_CATALOG_ADAPTER = "cml_exchange.contrib.oscar.adapter.OscarCatalogAdapter"
CML_EXCHANGE_ORDER_ADAPTER = "cml_exchange.contrib.oscar.orders.OscarOrderAdapter"
# The 1C price type Oscar sells at (its 1C id or name); empty: the first one 1C declared.
CML_EXCHANGE_OSCAR_PRICE_TYPE = env.str("CML_EXCHANGE_OSCAR_PRICE_TYPE", default="")
CML_EXCHANGE_OSCAR_UPDATE_INDEX = env.bool("CML_EXCHANGE_OSCAR_UPDATE_INDEX", default=True)
