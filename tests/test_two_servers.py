"""Two app servers behind one load balancer share everything that matters.

Starts two gunicorn servers on free ports against the test database and one Redis
(REDIS_URL, a dedicated and flushed db number), then shows that what happens on one
holds on the other: a lockout, a logout, a save that makes the other's open form stale.
Nothing is held in a server's memory.
"""

from __future__ import annotations

import http.cookiejar
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import redis
from axes.models import AccessAttempt
from django.db import connection
from django.urls import reverse

from tests.factories import CaseFactory
from tests.servers import servers

REDIS_URL = "redis://127.0.0.1:6379/11"
PASSWORD = "two-servers-password-1"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _redis() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL, socket_timeout=2)


def _redis_is_up() -> bool:
    try:
        return bool(_redis().ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


class _Form(HTMLParser):
    """The fields of the first <form> whose action ends with `action` (its values as sent)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and not self.done:
            # A form with no action posts to its own page.
            self.inside = (attributes.get("action") or self.action).endswith(self.action)
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            if kind not in {"submit", "button", "file"}:
                self.fields.append((name, attributes.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.fields.append((self._select, attributes.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user's browser: its cookies, sent to whichever server it is pointed at."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, url: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str, str]:
        """(status, body, Location) of a GET, or of a POST of `data` with the CSRF token."""
        body = None
        headers = {}
        if data is not None:
            token = next(c.value for c in self.cookies if c.name == "csrftoken")
            body = urllib.parse.urlencode([*data, ("csrfmiddlewaretoken", token)]).encode()
            headers["Referer"] = url
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location") or ""

    def form(self, url: str, action: str) -> list[tuple[str, str]]:
        status, page, _ = self.request(url)
        assert status == 200, (status, url)
        parser = _Form(action)
        parser.feed(page)
        return parser.fields

    def log_in(self, server: str, email: str, password: str) -> int:
        login = server + reverse("accounts:login")
        self.request(login)  # the CSRF cookie
        status, _, _ = self.request(login, [("username", email), ("password", password)])
        return status


@pytest.fixture
def two_servers(settings, caseworker) -> Iterator[tuple[str, str]]:
    if not _redis_is_up():
        pytest.skip("needs Redis at 127.0.0.1:6379")
    _redis().flushdb()
    # The servers hash with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    caseworker.set_password(PASSWORD)
    caseworker.save(update_fields=["password"])
    environment = {
        **os.environ,
        "HARBOR_DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "HARBOR_LOCKOUT_FAILURES": "3",
    }
    try:
        with servers(environment, count=2) as ports:
            yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    finally:
        connection.close()


def test_a_lockout_on_one_server_holds_on_the_other(two_servers, caseworker):
    one, two = two_servers
    attacker = Browser()
    for _ in range(3):
        assert attacker.log_in(one, caseworker.email, "wrong-password") != 302
    # The right password, on the other server, from another browser: still locked.
    status = Browser().log_in(two, caseworker.email, PASSWORD)
    assert status in {403, 429}
    # Counted in Redis (accounts.lockout.CachedLockoutHandler), not in the database.
    assert any(b"harbor-lockout:identity:" in key for key in _redis().scan_iter())
    assert not AccessAttempt.objects.exists()


def test_a_logout_on_one_server_ends_the_session_on_the_other(two_servers, caseworker):
    one, two = two_servers
    browser = Browser()
    assert browser.log_in(one, caseworker.email, PASSWORD) == 302
    copy = Browser()
    for cookie in browser.cookies:
        copy.cookies.set_cookie(cookie)
    work = reverse("cases:my_work")
    assert copy.request(two + work)[0] == 200
    # The session the other server read is in Redis (and, written through, in the database).
    assert any(b"django.contrib.sessions.cached_db" in key for key in _redis().scan_iter())
    assert browser.request(one + reverse("accounts:logout"), [])[0] == 302
    status, _, location = copy.request(two + work)
    assert status == 302 and reverse("accounts:login") in location


def test_a_save_on_one_server_makes_the_others_open_form_stale(two_servers, caseworker, agency_a):
    one, two = two_servers
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    edit = reverse("cases:edit", args=[case.pk])
    first, second = Browser(), Browser()
    assert first.log_in(one, caseworker.email, PASSWORD) == 302
    assert second.log_in(two, caseworker.email, PASSWORD) == 302
    # As each user submits it (the factory's case has no form of exploitation yet).
    opened_on_two = [*second.form(two + edit, edit), ("exploitation_types", "forced_labour")]
    opened_on_one = [*first.form(one + edit, edit), ("exploitation_types", "sexual")]
    assert ("version", str(case.version)) in opened_on_two

    assert first.request(one + edit, opened_on_one)[0] == 302
    status, page, _ = second.request(two + edit, opened_on_two)
    assert status == 200
    assert "changed this record at" in page
    case.refresh_from_db()
    assert case.version > int(dict(opened_on_two)["version"])
    assert list(case.exploitations.values_list("type", flat=True)) == ["sexual"]
