"""The agency task list: tasks of the cases the user may see, filtered and paged."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseExploitation, ExploitationType, Task
from cases.services import add_task, transition_task, update_case
from tests.factories import CaseFactory, TaskFactory
from tests.plans import explain

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


def test_the_overdue_list_reads_the_open_tasks_index_alone(login, supervisor, case):
    """The overdue list and its count walk the open tasks by due date: on PostgreSQL the
    index holds each task's case and agency, so the walk reads no table row of a task, only
    each task's case for the scope (issue 12: 1,001 tasks at 1,000,000 cases)."""
    past = timezone.localdate() - datetime.timedelta(days=2)
    late = [TaskFactory(case=case, title=f"Late {n}", due_date=past) for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        response = login(supervisor).get(URL, {"overdue": "true"})
    assert {task.pk for task in response.context["page"].object_list} == {t.pk for t in late}
    if connection.vendor == "postgresql":
        listed = explain(_list_query(queries), off=("seqscan", "bitmapscan"))
        assert "Index Only Scan using cases_task_open_due_with on cases_task" in listed


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


def _list_query(queries) -> str:
    """The task list's query for the ids of its page (the late read's first step)."""
    return next(
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "cases_task"."id"') and "ORDER BY" in q["sql"]
    )


def _list_plan(queries) -> str:
    """PostgreSQL's plan of the list's query, as it would be over many rows."""
    return explain(_list_query(queries))


def test_the_exploitation_and_caseworker_filters_keep_the_tasks_of_matching_cases(
    login, supervisor, caseworker, other_caseworker, agency_a
):
    recorded = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    CaseExploitation.objects.create(case=recorded, type=ExploitationType.FORCED_LABOUR)
    TaskFactory(case=recorded, title="Forced labour")
    TaskFactory(case=CaseFactory(agency=agency_a, caseworkers=[other_caseworker]), title="None")
    client = login(supervisor)
    assert _titles(client.get(URL, {"exploitation": "forced_labour"})) == {"Forced labour"}
    assert _titles(client.get(URL, {"exploitation": "unknown"})) == {"None"}
    named = {"caseworker_name": other_caseworker.full_name}
    assert _titles(client.get(URL, named)) == {"None"}


@pytest.mark.postgres
def test_not_recorded_exploitation_probes_each_task_along_the_list(
    login, supervisor, case, caseworker
):
    """Filtered on cases with no exploitation recorded, the task list reads tasks in
    due-date order and checks each one's case as it goes (a correlated subplan), never a
    join of every case of the country sorted afterwards: as a hash anti-join it took 1.9 s
    at 1,000,000 cases (issue 12)."""
    # A task with and one without: a list with no row reads no page.
    CaseExploitation.objects.create(case=case, type=ExploitationType.SEXUAL)
    TaskFactory(case=case)
    TaskFactory(case=CaseFactory(agency=case.agency, caseworkers=[caseworker]))
    client = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"exploitation": "unknown"}).status_code == 200
    plan = _list_plan(queries)
    main, _, probes = plan.partition("SubPlan")
    assert "cases_caseexploitation" in probes, plan
    assert "cases_caseexploitation" not in main, plan
    assert "hashed SubPlan" not in plan, plan


def test_the_intake_filters_follow_the_case_and_its_edits(login, supervisor, case, caseworker):
    """The task keeps a copy of its case's intake date (and agency) for the list's filters:
    set when the task is created, changed with the case's intake date."""
    case.intake_date = datetime.date(2025, 1, 10)
    case.save()
    TaskFactory(case=case, title="Early case")
    add_task(
        Task(case=case, title="Added by hand", due_date=timezone.localdate()), actor=caseworker
    )
    assert set(Task.objects.values_list("agency", "case_intake_date")) == {
        (case.agency_id, datetime.date(2025, 1, 10))
    }
    client = login(supervisor)
    both = {"Early case", "Added by hand"}
    assert _titles(client.get(URL, {"intake_after": "2025-01-01"})) == both
    assert _titles(client.get(URL, {"intake_after": "2025-02-01"})) == set()
    assert _titles(client.get(URL, {"intake_before": "2025-01-31"})) == both
    earlier = Task.objects.filter(case=case).order_by("pk")[0]  # "Early case", read now
    case.refresh_from_db()
    case.intake_date = datetime.date(2025, 3, 1)
    update_case(case, actor=caseworker, expected_version=case.version)
    assert _titles(client.get(URL, {"intake_after": "2025-02-01"})) == both
    assert _titles(client.get(URL, {"intake_before": "2025-01-31"})) == set()
    # Saved after the case's edit, the task read before it leaves the copy to the case.
    earlier.title = "Renamed"
    earlier.save()
    renamed = {"Renamed", "Added by hand"}
    assert _titles(client.get(URL, {"intake_after": "2025-02-01"})) == renamed


