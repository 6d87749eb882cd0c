"""``manage.py``: the collector off while Django starts, on for whatever the command does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_command_runs_with_the_collector_on_and_start_ups_objects_frozen(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_shop.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "test-only",
        "DEBUG": "off",
    }
    shown = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "shell",
            "--no-imports",
            "-c",
            "import gc; print(gc.isenabled(), gc.get_freeze_count())",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    enabled, frozen = shown[-2:]
    assert enabled == "True"
    assert int(frozen) > 10_000  # Django and the apps, loaded at start-up
