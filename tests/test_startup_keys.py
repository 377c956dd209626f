"""Wrong field keys stop every entry point at start (WSGI, ASGI, data commands), before
a record is stored under them; `/health/` says whether the keys open the sentinel.

The entry points run in subprocesses against a temporary SQLite database migrated
with the right key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
RIGHT_KEY = Fernet.generate_key().decode()
WRONG_KEY = Fernet.generate_key().decode()
REFUSAL = "HARBOR_FIELD_KEYS cannot decrypt the stored encryption sentinel"


def _run(database: str, key: str, *argv: str) -> subprocess.CompletedProcess:
    # Production settings and only the variables under test.
    ignored = ("HARBOR_", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ignored)}
    env |= {
        "HARBOR_DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-for-the-startup-check-0123456789",
        "ALLOWED_HOSTS": "harbor.example.org",
        "HARBOR_FIELD_KEYS": key,
        "HARBOR_BLIND_INDEX_KEY": "startup-check-blind-index-key-0123456789abcdef",
        "DATABASE_URL": database,
    }
    return subprocess.run(  # noqa: S603  (our own code, fixed arguments)
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    """A database migrated with RIGHT_KEY: its sentinel opens with that key only."""
    url = f"sqlite:///{tmp_path_factory.mktemp('keys') / 'harbor.sqlite3'}"
    result = _run(url, RIGHT_KEY, "manage.py", "migrate", "--noinput")
    assert result.returncode == 0, result.stderr[-2000:]
    return url


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_servers_refuse_to_start_with_a_wrong_key(database, module):
    result = _run(database, WRONG_KEY, "-c", f"import {module}")
    assert result.returncode != 0
    assert REFUSAL in result.stderr


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_servers_start_with_the_right_key_or_a_rotated_one(database, module):
    for keys in (RIGHT_KEY, f"{Fernet.generate_key().decode()},{RIGHT_KEY}"):
        result = _run(database, keys, "-c", f"import {module}")
        assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize(
    "command", [["shell", "-c", "print('ran')"], ["seed_demo"], ["runserver", "--noreload"]]
)
def test_data_commands_refuse_to_run_with_a_wrong_key(database, command):
    result = _run(database, WRONG_KEY, "manage.py", *command)
    assert result.returncode != 0
    assert REFUSAL in result.stderr
    assert "ran" not in result.stdout


def test_a_data_command_runs_with_the_right_key(database):
    result = _run(database, RIGHT_KEY, "manage.py", "shell", "-c", "print('ran')")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ran" in result.stdout


def test_migrate_refuses_a_wrong_key_once_the_sentinel_exists(database):
    result = _run(database, WRONG_KEY, "manage.py", "migrate", "--noinput")
    assert result.returncode != 0
    assert "victims.E001" in result.stderr


def test_migrate_on_a_fresh_database_works_with_any_valid_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert _run(url, WRONG_KEY, "manage.py", "migrate", "--noinput").returncode == 0
    # The sentinel it stored opens with that key, and only with it.
    assert _run(url, WRONG_KEY, "-c", "import config.wsgi").returncode == 0
    assert REFUSAL in _run(url, RIGHT_KEY, "-c", "import config.wsgi").stderr


def test_the_servers_refuse_to_start_when_the_keys_cannot_be_checked():
    unreachable = "postgres://harbor@127.0.0.1:1/harbor"
    result = _run(unreachable, RIGHT_KEY, "-c", "import config.wsgi")
    assert result.returncode != 0
    assert "HARBOR_FIELD_KEYS cannot be checked" in result.stderr


@pytest.mark.django_db
def test_health_is_ok_when_the_database_answers_and_the_keys_open_the_sentinel(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "field_keys": "ok"}


@pytest.mark.django_db
def test_health_is_503_with_a_wrong_key(client):
    with override_settings(HARBOR_FIELD_KEYS=[WRONG_KEY]):
        response = client.get("/health/")
    assert response.status_code == 503
    assert json.loads(response.content) == {"database": "ok", "field_keys": "wrong"}
