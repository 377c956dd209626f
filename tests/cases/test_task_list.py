"""The agency task list: tasks of the cases the user may see, filtered and paged."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CaseFactory, TaskFactory

pytestmark = pytest.mark.django_db

URL = reverse("cases:task_list")


def _titles(response) -> set[str]:
    return {task.title for task in response.context["page"].object_list}


def test_each_role_sees_the_tasks_of_the_cases_it_may_see(
    login, case, caseworker, other_caseworker, supervisor, outsider, agency_a
):
    TaskFactory(case=case, title="Mine")
    others = CaseFactory(agency=agency_a, caseworkers=[other_caseworker])
    TaskFactory(case=others, title="Colleague's")
    assert _titles(login(caseworker).get(URL)) == {"Mine"}
    assert _titles(login(supervisor).get(URL)) == {"Mine", "Colleague's"}
    assert _titles(login(outsider).get(URL)) == set()


def test_platform_admins_are_refused(login, platform_admin):
    assert login(platform_admin).get(URL).status_code == 403


def test_the_overdue_filter_keeps_only_late_open_tasks(login, supervisor, case):
    past = timezone.localdate() - datetime.timedelta(days=2)
    TaskFactory(case=case, title="Late", due_date=past)
    TaskFactory(case=case, title="On time")
    response = login(supervisor).get(URL, {"overdue": "true"})
    assert _titles(response) == {"Late"}


def test_bad_filter_values_are_400(login, supervisor):
    assert login(supervisor).get(URL, {"status": "nonsense"}).status_code == 400


def test_the_query_count_does_not_grow_with_rows(login, supervisor, case):
    client = login(supervisor)
    TaskFactory(case=case)
    client.get(URL)  # the first request after login refreshes the session (a write)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for _n in range(100):
        TaskFactory(case=CaseFactory(agency=case.agency, supervisor=supervisor))
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(one) == len(many)
