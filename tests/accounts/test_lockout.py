"""Lockout per account, however its address is spelled, and per client address: the same
rule whichever store keeps the counts (the database, or the cache: Redis in production)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.lockout import address_key, identity_key, lockout_username, normalised_login
from audit.models import AuditEvent
from tests.factories import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
OFFICE = "198.51.100.7"
ELSEWHERE = "203.0.113.20"

STORES = {
    "database": "accounts.lockout.LockoutHandler",
    "cache": "accounts.lockout.CachedLockoutHandler",
}


@pytest.fixture(params=sorted(STORES))
def store(request, settings):
    """Each behaviour with the counts in the database and in the cache (settings.py picks
    the cache, Redis, when REDIS_URL is set); axes reloads its handler on the change."""
    cache.clear()
    settings.AXES_HANDLER = STORES[request.param]
    yield request.param
    cache.clear()


def _failures_of(store: str, identity: str) -> int:
    """The failures the store keeps for an identity (one spelling of an address)."""
    if store == "database":
        attempts = AccessAttempt.objects.filter(username=identity)
        return sum(attempts.values_list("failures_since_start", flat=True))
    assert not AccessAttempt.objects.exists()  # counted in the cache, not also in a table
    return cache.get(identity_key(identity), 0)


def _attempt(email: str, password: str, address: str = OFFICE):
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": email, "password": password})


def _status(email: str, password: str, address: str = OFFICE) -> int:
    return _attempt(email, password, address).status_code


def _spellings(email: str) -> list[str]:
    local, domain = email.split("@")
    return [
        email,
        email.upper(),
        f" {local.capitalize()}@{domain.upper()} ",
        f"{local}@{domain.capitalize()}",
        f"\t{email.swapcase()}",
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" Supervisor@X.org ", "supervisor@x.org"),
        ("SUPERVISOR@x.org", "supervisor@x.org"),
        ("\u017fupervisor@x.org", "supervisor@x.org"),  # long s: PostgreSQL's upper() gives S
        ("", ""),
        (None, ""),
    ],
)
def test_every_spelling_of_an_address_is_one_identity(typed, expected):
    assert normalised_login(typed) == expected


def test_the_lockout_counts_under_the_normalised_identity(rf):
    request = rf.post(LOGIN, {"username": " Supervisor@X.org "})
    assert lockout_username(request) == "supervisor@x.org"
    assert lockout_username(request, {"username": "SUPERVISOR@x.org"}) == "supervisor@x.org"
    assert lockout_username(rf.post(LOGIN, {})) is None


def test_failures_under_different_spellings_lock_the_one_account(store, supervisor):
    statuses = [_status(typed, "wrong-password-guess") for typed in _spellings(supervisor.email)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    assert _status(supervisor.email, DEMO_PASSWORD, ELSEWHERE) == 429
    # A login refused by the lock counts too, and so restarts the cool-off.
    assert _failures_of(store, supervisor.email) == 6
    if store == "database":
        assert set(AccessAttempt.objects.values_list("username", flat=True)) == {supervisor.email}
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOCKOUT, object_id=str(supervisor.pk)
    ).exists()


@pytest.mark.parametrize("spelling", [" Caseworker.A@Example.ORG ", "CASEWORKER.A@EXAMPLE.ORG"])
def test_a_locked_account_refuses_the_right_password_in_any_spelling(store, caseworker, spelling):
    for _ in range(5):
        _attempt(caseworker.email, "wrong-password-guess")
    response = _attempt(spelling, DEMO_PASSWORD, ELSEWHERE)
    assert response.status_code == 429
    assert "_auth_user_id" not in response.client.session
    assert response.client.get(reverse("partners:agency_list")).status_code == 302


def test_a_refused_login_in_another_spelling_does_not_clear_the_lock(store, caseworker):
    for _ in range(5):
        _attempt(caseworker.email, "wrong-password-guess")
    _attempt(caseworker.email.upper(), DEMO_PASSWORD, ELSEWHERE)
    assert _status(caseworker.email, DEMO_PASSWORD, ELSEWHERE) == 429
    assert _failures_of(store, caseworker.email) >= 5


def test_a_successful_login_clears_only_its_own_failures(store, caseworker, supervisor):
    for _ in range(4):
        _attempt(supervisor.email, "wrong-password-guess")
    _attempt(caseworker.email, "wrong-password-guess")
    assert _failures_of(store, caseworker.email) == 1
    assert _status(caseworker.email.upper(), DEMO_PASSWORD) == 302
    assert _failures_of(store, caseworker.email) == 0
    assert _failures_of(store, supervisor.email) == 4
    # The supervisor's four guesses from the same address still count.
    _attempt(supervisor.email, "wrong-password-guess", ELSEWHERE)
    assert _status(supervisor.email, DEMO_PASSWORD, ELSEWHERE) == 429


def test_many_identities_from_one_address_lock_that_address(store, settings, caseworker):
    settings.HARBOR_LOCKOUT_ADDRESS_FAILURES = 8
    for n in range(8):  # one or two guesses each: no account reaches its own limit
        _attempt(f"guess{n % 4}@example.org", "wrong-password-guess")
    assert _status(caseworker.email, DEMO_PASSWORD) == 429
    assert _status(caseworker.email, DEMO_PASSWORD, ELSEWHERE) == 302


def test_an_address_below_its_limit_is_not_locked(store, settings, caseworker):
    settings.HARBOR_LOCKOUT_ADDRESS_FAILURES = 8
    for n in range(7):
        _attempt(f"guess{n}@example.org", "wrong-password-guess")
    assert _status(caseworker.email, DEMO_PASSWORD) == 302


def test_the_address_limit_is_above_the_account_limit_by_default(settings):
    # One office behind a NAT must not be locked out together by a few typos.
    assert settings.HARBOR_LOCKOUT_ADDRESS_FAILURES > settings.AXES_FAILURE_LIMIT
    assert settings.AXES_USERNAME_CALLABLE == "accounts.lockout.lockout_username"
    assert settings.AXES_HANDLER == "accounts.lockout.LockoutHandler"


def test_the_lock_holds_for_a_login_that_bypasses_the_form(store, rf, caseworker):
    def authenticate_as(typed: str, password: str):
        request = rf.post(LOGIN, REMOTE_ADDR=OFFICE)
        return authenticate(request, username=typed, password=password)

    for typed in [
        caseworker.email.upper(),
        caseworker.email.capitalize(),
        caseworker.email.title(),
    ]:
        assert authenticate_as(typed, "wrong-password-guess") is None
    assert authenticate_as(caseworker.email.swapcase(), DEMO_PASSWORD) == caseworker
    for typed in [caseworker.email.upper(), caseworker.email.title()] * 3:
        authenticate_as(typed, "wrong-password-guess")
    assert authenticate_as(caseworker.email.swapcase(), DEMO_PASSWORD) is None


@pytest.mark.postgres
def test_a_long_s_spelling_is_refused_while_the_account_is_locked(store, supervisor):
    # PostgreSQL's case-insensitive match lets "\u017fupervisor" log in as "supervisor".
    long_s = "\u017f" + supervisor.email[1:]
    assert _status(long_s, DEMO_PASSWORD, ELSEWHERE) == 302
    for _ in range(5):
        _attempt(supervisor.email, "wrong-password-guess")
    assert _status(long_s, DEMO_PASSWORD, ELSEWHERE) == 429


def test_the_cache_keeps_a_digest_of_the_identity_never_the_address_typed(caseworker):
    assert caseworker.email not in identity_key(caseworker.email)
    assert identity_key(normalised_login(caseworker.email.upper())) == identity_key(
        caseworker.email
    )


def test_the_cache_keeps_each_counter_for_the_cool_off_time(settings, caseworker, monkeypatch):
    settings.AXES_HANDLER = STORES["cache"]
    kept: dict[str, object] = {}
    monkeypatch.setattr(cache, "add", lambda key, value, timeout: kept.setdefault(key, timeout))
    _attempt(caseworker.email, "wrong-password-guess")
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert kept == {identity_key(caseworker.email): cool_off, address_key(OFFICE): cool_off}


@pytest.mark.parametrize("store_name", sorted(STORES))
def test_the_reset_commands_clear_an_identity_or_an_address(store_name, settings, caseworker):
    cache.clear()
    settings.AXES_HANDLER = STORES[store_name]
    for _ in range(5):
        _attempt(caseworker.email, "wrong-password-guess")
    assert _status(caseworker.email, DEMO_PASSWORD, ELSEWHERE) == 429
    call_command("axes_reset_username", caseworker.email)
    assert _status(caseworker.email, DEMO_PASSWORD, ELSEWHERE) == 302
    cache.clear()
