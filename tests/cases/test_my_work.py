import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services
from cases.models import ServiceItem, Track
from tests.factories import CaseFactory, CriminalExposureFactory, TaskFactory
from victims.services import archive_person

pytestmark = pytest.mark.django_db


def test_home_sends_caseworkers_and_supervisors_to_my_work(login, caseworker, supervisor):
    for user in (caseworker, supervisor):
        response = login(user).get(reverse("home"))
        assert response["Location"] == reverse("cases:my_work")


def test_my_work_lists_my_cases_tasks_and_recent_changes(
    login, case, caseworker, other_caseworker, agency_a
):
    today = timezone.localdate()
    TaskFactory(
        case=case,
        title="Late thing",
        assignee=caseworker,
        due_date=today - datetime.timedelta(days=1),
    )
    TaskFactory(
        case=case,
        title="Soon thing",
        assignee=caseworker,
        due_date=today + datetime.timedelta(days=3),
    )
    TaskFactory(
        case=case,
        title="Far thing",
        assignee=caseworker,
        due_date=today + datetime.timedelta(days=60),
    )
    services.transition_track(case, Track.PROTECTION, "in_progress", actor=other_caseworker)
    not_mine = CaseFactory(agency=agency_a, caseworkers=[other_caseworker])
    response = login(caseworker).get(reverse("cases:my_work"))
    content = response.content.decode()
    assert case.reference in content
    assert not_mine.reference not in content
    assert [t.title for t in response.context["overdue_tasks"]] == ["Late thing"]
    assert [t.title for t in response.context["upcoming_tasks"]] == ["Soon thing"]
    assert "Services in progress" in content
    assert "Robin Colleague" in content


def test_my_work_hides_tasks_of_cases_no_longer_visible(login, case, caseworker, agency_a):
    moved = CaseFactory(agency=agency_a)
    TaskFactory(case=moved, title="Stale assignment", assignee=caseworker)
    response = login(caseworker).get(reverse("cases:my_work"))
    assert "Stale assignment" not in response.content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:my_work")).status_code == 200
    return len(queries)


def test_my_work_query_count_does_not_grow_with_cases(login, caseworker, agency_a):
    client = login(caseworker)

    def add_case():
        case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
        TaskFactory(
            case=case,
            assignee=caseworker,
            due_date=timezone.localdate() - datetime.timedelta(days=1),
        )
        CriminalExposureFactory(case=case)
        services.transition_track(case, Track.IDENTIFICATION, "screening", actor=caseworker)

    add_case()
    _queries(client)  # the first request after login refreshes the session (a write)
    one = _queries(client)
    for _ in range(199):
        add_case()
    assert _queries(client) == one


def test_my_work_includes_the_victims_services_section(login, caseworker):
    content = login(caseworker).get(reverse("cases:my_work")).content.decode()
    assert "Services needing attention" in content


