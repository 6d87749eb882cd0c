"""The adapter's migrations match its models and apply on top of Oscar's.

The suite makes Oscar's tables and the adapter's from the models (its
settings turn their migrations off, to save Oscar's 200-odd migrations on
every test database); this reads the migration files as a project would.
"""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import override_settings

from oscar_shop.installed import OSCAR_APP_LABELS


def test_every_oscar_app_with_models_is_made_from_its_models() -> None:
    with_models = {
        model._meta.app_label
        for model in apps.get_models()
        # Oscar's test factories (imported by test_orders) add models of their own.
        if model.__module__.startswith(("oscar.", "django.contrib.sites", "django.contrib.flat"))
        and not model.__module__.startswith("oscar.test.")
    }
    assert with_models <= set(OSCAR_APP_LABELS)


@pytest.mark.django_db
@override_settings(MIGRATION_MODULES={})
def test_the_migrations_match_the_models() -> None:
    out = io.StringIO()
    call_command("makemigrations", "cml_exchange_oscar", "--check", "--dry-run", stdout=out)
    loader = MigrationLoader(connection)
    assert ("cml_exchange_oscar", "0001_initial") in loader.graph.nodes
    # On Oscar's own: the catalogue, partner and order tables it links to come first.
    first = loader.graph.nodes[("cml_exchange_oscar", "0001_initial")]
    assert {app for app, _ in first.dependencies} >= {"catalogue", "partner", "cml_exchange"}
