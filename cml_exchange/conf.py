"""Deploy-time settings of the app, read lazily from Django settings named ``CML_EXCHANGE_*``.

Use the one accessor, ``app_settings``; each property reads Django's settings
when it is asked, so ``override_settings`` works in tests::

    from cml_exchange.conf import app_settings

    app_settings.UPLOAD_ROOT

What the shop owner changes in the admin (step interval, zip, what to do with
missing items…) is not here: it lives in the settings object edited in the
admin. Only what belongs to the people who deploy the site is read from
Django settings. ``docs/settings.md`` lists both kinds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

from cml_exchange.exceptions import ConfigError

PREFIX = "CML_EXCHANGE_"


class AppSettings:
    """Typed, lazily read ``CML_EXCHANGE_*`` settings with their defaults."""

    def _setting(self, name: str, default: Any) -> Any:
        return getattr(settings, PREFIX + name, default)

    @property
    def UPLOAD_ROOT(self) -> Path:
        """Directory where exchange files from 1C are stored between requests.

        It must survive a restart of the site and must not be served to the
        public (order files hold personal data). Default: ``cml_exchange``
        under the system's temporary directory, which suits development only.
        """
        value = self._setting("UPLOAD_ROOT", None)
        if value is None:
            return Path(tempfile.gettempdir()) / "cml_exchange"
        if not isinstance(value, (str, Path)) or not str(value):
            raise ConfigError(f"{PREFIX}UPLOAD_ROOT должен быть путём к каталогу, а не {value!r}")
        return Path(value)


app_settings = AppSettings()