@pytest.mark.postgres
def test_the_intake_filter_tests_the_tasks_copy_not_each_case(login, supervisor, case):
    """Filtered on the cases' intake date, the list tests the tasks' own copy of it (in
    their index, cases_task_due), never each task's case: tasks fall due after their case
    came in, so probing cases along the due dates read every older case's tasks first (1 s
    for "from a year ago" at 1,000,000 cases)."""
    TaskFactory(case=case)
    client = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"intake_after": "2020-01-01"})
    assert response.status_code == 200
    plan = _list_plan(queries)
    assert "(case_intake_date >= " in plan, plan
    assert "(intake_date >= " not in plan, plan


def test_the_intake_from_filter_keeps_tasks_due_before_their_case_came_in(
    login, supervisor, case, caseworker, agency_a
):
    """The list filtered on recent intakes starts at the filter's date in due order
    (TaskQuerySet.of_cases_from), lowered to the earliest task due before its own case's
    intake date: such a task is still listed, and an older case's task due later is not."""
    case.intake_date = datetime.date(2026, 3, 1)
    case.save()
    TaskFactory(case=case, title="Planned before the intake", due_date=datetime.date(2025, 6, 1))
    TaskFactory(case=case, title="After the intake", due_date=datetime.date(2026, 3, 5))
    older = CaseFactory(agency=agency_a, intake_date=datetime.date(2025, 1, 1))
    TaskFactory(case=older, title="Older case, due later", due_date=datetime.date(2026, 4, 1))
    client = login(supervisor)
    listed = {"Planned before the intake", "After the intake"}
    assert _titles(client.get(URL, {"intake_after": "2026-02-01"})) == listed
    assert _titles(client.get(URL, {"intake_after": "2026-03-02"})) == set()
    everything = listed | {"Older case, due later"}
    assert _titles(client.get(URL, {"intake_after": "2024-12-01"})) == everything
    # The bound changes no result, whatever the date: the same rows as the plain filter.
    for day in (datetime.date(2024, 1, 1), datetime.date(2025, 6, 1), datetime.date(2026, 3, 1)):
        bounded = Task.objects.of_cases_from(day)
        assert set(bounded) == set(Task.objects.filter(case_intake_date__gte=day)), day


@pytest.mark.postgres
def test_the_intake_from_filter_starts_the_due_date_index_at_its_bound(login, supervisor, case):
    """The list filtered on recent intakes reads the due-date index from a bound, not from
    its first entry: every older case's tasks come first in due order (70 ms of index for
    last month's intakes at 1,000,000 cases, 9 ms from the bound); the bound's few early
    tasks come from their own partial index (cases_task_due_before_intake)."""
    TaskFactory(case=case)
    client = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"intake_after": "2020-01-01"}).status_code == 200
    plan = _list_plan(queries)
    # The bound (an InitPlan of the Limit), then the list itself (the Limit's own input).
    initplan, _, main = plan.partition("\n  ->  ")
    assert "cases_task_due_before_intake" in initplan, plan
    assert "on cases_task_due " in main, plan
    assert "Index Cond: (due_date >= LEAST(" in main, plan


@pytest.mark.postgres
def test_the_cancelled_filter_reads_the_cancelled_tasks_index(login, supervisor, case, caseworker):
    """Cancelled tasks are few: the list filtered on them reads their own partial index
    (cases_task_cancelled_due), never every task of the country."""
    for _n in range(2):
        task = TaskFactory(case=case)
        transition_task(task, Task.Status.CANCELLED, actor=caseworker)
    client = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"status": "cancelled"})
    assert len(response.context["page"].object_list) == 2
    plan = _list_plan(queries)
    assert "cases_task_cancelled_due" in plan, plan
