"""My work stays small and quick whatever the caseload (issue 12): each panel shows its
first rows, a count (capped: "100+") and a link to the full list, never every row."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.models import ServiceItem, Task
from tests.factories import CaseFactory, TaskFactory

pytestmark = pytest.mark.django_db

MAX_BYTES = 100 * 1024


def _load(case, n: int, start: int = 0) -> None:
    """n overdue tasks for the case's caseworker, n overdue services and n expired permits."""
    today = timezone.localdate()
    user = case.caseworkers.first()
    Task.objects.bulk_create(
        Task(
            case=case,
            agency=case.agency,  # bulk_create skips save(), which copies the case's agency
            case_intake_date=case.intake_date,
            title=f"Call the shelter about the bed, number {start + i}",
            due_date=today - datetime.timedelta(days=1 + (start + i) % 300),
            assignee=user,
            created_by=user,
        )
        for i in range(n)
    )
    ServiceItem.objects.bulk_create(
        ServiceItem(
            case=case,
            agency=case.agency,
            service_type=service_type,
            due_date=today - datetime.timedelta(days=2),
            permit_expires_on=today - datetime.timedelta(days=1) if permit else None,
            created_by=user,
        )
        for i in range(n)
        for service_type, permit in (("legal_aid", False), ("residence_permit", True))
    )


def _get(client) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:my_work"))
    assert response.status_code == 200
    return len(queries), response.content


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_my_work_is_bounded_in_bytes_and_queries_with_a_huge_caseload(
    request, login, persona, caseworker, agency_a, monkeypatch
):
    # Counted exactly below the cap (the "more than" case is the test after the next).
    monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 1000)
    user = request.getfixturevalue(persona)
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker], supervisor=user)
    _load(case, 3)
    client = login(user)
    client.get(reverse("cases:my_work"))  # the first request after login refreshes the session
    few_queries, _few = _get(client)
    _load(case, 300, start=3)
    many_queries, many = _get(client)
    assert many_queries == few_queries
    assert len(many) <= MAX_BYTES
    # At most MY_WORK_LIMIT rows a panel, whatever waits.
    assert many.count(b"Call the shelter about the bed") <= selectors.MY_WORK_LIMIT
    html = many.decode()
    if persona == "caseworker":
        assert "All my overdue tasks" in html
        assert f">{303}<" in html.replace(" ", "")  # the overdue tasks' count


def test_a_panel_counts_up_to_the_cap_then_says_more(caseworker, agency_a, monkeypatch):
    monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 5)
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    _load(case, 4)
    panel = selectors.inbox_panel(Task.objects.filter(case=case), limit=2)
    assert (panel.count, panel.capped, len(panel.rows)) == (4, False, 2)
    _load(case, 4, start=4)
    panel = selectors.inbox_panel(Task.objects.filter(case=case), limit=2)
    assert (panel.count, panel.capped, len(panel.rows)) == (5, True, 2)


def test_a_panel_read_late_counts_from_its_ids_up_to_the_cap(caseworker, agency_a, monkeypatch):
    """With rows_by_id the ids of the first cap + 1 rows count the panel (no second
    count query): the same count, cap and first rows in order as the plain panel."""
    monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 5)
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    tasks = Task.objects.filter(case=case).order_by("-due_date", "-pk")

    def late(ids):
        return Task.objects.filter(pk__in=ids)

    for start, expected in ((0, (4, False)), (4, (5, True))):
        _load(case, 4, start=start)
        with CaptureQueriesContext(connection) as queries:
            panel = selectors.inbox_panel(tasks, limit=2, rows_by_id=late)
        assert (panel.count, panel.capped) == expected
        assert [task.pk for task in panel] == [task.pk for task in tasks[:2]]
        assert len(queries) == 2


