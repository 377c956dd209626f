"""The supervisor dashboard: access, agency isolation, constant queries, drill-down."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import CaseExploitation, ServiceItem, Task, Track
from policy import Role
from reports import figures
from tests.factories import CaseFactory, PersonFactory, TaskFactory, UserFactory
from tests.reports.conftest import count_links
from tests.reports.factories import add_exploitation, bulk_cases
from victims.models import IdentificationDecision

pytestmark = pytest.mark.django_db

URL = "/reports/"


def _seed_agency(agency, caseworker, supervisor) -> None:
    """A small, varied caseload: every figure has something to count."""
    today = timezone.localdate()
    for n, (sex, nationality) in enumerate(
        [("female", "VN"), ("male", "ID"), ("female", "PH"), ("unknown", ""), ("male", "TH")]
    ):
        person = PersonFactory(agency=agency, sex=sex, nationality=nationality)
        case = CaseFactory(
            agency=agency,
            person=person,
            caseworkers=[caseworker],
            intake_date=today - datetime.timedelta(days=40 * n + 5),
        )
        CaseExploitation.objects.create(
            case=case, type=["forced_criminality", "forced_labour", "sexual"][n % 3]
        )
        if n % 2 == 0:
            services.transition_track(case, Track.IDENTIFICATION, "screening", actor=caseworker)
            services.transition_track(
                case, Track.IDENTIFICATION, "awaiting_decision", actor=caseworker
            )
        if n == 1:
            IdentificationDecision.objects.create(
                case=case,
                authority="police",
                decided_on=today - datetime.timedelta(days=10),
                outcome="identified",
                recorded_by=supervisor,
            )
            ServiceItem.objects.create(
                case=case,
                service_type="residence_permit",
                status="in_progress",
                permit_expires_on=today + datetime.timedelta(days=12),
                created_by=caseworker,
            )
        TaskFactory(
            case=case,
            assignee=caseworker,
            due_date=today - datetime.timedelta(days=n + 1),
            created_by=caseworker,
        )
    CaseFactory(agency=agency, person=PersonFactory(agency=agency, sex="female", nationality="VN"))
    _seed_partnership(agency, supervisor)


def _seed_partnership(agency, supervisor) -> None:
    from cases.models import Case
    from cooperation.models import Referral
    from partners.models import PreventionActivity
    from tests.factories import AgencyFactory

    other = AgencyFactory(code="SHLT1")
    case = Case.objects.filter(agency=agency).first()
    for status in ("sent", "accepted", "declined"):
        Referral.objects.create(
            case=case,
            from_agency=agency,
            to_agency=other,
            purpose="shelter",
            status=status,
            respond_by=timezone.localdate() - datetime.timedelta(days=1),
            created_by=supervisor,
        )
    PreventionActivity.objects.create(
        activity_type="training",
        title="Training",
        organiser=agency,
        start_date=timezone.localdate(),
        participants=25,
        created_by=supervisor,
    )


@pytest.fixture
def seeded(agency_a, caseworker, supervisor):
    _seed_agency(agency_a, caseworker, supervisor)


def test_supervisor_and_agency_admin_see_the_dashboard(login, supervisor, agency_admin, seeded):
    for user in (supervisor, agency_admin):
        response = login(user).get(URL)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert b"vendor/chartjs/chart.umd.min.js" in response.content


@pytest.mark.parametrize("persona", ["caseworker", "outsider", "platform_admin"])
def test_caseworkers_and_platform_admins_get_403(login, request, persona):
    assert login(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_no_inline_script_only_json_data(login, supervisor, seeded):
    content = login(supervisor).get(URL).content.decode()
    assert 'type="application/json"' in content
    for chunk in content.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or 'type="application/json"' in tag


@pytest.mark.parametrize(
    "params",
    [{"intake_after": "not-a-date"}, {"exploitation": "x"}, {"caseworker": "999999"}],
)
def test_bad_filter_input_gives_400(login, supervisor, params):
    assert login(supervisor).get(URL, params).status_code == 400


def _all_figures(response) -> dict:
    return {f.key: f for figures in response.context["sections"].values() for f in figures}


def test_every_dashboard_number_equals_the_length_of_the_list_it_links_to(
    login, supervisor, seeded
):
    client = login(supervisor)
    for params in ({}, {"exploitation": "forced_labour"}):
        links = dict(count_links(client.get(URL, params).content.decode()))
        assert len(links) > 20
        assert any(n > 0 for n in links.values())
        for href, expected in links.items():
            if params and not expected:
                continue  # the unfiltered pass follows the zero counts too (time)
            response = client.get(href)
            assert response.status_code == 200, href
            assert response.context["page"].paginator.count == expected, href


def test_figures_count_the_seeded_records(login, supervisor, caseworker, seeded):
    figures = _all_figures(login(supervisor).get(URL))
    rows = dict(figures["overdue"].rows)
    assert rows["Overdue tasks"][0].value == 5
    assert rows["Cases awaiting an identification decision"][0].value == 3
    assert rows["Cases with a permit expired or expiring within 30 days"][0].value == 1
    assert rows["Cases with an expired permit"][0].value == 0
    sexes = {label: cells[0].value for label, cells in figures["victims-sex"].rows}
    assert sexes == {"Female": 3, "Male": 2, "Transgender / gender minority": 0, "Unknown": 1}
    caseload = {label: [c.value for c in cells] for label, cells in figures["caseload"].rows}
    assert caseload[caseworker.full_name] == [5, 5]


def test_an_expired_permit_is_counted_in_red_and_listed_by_its_drill_down(
    login, supervisor, caseworker, agency_a
):
    """A permit that ran out yesterday stays on the dashboard, marked expired; one
    expiring in 10 days counts as expiring; one in 60 days is not counted."""
    today = timezone.localdate()
    cases = {}
    for name, days in (("expired", -1), ("soon", 10), ("far", 60)):
        cases[name] = CaseFactory(agency=agency_a, caseworkers=[caseworker])
        ServiceItem.objects.create(
            case=cases[name],
            service_type="work_permit",
            status="completed",
            permit_expires_on=today + datetime.timedelta(days=days),
            created_by=caseworker,
        )
    client = login(supervisor)
    response = client.get(URL)
    rows = dict(_all_figures(response)["overdue"].rows)
    expiring = rows["Cases with a permit expired or expiring within 30 days"][0]
    expired = rows["Cases with an expired permit"][0]
    assert (expiring.value, expired.value) == (2, 1)
    assert f'class="text-end text-danger fw-bold"><a href="{expired.url}"' in (
        response.content.decode().replace("&amp;", "&")
    )
    listed = {c.reference for c in client.get(expiring.url).context["page"]}
    assert listed == {cases["expired"].reference, cases["soon"].reference}
    listed = {c.reference for c in client.get(expired.url).context["page"]}
    assert listed == {cases["expired"].reference}


def test_filters_narrow_every_figure_and_are_carried_by_the_links(login, supervisor, seeded):
    response = login(supervisor).get(URL, {"exploitation": "sexual"})
    figures = _all_figures(response)
    sexes = {label: cells[0].value for label, cells in figures["victims-sex"].rows}
    assert sum(sexes.values()) == 1
    case_links = [h for h, _n in count_links(response.content.decode()) if "/partners/" not in h]
    assert case_links and all("exploitation=sexual" in href for href in case_links)


def test_agency_a_never_sees_agency_b(login, supervisor, agency_a, agency_b, caseworker):
    """Agency B gets 7 cases of a kind A has none of; no B figure may show in A's dashboard."""
    b_worker = UserFactory(agency=agency_b, role=Role.CASEWORKER, full_name="B Worker Zed")
    b_cases = bulk_cases(agency_b, b_worker, 7, prefix="AGB", sex="male")
    add_exploitation(b_cases, "organ_removal")
    Task.objects.bulk_create(
        # bulk_create skips save(), which copies the case's agency and intake date.
        Task(
            case=c,
            agency=c.agency,
            case_intake_date=c.intake_date,
            title="late",
            due_date="2020-01-01",
            created_by=b_worker,
            assignee=b_worker,
        )
        for c in b_cases
    )
    CaseFactory(agency=agency_a, caseworkers=[caseworker])
    response = login(supervisor).get(URL)
    figures = _all_figures(response)
    assert sum(c[0].value for _l, c in figures["victims-sex"].rows) == 1
    by_type = {label: cells[0].value for label, cells in figures["by-exploitation"].rows}
    assert by_type["Organ removal"] == 0
    overdue = {label: cells[0].value for label, cells in figures["overdue"].rows}
    assert overdue["Overdue tasks"] == 0
    assert b"B Worker Zed" not in response.content
    assert all(n in (0, 1) for _href, n in count_links(response.content.decode()))


def _dashboard_queries(client) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
        assert response.status_code == 200
    return len(queries), _all_figures(response)


def test_query_count_is_the_same_for_10_and_20000_cases(login, supervisor, agency_a, caseworker):
    client = login(supervisor)
    few = bulk_cases(agency_a, caseworker, 10, prefix="FEW", intake_date=timezone.localdate())
    add_exploitation(few, "forced_labour")
    figures.refresh([agency_a.pk])
    small, before = _dashboard_queries(client)
    many = bulk_cases(agency_a, caseworker, 20_000, prefix="MANY", intake_date=timezone.localdate())
    add_exploitation(many[:10_000], "sexual")
    figures.refresh([agency_a.pk])
    large, after = _dashboard_queries(client)
    assert small == large
    by_type = {label: cells[0].value for label, cells in after["by-exploitation"].rows}
    assert by_type["Sexual exploitation"] == 10_000
    assert sum(c[0].value for _l, c in before["victims-sex"].rows) == 10
    assert sum(c[0].value for _l, c in after["victims-sex"].rows) == 20_010
