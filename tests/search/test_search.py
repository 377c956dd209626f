"""The search box: cases by reference, people by code, name (exact or approximate),
document and phone, within the user's scope, audited without the query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

URL = reverse("search:results")


@pytest.fixture
def case(agency_a, caseworker):
    """A case of agency A worked by `caseworker`, for Nguyễn Văn Test."""
    person = PersonFactory(
        agency=agency_a,
        legal_name="Nguyễn Văn Test",
        other_names="Nguyen Test",
        document_numbers="C1234567",
        phone="+84 912 345 678",
    )
    return CaseFactory(
        agency=agency_a, person=person, created_by=caseworker, caseworkers=[caseworker]
    )


def _people(client, query: str) -> list:
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    return [person for person, _name in response.context["rows"]]


def test_finds_a_case_by_part_of_its_reference(login, caseworker, case):
    response = login(caseworker).get(URL, {"q": case.reference[-5:]})
    assert list(response.context["cases"]) == [case]
    assert case.get_absolute_url() in response.content.decode()


def test_finds_a_person_by_code(login, caseworker, case):
    assert _people(login(caseworker), case.person.code.lower()) == [case.person]


def test_finds_a_person_by_exact_name_in_any_order_and_case(login, caseworker, case):
    client = login(caseworker)
    assert _people(client, "Nguyễn Văn Test") == [case.person]
    assert _people(client, "test NGUYEN van") == [case.person]


def test_finds_a_person_by_a_misspelt_name(login, caseworker, case):
    assert _people(login(caseworker), "Ngyuen Van Test") == [case.person]


def test_finds_a_person_by_part_of_a_misspelt_name(login, caseworker, case):
    assert _people(login(caseworker), "Ngyuen Van") == [case.person]


def test_finds_a_person_by_document_number(login, caseworker, case):
    assert _people(login(caseworker), "c 123 4567") == [case.person]


def test_finds_a_person_by_phone_number_in_another_format(login, caseworker, case):
    assert _people(login(caseworker), "0912-345-678") == [case.person]


def test_a_different_name_is_not_found(login, caseworker, case):
    assert _people(login(caseworker), "Tran Thi Binh") == []


def test_the_caseworker_of_the_case_sees_the_name(login, caseworker, case):
    response = login(caseworker).get(URL, {"q": "Nguyen Van Test"})
    assert "Nguyễn Văn Test" in response.content.decode()


def test_the_supervisor_named_on_the_case_sees_the_name(login, supervisor, case):
    Case.objects.filter(pk=case.pk).update(supervisor=supervisor)
    response = login(supervisor).get(URL, {"q": case.person.code})
    assert response.context["rows"] == [(case.person, "Nguyễn Văn Test")]


def test_a_colleague_who_does_not_work_the_case_sees_the_masked_form(login, supervisor, case):
    response = login(supervisor).get(URL, {"q": case.person.code})
    assert response.context["rows"] == [(case.person, "")]
    assert "Nguyễn Văn Test" not in response.content.decode()


@pytest.mark.parametrize(
    "query", ["Nguyễn Văn Test", "Ngyuen Van Test", "C1234567", "0912345678", "AGA"]
)
def test_outsiders_never_find_agency_a_people(login, outsider, case, query):
    response = login(outsider).get(URL, {"q": query})
    assert response.context["rows"] == []
    assert list(response.context["cases"]) == []


def test_every_search_is_audited_without_the_query(login, caseworker, case):
    login(caseworker).get(URL, {"q": "Ngyuen Van Test"})
    event = AuditEvent.objects.get(action=AuditEvent.Action.SEARCH)
    assert event.actor == caseworker
    row = " ".join(str(value) for value in vars(event).values())
    assert "Ngyuen" not in row and "Test" not in row


def test_an_empty_query_searches_nothing_and_is_not_audited(login, caseworker, case):
    response = login(caseworker).get(URL)
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).exists()


def test_a_too_long_query_is_a_bad_request(login, caseworker):
    assert login(caseworker).get(URL, {"q": "x" * 101}).status_code == 400


def _count_queries(client, query: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"q": query}).status_code == 200
    return len(queries)


def test_query_count_is_the_same_for_one_and_thirty_results(login, caseworker, agency_a, settings):
    client = login(caseworker)
    CaseFactory(
        agency=agency_a,
        person=PersonFactory(agency=agency_a, legal_name="Tran Thi Sample"),
        caseworkers=[caseworker],
    )
    one = _count_queries(client, "Tran Thi Sampel")
    for _ in range(29):
        CaseFactory(
            agency=agency_a,
            person=PersonFactory(agency=agency_a, legal_name="Tran Thi Sample"),
            caseworkers=[caseworker],
        )
    rows = client.get(URL, {"q": "Tran Thi Sampel"}).context["rows"]
    assert len(rows) == min(30, settings.HARBOR_PAGE_SIZE)
    assert _count_queries(client, "Tran Thi Sampel") == one


def test_the_people_found_are_counted_and_paged_from_one_walk(
    login, caseworker, agency_a, settings
):
    """The count and every page's ids come from one read of the ranked, scoped list (a
    caseworker's scope read once, not once for a count and again for the page); the
    page's rows are then read by key."""
    settings.HARBOR_PAGE_SIZE = 2
    people = [
        CaseFactory(
            agency=agency_a,
            person=PersonFactory(agency=agency_a, legal_name="Tran Thi Sample"),
            caseworkers=[caseworker],
        ).person
        for _ in range(3)
    ]
    client = login(caseworker)
    first = client.get(URL, {"q": "Tran Thi Sample"})
    with CaptureQueriesContext(connection) as queries:
        second = client.get(URL, {"q": "Tran Thi Sample", "page": 2})
    assert first.context["page"].paginator.count == 3
    found = [person for response in (first, second) for person, _name in response.context["rows"]]
    assert sorted(found, key=lambda person: person.pk) == people
    assert [name for _person, name in second.context["rows"]] == ["Tran Thi Sample"]
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert not [sql for sql in counts if '"victims_person"' in sql], counts


@pytest.mark.parametrize("query", ["Tran Thi Sample", "Sample", "C1234567"])
def test_a_caseworkers_search_reads_their_people_once(login, caseworker, agency_a, case, query):
    """The exact matches, the matcher and the list take the ids of the caseworker's people,
    read once for the search (the scope's caseless branch, the people they registered, is
    in that one query), and find the same people as the scope."""
    namesake = CaseFactory(
        agency=agency_a,
        person=PersonFactory(agency=agency_a, legal_name="Tran Thi Sample"),
        caseworkers=[caseworker],
    ).person
    registered = PersonFactory(
        agency=agency_a, legal_name="Tran Thi Sample", created_by=caseworker
    )  # no case yet: visible to whoever registered them
    client = login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        found = _people(client, query)
    scope = f'"created_by_id" = {caseworker.pk} AND NOT EXISTS'
    assert len([q for q in queries.captured_queries if scope in q["sql"]]) == 1
    expected = {"C1234567": [case.person]}.get(query, [namesake, registered])
    assert sorted(found, key=lambda person: person.pk) == expected


def test_the_navigation_has_a_search_box_for_readers(login, caseworker):
    content = login(caseworker).get(reverse("cases:my_work")).content.decode()
    assert 'role="search"' in content
    assert f'action="{URL}"' in content


def test_the_intake_duplicate_check_uses_the_matcher(login, caseworker, case):
    response = login(caseworker).post(
        reverse("victims:person_create"), {"legal_name": "Ngyuen Van Test", "sex": "unknown"}
    )
    assert response.status_code == 200
    assert case.person in [person for person, _reasons in response.context["matches"]]
