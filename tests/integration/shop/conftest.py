"""The example shop with its demo catalog loaded, as ``scripts/shop`` leaves it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command


def load_demo(password_file: Path) -> str:
    """``manage.py shop_demo``; what it printed."""
    out = io.StringIO()
    call_command("shop_demo", "--password-file", str(password_file), stdout=out)
    return out.getvalue()


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    return tmp_path / "var" / "demo-admin-password.txt"


@pytest.fixture
def demo(db: None, settings: Any, tmp_path: Path, password_file: Path) -> str:
    """The demo catalog imported; the command's output."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "exchange"
    return load_demo(password_file)
