"""WSGI entry point of the example shop (gunicorn example_shop.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_shop.settings")

application = get_wsgi_application()

# What the shop loaded at start (Django, the apps, their modules) stays for good: frozen,
# the garbage collector no longer walks it in every full collection of a long request
# (an import step, the orders' query), and forked workers keep sharing its pages.
gc.freeze()
