"""A lost database connection: a plain 503 page, then recovery without restarting the app."""

from __future__ import annotations

import psycopg
import pytest
from django.contrib.auth.decorators import login_not_required
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import path, reverse

pytestmark = pytest.mark.django_db


@login_not_required
def _broken(request):
    raise OperationalError("could not connect to server")


@login_not_required
def _failing(request):
    raise ValueError("a bug")


urlpatterns = [path("broken/", _broken), path("failing/", _failing)]
handler500 = "config.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_database_error_is_a_plain_503_with_retry_after(client):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_any_other_error_is_still_a_500(client):
    client.raise_request_exception = False
    response = client.get("/failing/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_terminated_connection_gives_503_then_the_next_request_works(login, caseworker):
    client = login(caseworker)
    client.raise_request_exception = False
    url = reverse("cases:my_work")
    assert client.get(url).status_code == 200

    settings = connection.settings_dict
    backend_pid = connection.connection.info.backend_pid
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])

    assert client.get(url).status_code == 503
    # What Django does when every real request finishes (the test client skips it).
    connection.close_if_unusable_or_obsolete()
    assert client.get(url).status_code == 200
