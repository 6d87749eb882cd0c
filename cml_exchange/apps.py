"""Django application configuration for cml_exchange."""

from django.apps import AppConfig
from django.core import checks as django_checks
from django.utils.translation import gettext_lazy as _


class CmlExchangeConfig(AppConfig):
    """The app's entry point; ``ready()`` is where signal receivers and checks get wired."""

    name = "cml_exchange"
    verbose_name = _("Exchange with 1C")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Wire the receivers and register the system checks (listed in docs/settings.md)."""
        from cml_exchange import checks, database_checks, receivers  # noqa: F401 (receivers connect on import)
        from cml_exchange.models import lookups

        lookups.register(self.get_models(include_auto_created=True))

        register = django_checks.register
        Tags = django_checks.Tags
        ours = checks.TAG  # every check: manage.py check --tag cml_exchange
        register(checks.check_settings, ours)
        register(checks.check_order_adapter, ours)
        register(checks.check_catalog_adapter, ours)
        register(checks.check_import_tasks, ours)
        register(checks.check_endpoint_mounted, ours, Tags.urls)
        register(database_checks.check_file_limit, ours, Tags.database)
        register(database_checks.check_sqlite_parameters, ours, Tags.database)
        register(checks.check_upload_root, ours, Tags.files, Tags.security)
        register(checks.check_media_storage, ours, Tags.files)
        register(checks.check_upload_root_set, ours, Tags.files, deploy=True)
        register(checks.check_authorization_header, ours, Tags.security, deploy=True)
