"""The settings of tests/oscar: the suite's, plus django-oscar's apps and the Oscar adapter's.

A settings module of its own, run by ``scripts/test`` after the main suite
(``pytest --ds tests.oscar_settings tests/oscar``): with Oscar's hundred-odd
tables in every test database, the rest of the suite ran about 40% slower
(each flush of a transactional test empties them all).
"""

from tests.settings import *  # noqa: F403

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

    # Without the example shop: its templates (404.html) would stand in for the sandbox's.
    INSTALLED_APPS = [
        *(app for app in INSTALLED_APPS if app != "example_shop"),  # noqa: F405
        *OSCAR_APPS,
        "cml_exchange.contrib.oscar",
    ]
    if "sqlite" in DATABASES["default"]["ENGINE"]:  # noqa: F405
        MIGRATION_MODULES = {label: None for label in [*OSCAR_APP_LABELS, "cml_exchange_oscar"]}