def test_a_panel_reads_its_scope_once_and_its_rows_by_key(caseworker, agency_a, monkeypatch):
    """The scoped, ordered queryset runs once (its ids count the panel); the first rows
    are then read by key with its joins and prefetches, so showing a row's case and its
    caseworkers asks nothing more. An empty panel is one query."""
    monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 5)
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    tasks = (
        Task.objects.visible_to(caseworker)
        .select_related("case")
        .prefetch_related("case__caseworkers")
        .order_by("-due_date", "-pk")
    )
    with CaptureQueriesContext(connection) as queries:
        assert selectors.inbox_panel(tasks, limit=2).count == 0
    assert len(queries) == 1
    _load(case, 7)
    with CaptureQueriesContext(connection) as queries:
        panel = selectors.inbox_panel(tasks, limit=2)
        shown = [(task.case.reference, list(task.case.caseworkers.all())) for task in panel]
    assert (panel.count, panel.capped) == (5, True)
    assert [task.pk for task in panel] == [task.pk for task in tasks[:2]]
    assert shown == [(case.reference, [caseworker])] * 2
    # ids, rows with their case, the case's caseworkers: the scope's filters ran once.
    assert len(queries) == 3
    assert sum("EXISTS" in query["sql"] for query in queries.captured_queries) == 1


def test_panels_of_one_model_read_their_rows_once(caseworker, agency_a, monkeypatch):
    """Overdue and upcoming tasks count from their own ids, then one read gives both
    panels' first rows, each panel its own rows in its own order."""
    monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 5)
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    _load(case, 7)
    today = timezone.localdate()
    for days in range(3):
        TaskFactory(case=case, assignee=caseworker, due_date=today + datetime.timedelta(days=days))
    tasks = selectors.my_tasks(caseworker)
    with CaptureQueriesContext(connection) as queries:
        overdue, upcoming = selectors.inbox_panels(tasks.overdue(), tasks.upcoming(), limit=2)
    assert (overdue.count, overdue.capped, upcoming.count, upcoming.capped) == (5, True, 3, False)
    assert [task.pk for task in overdue] == [task.pk for task in tasks.overdue()[:2]]
    assert [task.pk for task in upcoming] == [task.pk for task in tasks.upcoming()[:2]]
    # two id lists, one read of the four rows, one prefetch of their cases' caseworkers
    assert len(queries) == 4


def test_a_panel_of_annotated_rows_keeps_its_annotations(caseworker, agency_a):
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    _load(case, 3)
    tasks = Task.objects.filter(case=case).annotate(late=Value(True)).order_by("pk")
    panel = selectors.inbox_panel(tasks, limit=2)
    assert [task.late for task in panel] == [True, True]


def test_the_capped_count_shows_as_more_than(login, caseworker, agency_a, monkeypatch):
    monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 5)
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    _load(case, 12)
    html = login(caseworker).get(reverse("cases:my_work")).content.decode()
    assert ">5+<" in html.replace(" ", "")


def test_a_caseworkers_own_tasks_are_probed_one_by_one_within_the_scope(
    caseworker, other_caseworker, agency_a, agency_b
):
    """My work's tasks are those assigned to the user, each one's case probed against the
    scope: not read through the ids of every case they work (every task of a national
    caseload's 770 cases read to keep 46), and no task of a case they may not see."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    mine = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    shown = TaskFactory(case=mine, assignee=caseworker, due_date=yesterday)
    TaskFactory(case=mine, assignee=other_caseworker, due_date=yesterday)
    # Still assigned to the caseworker, on cases they may not see (any more).
    not_theirs = CaseFactory(agency=agency_a, caseworkers=[other_caseworker])
    archived = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    elsewhere = CaseFactory(agency=agency_b, caseworkers=[caseworker])
    for case in (not_theirs, archived, elsewhere):
        TaskFactory(case=case, assignee=caseworker, due_date=yesterday)
    type(archived).objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    tasks = selectors.my_tasks(caseworker)
    assert list(tasks.overdue()) == [shown]
    assert set(tasks) == set(Task.objects.visible_to(caseworker).filter(assignee=caseworker))
    # The worked ids' set (the cases they supervise, or are assigned) is not read.
    assert '"SUPERVISOR_ID" =' not in str(tasks.overdue().query).upper()
