"""Stateless app servers: sessions written at most once a minute, the reporting replica,
the per-request statement timeout. (Two real servers: tests/test_two_servers.py.)"""

from __future__ import annotations

import copy
import datetime
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone

import dbroutes
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


# --- Sessions: the idle timeout without a write per request -------------------------


def _session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].lstrip().startswith("SELECT")
    ]


def _at(moment: datetime.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_page_view_within_the_minute_writes_no_session(login, caseworker):
    client = login(caseworker)
    url = reverse("cases:my_work")
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert _session_writes(queries) == []
    assert "sessionid" not in client.get(url).cookies


def test_a_page_view_after_the_minute_pushes_the_expiry_back(login, caseworker):
    client = login(caseworker)
    url = reverse("cases:my_work")
    key = client.cookies["sessionid"].value
    expiry = Session.objects.get(session_key=key).expire_date
    later = timezone.now() + datetime.timedelta(seconds=61)
    with _at(later), CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(_session_writes(queries)) == 1
    assert Session.objects.get(session_key=key).expire_date > expiry


def test_an_idle_session_still_ends_after_the_idle_timeout(login, caseworker, settings):
    client = login(caseworker)
    url = reverse("cases:my_work")
    start = timezone.now()
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    # Used every ten minutes for longer than the idle timeout: still signed in.
    for minutes in (10, 20, 30, 40):
        with _at(start + datetime.timedelta(minutes=minutes)):
            assert client.get(url).status_code == 200
    # Then left alone for longer than the idle timeout: signed out.
    with _at(start + datetime.timedelta(minutes=40) + idle + datetime.timedelta(seconds=1)):
        response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _manage_shell(code: str, **environment: str) -> str:
    """The last line `manage.py shell -c code` prints, run on the test database."""
    environment = {**os.environ, "HARBOR_DEBUG": "true", **environment}
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        environment["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    else:
        environment.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_sessions_are_shared_through_redis_and_the_database_when_redis_is_set():
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    engine = _manage_shell(code, REDIS_URL="redis://127.0.0.1:6379/15")
    assert engine == "django.contrib.sessions.backends.cached_db"


@pytest.mark.django_db(transaction=True)
def test_lockout_counters_are_in_redis_when_redis_is_set_and_never_in_a_process():
    code = (
        "from django.conf import settings; "
        "print(settings.AXES_HANDLER, settings.CACHES['default']['BACKEND'])"
    )
    with_redis = _manage_shell(code, REDIS_URL="redis://127.0.0.1:6379/15")
    assert with_redis == (
        "accounts.lockout.CachedLockoutHandler django.core.cache.backends.redis.RedisCache"
    )
    # Without Redis the cache is each process's own memory: the counters stay in the
    # database, or every gunicorn worker would grant its own five guesses.
    without = _manage_shell(code, REDIS_URL="")
    assert without.split()[0] == "accounts.lockout.LockoutHandler"


# --- The reporting replica ----------------------------------------------------------


@pytest.fixture
def replica(transactional_db):
    """A `replica` alias on the test database, as TEST MIRROR would make it."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    connections.settings[dbroutes.REPLICA_DB_ALIAS] = settings_dict
    # Connected here: the test case only lets declared aliases connect on their own.
    connections[dbroutes.REPLICA_DB_ALIAS].connect()
    yield connections[dbroutes.REPLICA_DB_ALIAS]
    connections[dbroutes.REPLICA_DB_ALIAS].close()
    del connections[dbroutes.REPLICA_DB_ALIAS]
    del connections.settings[dbroutes.REPLICA_DB_ALIAS]


def test_without_a_replica_reports_read_the_default_database():
    assert dbroutes.reporting_db() == "default"
    with dbroutes.reporting() as alias:
        assert alias == "default"
        assert Case.objects.all().db == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_reporting_go_to_the_replica_and_writes_to_default(replica, caseworker):
    case = CaseFactory(agency=caseworker.agency)
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connection) as on_default,
        dbroutes.reporting() as alias,
        transaction.atomic(),
    ):
        assert alias == "replica"
        assert list(Case.objects.filter(pk=case.pk).values_list("pk", flat=True)) == [case.pk]
        # A download's audit row: written to the primary, in its transaction.
        record_event(actor=caseworker, action=AuditEvent.Action.EXPORT, target=case)
    assert any("cases_case" in query["sql"] for query in on_replica.captured_queries)
    assert not any("audit_auditevent" in query["sql"] for query in on_replica.captured_queries)
    assert any(
        query["sql"].startswith("INSERT") and "audit_auditevent" in query["sql"]
        for query in on_default.captured_queries
    )
    # Outside the block every read is the primary's again.
    assert Case.objects.all().db == "default"


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("reports:dashboard", {}),
        ("reports:statistics", {}),
        ("reports:statistics_export", {"fmt": "csv"}),
    ],
)
def test_the_reports_read_from_the_replica_and_audit_on_the_primary(
    replica, login, supervisor, caseworker, name, kwargs
):
    CaseFactory(agency=supervisor.agency, created_by=caseworker, caseworkers=[caseworker])
    client = login(supervisor)
    url = reverse(name, kwargs=kwargs) + f"?year={timezone.localdate().year}"
    client.get(url)  # anything computed once is now computed
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connection) as on_default,
    ):
        assert client.get(url).status_code == 200
    # The figures (cases, or the statistics snapshot counted from them) come from the
    # replica, which is never written to.
    assert on_replica.captured_queries
    assert _writes(on_replica) == []
    if name == "reports:statistics_export":
        assert any("audit_auditevent" in sql for sql in _writes(on_default))


# --- Statement timeout: a 503, never a hung worker or a 500 -------------------------


@login_not_required
def _slow(request):
    with transaction.atomic(), connection.cursor() as cursor:
        # The web connection's own timeout is 10 s; this request asks for 0.2 s to be quick.
        cursor.execute("SET LOCAL statement_timeout = 200")
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("finished")


urlpatterns = [path("slow/", _slow)]


@pytest.mark.postgres
def test_web_connections_carry_the_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "10s"


@pytest.mark.postgres
def test_web_connections_run_without_parallel_workers_or_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_management_commands_keep_parallel_query_and_server_side_cursors():
    # Server-side cursors: walking ten million audit rows holds one chunk, not the table.
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW max_parallel_workers_per_gather'); workers = c.fetchone()[0]\n"
        "print(workers, connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    workers, no_server_cursors = _manage_shell(code).split()
    assert workers != "0"
    assert no_server_cursors == "False"


@pytest.mark.postgres
def test_web_requests_read_without_server_side_cursors():
    # A form's staff dropdown iterates its queryset: one SELECT, no DECLARE … WITH HOLD
    # (which PgBouncer's transaction mode cannot keep across transactions).
    CaseFactory()
    with CaptureQueriesContext(connection) as queries:
        assert list(Case.objects.iterator())
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["SELECT"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=__name__)
def test_a_query_over_the_statement_timeout_is_a_503(client, caplog):
    client.raise_request_exception = True  # a 500 would raise here instead
    started = timezone.now()
    response = client.get("/slow/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()
    assert timezone.now() - started < datetime.timedelta(seconds=3)
    assert "Statement timeout: GET /slow/" in caplog.text
    # The connection is still usable.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_management_commands_run_without_the_web_timeout():
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    assert _manage_shell(code) == "0"
