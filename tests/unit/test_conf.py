"""The deploy-time settings accessor reads Django settings lazily."""

from pathlib import Path

import pytest
from django.test import override_settings

from cml_exchange.conf import app_settings
from cml_exchange.exceptions import CmlExchangeError, ConfigError


def test_upload_root_follows_override_settings(tmp_path):
    with override_settings(CML_EXCHANGE_UPLOAD_ROOT=str(tmp_path / "one")):
        assert app_settings.UPLOAD_ROOT == tmp_path / "one"
    with override_settings(CML_EXCHANGE_UPLOAD_ROOT=tmp_path / "two"):
        assert app_settings.UPLOAD_ROOT == tmp_path / "two"


def test_upload_root_has_a_default_outside_the_site(settings):
    del settings.CML_EXCHANGE_UPLOAD_ROOT
    assert app_settings.UPLOAD_ROOT.name == "cml_exchange"
    assert isinstance(app_settings.UPLOAD_ROOT, Path)


@pytest.mark.parametrize("value", ["", 42])
def test_a_bad_upload_root_is_a_config_error(settings, value):
    settings.CML_EXCHANGE_UPLOAD_ROOT = value
    with pytest.raises(ConfigError) as caught:
        app_settings.UPLOAD_ROOT  # noqa: B018
    assert isinstance(caught.value, CmlExchangeError)
    assert "CML_EXCHANGE_UPLOAD_ROOT" in str(caught.value)


def test_upload_root_accepts_django_environ_paths(settings, tmp_path):
    import environ

    settings.CML_EXCHANGE_UPLOAD_ROOT = environ.Path(str(tmp_path))
    assert app_settings.UPLOAD_ROOT == tmp_path
