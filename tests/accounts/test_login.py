"""Login hardening: lockout, same error for unknown users, sessions, audit."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_STARTED_KEY
from audit.models import AuditEvent
from tests.factories import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _attempt(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def test_demo_password_logs_in_and_lands_on_home(caseworker):
    client = Client()
    response = _attempt(client, caseworker.email, DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("partners:agency_list")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=caseworker).exists()


def test_email_login_is_case_insensitive(caseworker):
    assert _attempt(Client(), caseworker.email.upper(), DEMO_PASSWORD).status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_error(caseworker):
    wrong_password = _attempt(Client(), caseworker.email, "not-the-password")
    unknown_user = _attempt(Client(), "nobody@example.org", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert (
        wrong_password.context["form"].non_field_errors()
        == unknown_user.context["form"].non_field_errors()
    )


def test_five_failures_lock_the_account_even_with_the_right_password(caseworker):
    for _ in range(5):
        _attempt(Client(), caseworker.email, "wrong-password-guess")
    client = Client()
    response = _attempt(client, caseworker.email, DEMO_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("partners:agency_list")).status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOCKOUT, object_id=str(caseworker.pk)
    ).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() >= 5


def test_four_failures_do_not_lock(caseworker):
    for _ in range(4):
        _attempt(Client(), caseworker.email, "wrong-password-guess")
    assert _attempt(Client(), caseworker.email, DEMO_PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cooldown(caseworker, settings):
    for _ in range(5):
        _attempt(Client(), caseworker.email, "wrong-password-guess")
    assert _attempt(Client(), caseworker.email, DEMO_PASSWORD).status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert _attempt(Client(), caseworker.email, DEMO_PASSWORD).status_code == 302


def test_lockout_is_per_account_not_per_office(caseworker, supervisor):
    for _ in range(5):
        _attempt(Client(), caseworker.email, "wrong-password-guess")
    assert _attempt(Client(), supervisor.email, DEMO_PASSWORD).status_code == 302


def test_failed_login_audit_never_stores_the_typed_secret(caseworker):
    _attempt(Client(), caseworker.email, "Canary-Secret-4711")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert "Canary" not in f"{event.object_type}{event.object_id}{event.role}"
    assert event.object_id == str(caseworker.pk)


def test_session_key_changes_at_login(caseworker):
    client = Client()
    client.get(LOGIN)
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    _attempt(client, caseworker.email, DEMO_PASSWORD)
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"


def test_logout_ends_the_session_on_the_server(login, caseworker):
    client = login(caseworker)
    stolen_cookie = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies["sessionid"] = stolen_cookie
    assert replay.get(reverse("partners:agency_list")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=caseworker).exists()


def test_logout_needs_post(login, caseworker):
    assert login(caseworker).get(reverse("accounts:logout")).status_code == 405


def test_idle_timeout_is_thirty_minutes_renewed_at_most_once_a_minute(settings):
    # Renewed by accounts.middleware.SessionRefreshMiddleware (tests/test_scale_out.py).
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.HARBOR_SESSION_REFRESH_SECONDS == 60
    assert "accounts.middleware.SessionRefreshMiddleware" in settings.MIDDLEWARE


def test_a_session_ends_twelve_hours_after_login_however_active(login, caseworker):
    client = login(caseworker)
    assert client.get(reverse("partners:agency_list")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = (timezone.now() - timedelta(hours=12, minutes=1)).timestamp()
    session.save()
    response = client.get(reverse("partners:agency_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_password_change_is_audited(login, caseworker):
    client = login(caseworker)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "a long new passphrase 42",
            "new_password2": "a long new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PASSWORD_CHANGE, actor=caseworker
    ).exists()


def test_production_hashing_is_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert make_password("a long passphrase here").startswith("argon2")


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short", False),
        ("password1234", False),  # common
        ("12345678901234", False),  # numeric
        ("correct horse battery staple", True),
        ("x" * 64 + " long passphrase", True),
        ("y" * 300, False),  # beyond the cap
    ],
)
def test_password_policy(password, accepted):
    try:
        validate_password(password)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_the_signed_in_user_is_read_with_their_agency_in_one_query(caseworker):
    """Every page's menu bar names the user's agency: read with the user, not apart."""
    client = Client()
    assert _attempt(client, caseworker.email, DEMO_PASSWORD).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:my_work"))
    assert response.status_code == 200
    assert caseworker.agency.name in response.text
    users = [q["sql"] for q in queries if q["sql"].startswith('SELECT "accounts_user"."id"')]
    assert '"partners_agency"' in users[0]
    apart = f'WHERE "partners_agency"."id" = {caseworker.agency_id} LIMIT 21'
    assert not [q["sql"] for q in queries if q["sql"].endswith(apart)]
