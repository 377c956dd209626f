"""Configuration: bad environment values stop the app with the variable's name;
the documented production settings pass Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "HARBOR_DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-for-the-deploy-check-0123456789abcdef",
    "ALLOWED_HOSTS": "harbor.example.org",
    "HARBOR_FIELD_KEYS": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
    "HARBOR_BLIND_INDEX_KEY": "deploy-check-blind-index-key-0123456789abcdef",
}


def _run(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Only the variables under test: none of the developer's or the browser tests'.
    # The settings module too: production's, not the test suite's (tests/settings.py).
    ignored = ("HARBOR_", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ignored)}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    empty_database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}"}
    result = _run(
        {**PRODUCTION_ENV, **empty_database}, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"HARBOR_DEBUG": "maybe"}, "HARBOR_DEBUG"),
        ({"HARBOR_HSTS_SECONDS": "a year"}, "HARBOR_HSTS_SECONDS"),
        ({"HARBOR_SESSION_IDLE_MINUTES": "0"}, "HARBOR_SESSION_IDLE_MINUTES"),
        ({"DATABASE_URL": "nosuchdb://whatever"}, "DATABASE_URL"),
        ({"HARBOR_FIELD_KEYS": ""}, "HARBOR_FIELD_KEYS"),
    ],
)
def test_a_bad_environment_value_fails_at_start_naming_the_variable(overrides, named):
    env = {**PRODUCTION_ENV, **overrides}
    if overrides.get("SECRET_KEY") == "":
        del env["SECRET_KEY"]
    result = _run(env, "check")
    assert result.returncode != 0
    assert named in result.stderr


def _debug_setting(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.DEBUG)"
    return _run(env, "shell", "--no-imports", "-c", code)


def test_debug_is_off_when_harbor_debug_is_unset(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "HARBOR_DEBUG"}
    result = _debug_setting({**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_with_harbor_debug_unset_the_secrets_are_required():
    result = _run({}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_demo_turns_debug_on_explicitly_and_needs_no_secrets(tmp_path):
    env = {
        "HARBOR_DEBUG": "true",
        "HARBOR_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = _debug_setting(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export HARBOR_DEBUG = true" in makefile


def test_the_demo_database_starts_without_warnings(tmp_path):
    """`make run` on SQLite: no system-check warning before each command (the covering
    indexes' INCLUDE columns, which SQLite leaves out, are PostgreSQL's concern)."""
    env = {
        "HARBOR_DEBUG": "true",
        "HARBOR_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = _run(env, "check", "--database", "default")
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_on_every_page(client):
    response = client.get(reverse("accounts:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


@pytest.mark.django_db
def test_pages_for_logged_in_users_are_never_cached(login, caseworker):
    response = login(caseworker).get(reverse("partners:agency_list"))
    assert "no-store" in response["Cache-Control"]


def test_templates_load_nothing_from_other_hosts():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "https://" not in text.replace("https://{{", ""), path
        assert "<script>" not in text, f"inline script in {path}"
