import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseExploitation, Track
from tests.factories import CaseFactory, CriminalExposureFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _references(response) -> set[str]:
    return {case.reference for case in response.context["page"].object_list}


def test_list_filters_by_track_status_and_exploitation(login, supervisor, caseworker, agency_a):
    screened = CaseFactory(agency=agency_a)
    services.transition_track(screened, Track.IDENTIFICATION, "screening", actor=caseworker)
    fraud = CaseFactory(agency=agency_a)
    CaseExploitation.objects.create(case=fraud, type="forced_criminality", subtype="online_fraud")
    client = login(supervisor)
    url = reverse("cases:list")
    assert _references(client.get(url, {"identification_status": "screening"})) == {
        screened.reference
    }
    assert _references(client.get(url, {"exploitation": "forced_criminality"})) == {fraud.reference}
    assert _references(client.get(url)) == {screened.reference, fraud.reference}


def test_list_filters_by_overdue_tasks_caseworker_and_intake_dates(
    login, supervisor, caseworker, agency_a
):
    late = CaseFactory(agency=agency_a, caseworkers=[caseworker], intake_date="2026-01-10")
    TaskFactory(case=late, due_date=timezone.localdate() - timezone.timedelta(days=1))
    other = CaseFactory(agency=agency_a, intake_date="2025-06-01")
    client = login(supervisor)
    url = reverse("cases:list")
    assert _references(client.get(url, {"overdue": "true"})) == {late.reference}
    assert _references(client.get(url, {"caseworker": caseworker.pk})) == {late.reference}
    assert _references(client.get(url, {"intake_before": "2025-12-31"})) == {other.reference}
    assert _references(client.get(url, {"q": late.reference[-5:]})) == {late.reference}


def test_filters_are_kept_across_pages(login, supervisor, agency_a, settings):
    settings.HARBOR_PAGE_SIZE = 2
    for _ in range(5):
        CaseFactory(agency=agency_a, risk_level="high")
    response = login(supervisor).get(reverse("cases:list"), {"risk_level": "high"})
    assert "risk_level=high&amp;page=2" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"order": "person__legal_name"}, {"status": "deleted"}, {"exploitation": "x"}],
)
def test_values_outside_the_allow_list_give_400(login, supervisor, params):
    assert login(supervisor).get(reverse("cases:list"), params).status_code == 400


def test_sorting_by_risk_follows_severity_not_the_alphabet(login, supervisor, agency_a):
    low = CaseFactory(agency=agency_a, risk_level="low")
    high = CaseFactory(agency=agency_a, risk_level="high")
    medium = CaseFactory(agency=agency_a, risk_level="medium")
    client = login(supervisor)
    response = client.get(reverse("cases:list"), {"order": "-risk"})
    assert [c.pk for c in response.context["page"].object_list] == [high.pk, medium.pk, low.pk]
    response = client.get(reverse("cases:list"), {"order": "risk"})
    assert [c.pk for c in response.context["page"].object_list] == [low.pk, medium.pk, high.pk]


@pytest.mark.parametrize("order", ["status", "-status", "risk", "-risk"])
def test_a_sort_with_ties_shows_every_case_once_across_pages(
    login, supervisor, agency_a, settings, order
):
    """Cases that tie on the sort key keep one order from page to page (by id, in the
    sort's direction): none shows twice, none is skipped."""
    settings.HARBOR_PAGE_SIZE = 3
    cases = CaseFactory.create_batch(7, agency=agency_a, risk_level="medium")
    client = login(supervisor)
    seen = []
    for number in (1, 2, 3):
        response = client.get(reverse("cases:list"), {"order": order, "page": number})
        seen += [case.pk for case in response.context["page"].object_list]
    ids = sorted(case.pk for case in cases)
    assert seen == (ids if not order.startswith("-") else ids[::-1])


def test_non_punishment_badge_shows_in_the_list(login, supervisor, case):
    CriminalExposureFactory(case=case)
    content = login(supervisor).get(reverse("cases:list")).content.decode()
    assert "Non-punishment" in content


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:list")).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(login, supervisor, caseworker, agency_a):
    client = login(supervisor)

    def add_case():
        case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
        CaseExploitation.objects.create(case=case, type="sexual")
        CriminalExposureFactory(case=case)

    add_case()
    _list_queries(client)  # the first request after login refreshes the session (a write)
    one = _list_queries(client)
    for _ in range(199):
        add_case()
    assert _list_queries(client) == one
