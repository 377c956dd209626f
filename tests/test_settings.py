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
    ignored = ("HARBOR_", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
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
