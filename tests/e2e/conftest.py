"""End-to-end fixtures: a real HTTP server, a 1C user, and the built-in client pointed at it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cml_exchange.client import ExchangeClient

USER, PASSWORD = "1c-exchange", "s3cret-пароль"


@pytest.fixture
def exchange_dirs(settings: Any, tmp_path: Path) -> Path:
    """Uploads and media under ``tmp_path``; the catalog's exchange directory."""
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "upload"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "upload" / "catalog"


@pytest.fixture
def exchange_user(transactional_db: None) -> Any:
    from django.contrib.auth.models import User

    return User.objects.create_superuser(USER, "1c@example.com", PASSWORD)


@pytest.fixture
def exchange_url(live_server: Any) -> str:
    return f"{live_server.url}/1c_exchange.php"


class Recorder(list[str]):
    """The client's log, kept for assertions."""

    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.fixture
def make_client(
    exchange_url: str, exchange_user: Any, exchange_dirs: Path
) -> Callable[..., ExchangeClient]:
    """``make_client(**options)``: a client of the live server, logging into ``client.log``."""

    def make(url: str = exchange_url, password: str = PASSWORD, **options: Any) -> ExchangeClient:
        return ExchangeClient(url, USER, password, log=Recorder(), timeout=30, **options)

    return make
