"""The dashboard's summary cube: refreshed, read under filters, equal to the lists."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseExploitation
from cases.services import archive_case
from policy import Role
from reports import figures, partnership
from reports.models import FigureCount, FigureRefresh
from reports.tasks import refresh_dashboard_figures
from tests.factories import CaseFactory, PersonFactory, TaskFactory, UserFactory
from tests.reports.conftest import count_links
from tests.reports.test_dashboard import _seed_agency
from victims.services import archive_person

pytestmark = pytest.mark.django_db

URL = "/reports/"


@pytest.fixture
def seeded(agency_a, caseworker, supervisor):
    """The varied caseload, plus a case of two types and two caseworkers, and a person
    with two cases in different months."""
    _seed_agency(agency_a, caseworker, supervisor)
    other = UserFactory(agency=agency_a, role=Role.CASEWORKER, full_name="Other Worker")
    today = timezone.localdate()
    both = CaseFactory(
        agency=agency_a,
        caseworkers=[caseworker, other],
        intake_date=today - datetime.timedelta(days=3),
    )
    CaseExploitation.objects.create(case=both, type="forced_labour")
    CaseExploitation.objects.create(case=both, type="sexual")
    twice = PersonFactory(agency=agency_a, sex="male", nationality="KH")
    for days in (2, 100):
        CaseFactory(
            agency=agency_a,
            person=twice,
            caseworkers=[other],
            intake_date=today - datetime.timedelta(days=days),
        )
    figures.refresh([agency_a.pk])
    return other


def _figures(response) -> dict:
    return {f.key: f for section in response.context["sections"].values() for f in section}


def _check_links(client, params: dict, *, follow_zeros: bool) -> int:
    response = client.get(URL, params)
    assert response.status_code == 200
    links = dict(count_links(response.content.decode()))
    assert links
    checked = 0
    for href, expected in links.items():
        if not expected and not follow_zeros:
            continue
        listed = client.get(href)
        assert listed.status_code == 200, href
        assert listed.context["page"].paginator.count == expected, href
        checked += 1
    return checked


def test_every_figure_equals_its_list_under_every_filter(login, supervisor, caseworker, seeded):
    client = login(supervisor)
    today = timezone.localdate()
    assert _check_links(client, {}, follow_zeros=True) > 20
    for params in (
        {"caseworker": str(caseworker.pk)},
        {"caseworker": str(seeded.pk)},
        {"exploitation": "sexual"},
        {"exploitation": "unknown"},
        {"exploitation": "forced_labour", "caseworker": str(seeded.pk)},
        {"intake_after": (today - datetime.timedelta(days=60)).isoformat()},
        {
            "intake_after": (today - datetime.timedelta(days=200)).isoformat(),
            "intake_before": (today - datetime.timedelta(days=30)).isoformat(),
        },
    ):
        assert _check_links(client, params, follow_zeros=False) > 0, params


def test_archived_records_leave_the_figures_and_their_lists_alike(
    login, supervisor, agency_a, seeded
):
    """An archived case, and a person archived with their case, change no figure: the
    cube and the lists it links to leave them out alike."""
    client = login(supervisor)

    def counted() -> dict[str, int]:
        # The factories' new staff join the caseload table with 0: only counts compared.
        return {href: n for href, n in count_links(client.get(URL).content.decode()) if n}

    before = counted()
    recent = timezone.localdate() - datetime.timedelta(days=5)
    duplicate = CaseFactory(agency=agency_a, caseworkers=[seeded], intake_date=recent)
    CaseExploitation.objects.create(case=duplicate, type="sexual")
    archive_case(duplicate, actor=supervisor, reason="Entered twice by mistake")
    wrong = PersonFactory(agency=agency_a, sex="female", nationality="VN")
    CaseFactory(agency=agency_a, person=wrong, caseworkers=[seeded], intake_date=recent)
    archive_person(wrong, actor=supervisor, reason="Opened for the wrong person")
    figures.refresh([agency_a.pk])
    assert counted() == before
    assert _check_links(client, {}, follow_zeros=True) > 20
    assert _check_links(client, {"caseworker": str(seeded.pk)}, follow_zeros=False) > 0


def test_a_case_of_two_types_and_two_caseworkers_counts_once_per_key(login, supervisor, seeded):
    client = login(supervisor)
    total = sum(c[0].value for _l, c in _figures(client.get(URL))["victims-sex"].rows)
    by_type = {
        label: cells[0].value for label, cells in _figures(client.get(URL))["by-exploitation"].rows
    }
    assert by_type["Sexual exploitation"] == 2 and by_type["Forced labour"] == 3
    caseload = {
        label: cells[0].value for label, cells in _figures(client.get(URL))["caseload"].rows
    }
    assert caseload["Other Worker"] == 3
    # The person of two cases is one person.
    people = Case.objects.filter(agency=supervisor.agency).values("person").distinct()
    assert total == people.count()


def test_the_page_shows_the_last_refresh_until_the_next(login, supervisor, agency_a, seeded):
    client = login(supervisor)
    before = _figures(client.get(URL))["closure-requested"]
    count = sum(c[0].value for _l, c in _figures(client.get(URL))["by-exploitation"].rows)
    CaseFactory(agency=agency_a)
    response = client.get(URL)
    assert b'data-testid="figures-as-of"' in response.content
    stale = sum(c[0].value for _l, c in _figures(response)["by-exploitation"].rows)
    assert stale == count
    figures.refresh([agency_a.pk])
    fresh = sum(c[0].value for _l, c in _figures(client.get(URL))["by-exploitation"].rows)
    assert fresh == count + 1
    assert before.rows


def _cube() -> list[tuple]:
    return sorted(
        FigureCount.objects.values_list(
            "agency_id", "month", "exploitation", "caseworker", "figure", "value", "n"
        ),
        key=str,
    )


def test_refresh_is_idempotent(agency_a, agency_b, seeded):
    first = _cube()
    assert first
    figures.refresh()
    figures.refresh()
    assert _cube() == first
    assert FigureRefresh.objects.filter(agency__in=[agency_a, agency_b]).count() == 2


def test_an_agency_is_computed_on_its_first_view(login, supervisor, agency_a, caseworker):
    CaseFactory(agency=agency_a, caseworkers=[caseworker])
    assert not FigureRefresh.objects.filter(agency=agency_a).exists()
    response = login(supervisor).get(URL)
    by_type = {label: c[0].value for label, c in _figures(response)["by-exploitation"].rows}
    assert by_type["Not recorded"] == 1
    assert FigureRefresh.objects.filter(agency=agency_a).exists()


def test_the_date_filter_counts_whole_months_and_the_links_carry_them(login, supervisor, seeded):
    response = login(supervisor).get(
        URL, {"intake_after": "2025-03-15", "intake_before": "2025-05-02"}
    )
    assert response.context["params"]["intake_after"] == "2025-03-01"
    assert response.context["params"]["intake_before"] == "2025-05-31"
    assert b"whole months" in response.content
    hrefs = [h for h, _n in count_links(response.content.decode()) if "/partners/" not in h]
    assert hrefs and all("intake_after=2025-03-01" in h for h in hrefs if "open=true" in h)
    assert not any("2025-03-15" in h or "2025-05-02" in h for h in hrefs)


def test_an_intake_until_date_counts_each_caseworker_as_their_lists_do(
    login, supervisor, agency_a, seeded
):
    """Under an "intake until" date, the per-staff figures are each figure's row over
    every month less the later months and the cases without a date: an undated case and
    the recent ones leave a caseworker's counts, as they leave the lists linked."""
    today = timezone.localdate()
    undated = CaseFactory(agency=agency_a, caseworkers=[seeded], intake_date=None)
    TaskFactory(
        case=undated,
        assignee=seeded,
        due_date=today - datetime.timedelta(days=3),
        created_by=seeded,
    )
    figures.refresh([agency_a.pk])
    client = login(supervisor)
    params = {"intake_before": (today - datetime.timedelta(days=60)).isoformat()}
    response = client.get(URL, params)
    rows = dict(_figures(response)["caseload"].rows)
    # Other Worker's cases: two of the last days, one 100 days ago, and the undated one.
    assert [cell.value for cell in rows["Other Worker"]] == [1, 0]
    unfiltered = dict(_figures(client.get(URL))["caseload"].rows)
    assert [cell.value for cell in unfiltered["Other Worker"]] == [4, 1]
    assert _check_links(client, params, follow_zeros=True) > 20