def test_case_page_includes_the_victims_panel(login, case, caseworker):
    content = login(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Identification and protection" in content


def test_case_list_offers_new_case_through_person_intake(login, caseworker):
    content = login(caseworker).get(reverse("cases:list")).content.decode()
    assert reverse("victims:person_create") in content


def _permits_panel(content: str) -> str:
    """The permits list of the services panel (cases appear elsewhere on the page too)."""
    return content.split('id="services-attention-heading"')[1].split("Overdue services")[0]


def test_my_work_lists_expired_permits_in_red_words_and_expiring_ones_plainly(
    login, caseworker, agency_a
):
    today = timezone.localdate()
    cases = {}
    for name, days in (("expired", -1), ("soon", 10), ("far", 60)):
        cases[name] = CaseFactory(agency=agency_a, caseworkers=[caseworker])
        ServiceItem.objects.create(
            case=cases[name],
            service_type="residence_permit",
            status="completed",
            permit_expires_on=today + datetime.timedelta(days=days),
            created_by=caseworker,
        )
    panel = _permits_panel(login(caseworker).get(reverse("cases:my_work")).content.decode())
    rows = {
        name: [li for li in panel.split("<li") if case.reference in li]
        for name, case in cases.items()
    }
    assert len(rows["expired"]) == 1
    assert 'class="text-danger"' in rows["expired"][0]
    assert '<span class="badge text-bg-danger">Expired</span>' in rows["expired"][0]
    assert len(rows["soon"]) == 1 and "Expired" not in rows["soon"][0]
    assert "text-danger" not in rows["soon"][0]
    assert rows["far"] == []


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_my_cases_panel_shows_the_newest_open_cases_in_order(request, persona, agency_a):
    """Read late (ids first, then the rows by key), the panel holds the same rows in the
    same order as the scoped list, with its count; closed and other people's cases stay out."""

    user = request.getfixturevalue(persona)
    other = request.getfixturevalue("other_caseworker")
    works = {"caseworkers": [user]} if persona == "caseworker" else {"supervisor": user}
    start = datetime.date(2026, 1, 1)
    for day in (3, 1, 7, 5, 7):  # two on the same day: the newer id first
        CaseFactory(agency=agency_a, intake_date=start + datetime.timedelta(days=day), **works)
    CaseFactory(agency=agency_a, status="closed", intake_date=start, **works)
    CaseFactory(agency=agency_a, caseworkers=[other], intake_date=start)
    panel = selectors.my_cases_panel(user, limit=3)
    expected = list(selectors.my_cases(user))
    assert len(expected) == 5 and panel.count == 5 and not panel.capped
    assert [case.pk for case in panel] == [case.pk for case in expected[:3]]
    days = [case.intake_date.day for case in panel]
    assert days == sorted(days, reverse=True)
    # The rows come with what the panel shows: no query per row.
    with CaptureQueriesContext(connection) as queries:
        for case in panel:
            assert case.person.code and list(case.caseworkers.all()) is not None
    assert len(queries) == 0


def test_a_supervisors_cases_panel_merges_the_two_sets_walked_in_order(
    supervisor, caseworker, agency_a, monkeypatch
):
    """Supervised and assigned cases, each set cut at the cap in the list's order, then
    merged: the same ids, order and count as the scoped list, whatever the mix (cases in
    both sets once, no intake date, closed, archived, an archived person)."""
    monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 3)
    start = datetime.date(2026, 1, 1)

    def case(day, **works):
        intake = start + datetime.timedelta(days=day) if day is not None else None
        return CaseFactory(agency=agency_a, intake_date=intake, **works)

    for day in (9, 2, 6, 4, None):
        case(day, supervisor=supervisor)
    for day in (8, 5, 1):
        case(day, caseworkers=[supervisor])
    case(7, supervisor=supervisor, caseworkers=[supervisor])  # in both sets
    case(10, supervisor=supervisor, status="closed")
    gone = case(11, caseworkers=[supervisor])
    archive_person(gone.person, actor=supervisor, reason="Recorded twice")
    case(12, caseworkers=[caseworker])  # not theirs
    with CaptureQueriesContext(connection) as queries:
        panel = selectors.my_cases_panel(supervisor, limit=2)
    expected = [c.pk for c in selectors.my_cases(supervisor)]
    assert len(expected) == 9
    assert [c.pk for c in panel] == expected[:2]
    assert (panel.count, panel.capped) == (3, True)
    if connection.features.supports_slicing_ordering_in_compound:
        assert " UNION " in queries[0]["sql"] and queries[0]["sql"].count("LIMIT 4") == 3
        monkeypatch.setattr(selectors, "PANEL_COUNT_CAP", 100)
        assert [c.pk for c in selectors.my_cases_panel(supervisor, limit=20)] == expected


@pytest.mark.parametrize("probe", [False, True], ids=["case by case", "probing moves"])
def test_recent_changes_are_the_moves_on_the_cases_one_works(
    probe, supervisor, caseworker, agency_a, monkeypatch
):
    """Both ways of reading a whole-agency user's recent changes (the cases they work,
    or the agency's newest moves probed one by one) give the moves on the cases they
    supervise or are assigned to, never an archived case's or one they do not work."""
    monkeypatch.setattr(selectors, "PROBE_FROM_CASES", 0 if probe else 10_000)
    supervised = CaseFactory(agency=agency_a, supervisor=supervisor, caseworkers=[caseworker])
    assigned = CaseFactory(agency=agency_a, caseworkers=[supervisor])
    elsewhere = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    gone = CaseFactory(agency=agency_a, supervisor=supervisor)
    for case in (supervised, assigned, elsewhere, gone):
        services.transition_track(case, Track.PROTECTION, "in_progress", actor=caseworker)
    archive_person(gone.person, actor=supervisor, reason="Recorded twice")
    moves = selectors.recent_changes(supervisor)
    assert {move.case_id for move in moves} == {supervised.pk, assigned.pk}


def test_probing_moves_tests_them_against_the_two_id_sets_not_case_by_case(supervisor, monkeypatch):
    """A supervisor named on thousands of cases walks the agency's newest moves: each is
    tested against the ids of the cases supervised and of those assigned (a set each,
    hashed once by PostgreSQL), not by probing the move's case for the two."""
    monkeypatch.setattr(selectors, "PROBE_FROM_CASES", 0)
    CaseFactory(agency=supervisor.agency, supervisor=supervisor)
    sql = str(selectors.recent_changes(supervisor).query)
    assert sql.count('"cases_tracktransition"."case_id" IN (SELECT') == 2
