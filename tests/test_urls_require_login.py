"""Every URL except an explicit public allow-list refuses anonymous users.

The URLconf is walked, so a view added later without protection fails here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "health",
    "set_language",
}

_SAMPLE_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "x",
}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _walk(pattern.url_patterns, route, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", route, pattern.callback


def _sample_path(route: str) -> str:
    def substitute(match: re.Match) -> str:
        converter = match.group(1) or "str"
        return _SAMPLE_VALUES.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", substitute, route)


ALL_URLS = sorted(_walk(get_resolver().url_patterns))
PROTECTED = [(name, route) for name, route, _ in ALL_URLS if name not in PUBLIC_URL_NAMES]


def test_the_walk_finds_the_apps_urls():
    names = {name for name, _, _ in ALL_URLS}
    assert {"home", "partners:agency_list", "accounts:staff_list"} <= names
    assert names >= PUBLIC_URL_NAMES


@pytest.mark.parametrize(("name", "route"), PROTECTED, ids=[name for name, _ in PROTECTED])
def test_anonymous_get_and_post_are_sent_to_login(client, name, route):
    path = _sample_path(route)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 302, f"{name} answered {response.status_code}"
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("name", "route", "view"), ALL_URLS, ids=[n for n, _, _ in ALL_URLS])
def test_only_the_allow_list_opts_out_of_login(name, route, view):
    opted_out = getattr(view, "login_required", True) is False
    assert opted_out == (name in PUBLIC_URL_NAMES)


def test_public_pages_answer_anonymous_users(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accounts/password/reset/").status_code == 200
    assert client.get("/health/").status_code == 200