def test_a_dated_dashboard_reads_its_figures_by_name(login, supervisor, seeded):
    """Each figure's cells in the months asked for (reports_figure_months), never every
    cell of the agency but the per-staff ones: at 1,000,000 cases those are 70,000."""
    client = login(supervisor)
    after = (timezone.localdate() - datetime.timedelta(days=60)).isoformat()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"intake_after": after}).status_code == 200
    sums = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"]]
    cube = [sql for sql in sums if '"reports_figurecount"."month" >=' in sql]
    assert len(cube) == 3  # the shared figures, the cases by month, the per-staff ones
    by_name = ('"reports_figurecount"."figure" IN (', '"reports_figurecount"."figure" = ')
    assert all(any(text in sql for text in by_name) for sql in cube)
    assert not any("NOT (" in sql and '"figure" IN' in sql for sql in cube)


def test_a_dated_dashboard_reads_every_figure_it_counts(agency_a, seeded):
    """The figures a dated dashboard reads by name (figures.SHARED, figures.PER_STAFF and
    their yearly cells, figures.YEARLY) are every figure the refresh counts under the
    filters: a new figure left out of them would read as zero."""
    counted = set(FigureCount.objects.filter(agency=agency_a).values_list("figure", flat=True))
    assert len(counted) > 10
    per_staff = {*figures.PER_STAFF, *figures.YEARLY.values()}
    assert counted - {partnership.FIGURE} <= {*figures.SHARED, *per_staff}
    assert not set(figures.SHARED) & set(figures.PER_STAFF)


def test_refresh_command_and_worker_task(agency_a, seeded):
    FigureCount.objects.all().delete()
    out = io.StringIO()
    call_command("refresh_figures", "--agency", agency_a.code, stdout=out)
    assert "cells" in out.getvalue()
    assert FigureCount.objects.filter(agency=agency_a).exists()
    assert refresh_dashboard_figures.call_local() > 0


def test_refresh_command_refuses_an_unknown_agency(db):
    with pytest.raises(Exception, match="NOPE"):
        call_command("refresh_figures", "--agency", "NOPE", stdout=io.StringIO())
