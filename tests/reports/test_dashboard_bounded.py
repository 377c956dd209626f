"""The dashboard stays bounded at a national agency's size: a caseload table of the busiest
caseworkers, a cube without per-caseworker slices, statistics cached as plain text."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.functional import Promise

from accounts.models import User
from cases.models import Case
from policy import Role
from reports import figures, selectors, statistics
from reports.models import FigureCount
from reports.tasks import refresh_national_statistics
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/reports/"


def _caseload(response) -> dict:
    return {f.key: f for section in response.context["sections"].values() for f in section}[
        "caseload"
    ]


@pytest.fixture
def crowded(agency_a, caseworker):
    """More caseworkers than the table shows; the busiest has three open cases, the next two."""
    staff = [
        UserFactory(agency=agency_a, role=Role.CASEWORKER, full_name=f"Worker {n:02d}")
        for n in range(selectors.CASELOAD_ROWS + 2)
    ]
    for _n in range(3):
        CaseFactory(agency=agency_a, caseworkers=[staff[-1]])
    for _n in range(2):
        CaseFactory(agency=agency_a, caseworkers=[staff[-2], caseworker])
    figures.refresh([agency_a.pk])
    return staff


def test_caseload_shows_the_busiest_caseworkers_first_and_links_to_all(
    login, supervisor, caseworker, crowded
):
    client = login(supervisor)
    response = client.get(URL)
    table = _caseload(response)
    assert len(table.rows) == selectors.CASELOAD_ROWS
    names = [label for label, _cells in table.rows]
    assert names[0] == crowded[-1].full_name
    assert set(names[1:3]) == {crowded[-2].full_name, caseworker.full_name}
    assert [cell.value for cell in table.rows[0][1]] == [3, 0]
    staff = User.objects.in_agency(supervisor.agency_id).caseworkers().active().count()
    label, url = table.more
    assert str(staff) in label
    assert "caseload=all" in url
    assert b'data-testid="caseload-more"' in response.content
    everyone = _caseload(client.get(url))
    assert len(everyone.rows) == staff
    assert everyone.more is None


def test_caseload_costs_the_same_queries_for_the_first_rows_and_for_all(login, supervisor, crowded):
    client = login(supervisor)
    client.get(URL)
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with CaptureQueriesContext(connection) as everyone:
        client.get(URL, {"caseload": "all"})
    assert len(first) == len(everyone)


def test_the_stored_cube_has_no_caseworker_slices(agency_a, caseworker, crowded):
    cells = FigureCount.objects.filter(agency=agency_a)
    assert cells.filter(all_months=True).exists()
    assert not cells.filter(caseworker__gt=0).exists()
    per_staff = dict(
        cells.filter(figure="caseload", all_months=True, exploitation=figures.ALL).values_list(
            "value", "n"
        )
    )
    assert per_staff[str(crowded[-1].pk)] == 3
    assert per_staff[str(caseworker.pk)] == 2


def test_a_caseworker_filter_counts_that_caseworkers_cases_live(
    login, supervisor, agency_a, caseworker, crowded
):
    client = login(supervisor)
    response = client.get(URL, {"caseworker": str(caseworker.pk)})
    table = _caseload(response)
    assert [label for label, _cells in table.rows] == [caseworker.full_name]
    assert table.rows[0][1][0].value == 2
    by_type = {
        label: cells[0].value
        for section in response.context["sections"].values()
        for f in section
        if f.key == "by-exploitation"
        for label, cells in f.rows
    }
    assert by_type["Not recorded"] == Case.objects.filter(caseworkers=caseworker).count() == 2


def test_statistics_snapshots_hold_translated_text_not_lazy_strings(supervisor):
    cases = Case.objects.visible_to(supervisor)
    snapshot = statistics.agency_snapshot(cases, supervisor.agency_id, 2026)
    assert snapshot.tables
    for table in snapshot.tables:
        assert not isinstance(table.title, Promise)
        assert not isinstance(table.definition, Promise)
        assert not any(isinstance(label, Promise) for label, _n in table.rows)


def test_the_worker_counts_the_national_figures_in_every_language(
    agency_a, django_assert_max_num_queries
):
    refresh_national_statistics.call_local()
    for code, _name in settings.LANGUAGES:
        # Read from the cache: only the archive generation is looked up, no aggregate.
        with translation.override(code), django_assert_max_num_queries(1):
            statistics.national_snapshot(timezone.localdate().year)
