"""Who sees an MLA request (MLARequestQuerySet.visible_to): the agency's supervisors all of
them; a caseworker those they recorded and those of the cases they work; nobody a
request whose case is archived; another agency none."""

import pytest
from django.db import connection
from django.urls import reverse

from cases.services import archive_case
from cooperation.models import MLARequest
from tests.factories import CaseFactory, MLARequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests(agency_a, caseworker, other_caseworker, supervisor):
    mine = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    theirs = CaseFactory(
        agency=agency_a, created_by=other_caseworker, caseworkers=[other_caseworker]
    )
    return {
        "of my case": MLARequestFactory(agency=agency_a, case=mine, created_by=other_caseworker),
        "recorded by me": MLARequestFactory(agency=agency_a, created_by=caseworker),
        "of their case": MLARequestFactory(
            agency=agency_a, case=theirs, created_by=other_caseworker
        ),
        "of nobody's case": MLARequestFactory(agency=agency_a, created_by=supervisor),
    }


def _seen(user) -> set[int]:
    return set(MLARequest.objects.visible_to(user).values_list("pk", flat=True))


def test_a_caseworker_sees_what_they_recorded_and_their_cases_requests(caseworker, requests):
    assert _seen(caseworker) == {requests["of my case"].pk, requests["recorded by me"].pk}


def test_a_supervisor_sees_every_request_of_the_agency(supervisor, requests):
    assert _seen(supervisor) == {request.pk for request in requests.values()}


def test_another_agency_sees_none_and_gets_404(login, outsider, requests):
    assert _seen(outsider) == set()
    url = reverse("cooperation:mla_detail", args=[requests["of my case"].pk])
    assert login(outsider).get(url).status_code == 404


def test_a_request_of_an_archived_case_is_archived_with_it(caseworker, supervisor, requests):
    archive_case(requests["of my case"].case, actor=supervisor, reason="Entered twice")
    assert requests["of my case"].pk not in _seen(caseworker)
    assert requests["of my case"].pk not in _seen(supervisor)


def test_a_caseworker_opens_the_list_and_not_a_colleagues_request(login, caseworker, requests):
    client = login(caseworker)
    listed = client.get(reverse("cooperation:mla_list")).context["page"].object_list
    assert {request.pk for request in listed} == {
        requests["of my case"].pk,
        requests["recorded by me"].pk,
    }
    url = reverse("cooperation:mla_detail", args=[requests["of their case"].pk])
    assert client.get(url).status_code == 404


def test_the_agency_is_indexed_only_at_the_head_of_the_lists_order():
    """An index on the agency alone let PostgreSQL AND a bitmap of the agency's every
    request into a caseworker's few (growing with the agency, issue 12); the list's own
    index, which leads with the agency, serves every lookup by agency."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, MLARequest._meta.db_table)
    indexed = [c["columns"] for c in constraints.values() if c["index"] and not c["primary_key"]]
    assert ["agency_id"] not in indexed
    assert ["agency_id", "reply_due", "sent_on", "id"] in indexed
