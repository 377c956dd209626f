"""Names where work happens: the people who work a case see the person's name; others
see the code (the masked form) and may reveal it on the person page, audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import CaseFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def name(case) -> str:
    return case.person.legal_name


def test_caseworker_of_the_case_sees_the_name_on_the_case_page(login, caseworker, case, name):
    content = login(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert name in content


def test_case_page_links_to_the_person_page_and_back(login, caseworker, case):
    client = login(caseworker)
    person_url = case.person.get_absolute_url()
    assert person_url in client.get(case.get_absolute_url()).content.decode()
    assert case.get_absolute_url() in client.get(person_url).content.decode()


def test_caseworker_of_the_case_sees_the_name_on_my_work(login, caseworker, case, name):
    TaskFactory(case=case, assignee=caseworker)
    content = login(caseworker).get(reverse("cases:my_work")).content.decode()
    assert content.count(name) >= 2  # the open cases table and the upcoming task


def test_caseworker_of_the_case_sees_the_name_in_case_and_task_lists(login, caseworker, case, name):
    TaskFactory(case=case, assignee=caseworker)
    client = login(caseworker)
    assert name in client.get(reverse("cases:list")).content.decode()
    assert name in client.get(reverse("cases:task_list")).content.decode()


def test_supervisor_of_the_case_sees_the_name(login, supervisor, case, name):
    client = login(supervisor)
    assert name in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert name in client.get(reverse("cases:list")).content.decode()


def test_another_supervisor_of_the_agency_sees_the_code_only(login, supervisor, case, agency_a):
    other = CaseFactory(agency=agency_a)
    content = login(supervisor).get(reverse("cases:list")).content.decode()
    assert other.person.code in content
    assert other.person.legal_name not in content


def test_unassigned_caseworker_of_the_agency_cannot_see_the_case(
    login, other_caseworker, case, name
):
    client = login(other_caseworker)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert name not in client.get(reverse("cases:list")).content.decode()


def test_agency_admin_sees_the_masked_form(login, agency_admin, case, name):
    client = login(agency_admin)
    content = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert case.person.code in content and name not in content
    assert name not in client.get(reverse("cases:list")).content.decode()


def test_others_reveal_the_name_on_the_person_page_audited(login, supervisor, agency_a):
    other = CaseFactory(agency=agency_a)
    response = login(supervisor).post(reverse("victims:person_reveal", args=[other.person.pk]))
    assert other.person.legal_name in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.REVEAL, object_id=str(other.person.pk)
    ).exists()


def test_outsider_gets_404_for_the_case(login, outsider, case):
    assert login(outsider).get(reverse("cases:detail", args=[case.pk])).status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["cases:list", "cases:task_list", "cases:my_work"])
def test_names_cost_no_query_per_row(login, caseworker, agency_a, url_name):
    client = login(caseworker)

    def add_case():
        TaskFactory(
            case=CaseFactory(agency=agency_a, caseworkers=[caseworker]), assignee=caseworker
        )

    add_case()
    one = _queries(client, reverse(url_name))
    for _ in range(29):
        add_case()
    assert _queries(client, reverse(url_name)) == one


def test_the_case_page_reads_its_team_and_person_with_the_case(
    login, caseworker, other_caseworker, supervisor, agency_a
):
    """Who works the case (the name rule, the team shown, the task form's choices) is
    read once, with the case's agency, person and supervisor: not one query each."""
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker], supervisor=supervisor)
    client = login(caseworker)
    url = reverse("cases:detail", args=[case.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    team_reads = [
        q["sql"]
        for q in queries
        if 'FROM "accounts_user"' in q["sql"] and '"cases_case_caseworkers"."case_id"' in q["sql"]
    ]
    assert len(team_reads) == 1, team_reads
    # A lazy read of the person or the supervisor by key (`get()`'s LIMIT 21).
    lazy = (
        f'WHERE "victims_person"."id" = {case.person_id} LIMIT 21',
        f'WHERE "accounts_user"."id" = {supervisor.pk} LIMIT 21',
    )
    assert not [q["sql"] for q in queries if q["sql"].endswith(lazy)]
    case.caseworkers.add(other_caseworker)
    assert _queries(client, url) == len(queries)
