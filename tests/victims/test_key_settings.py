"""Field keys come from the environment; production refuses to start without them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "HARBOR_DEBUG": "false",
    "SECRET_KEY": "s" * 60,
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HARBOR_")}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.HARBOR_FIELD_KEYS"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean | PRODUCTION | env,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "HARBOR_FIELD_KEYS"),
        ({"HARBOR_FIELD_KEYS": "a2V5"}, "HARBOR_BLIND_INDEX_KEY"),
    ],
)
def test_production_settings_name_the_missing_key_variable(env, missing):
    result = _load_settings(**env)
    assert result.returncode != 0
    assert f"The environment variable {missing} is required." in result.stderr


def test_production_settings_load_with_both_keys():
    from cryptography.fernet import Fernet

    result = _load_settings(
        HARBOR_FIELD_KEYS=Fernet.generate_key().decode(), HARBOR_BLIND_INDEX_KEY="i" * 40
    )
    assert result.returncode == 0, result.stderr[-500:]
