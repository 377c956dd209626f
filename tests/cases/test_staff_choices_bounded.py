"""Staff dropdowns stay a handful of names whatever the agency's headcount (issue 12):
the case page's task form offers the people who work the case, the list filters at most
STAFF_CHOICES people, and any of the agency's staff can still be filtered on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from listing import STAFF_CHOICES
from policy import Role
from tests.factories import CaseFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

TASKS = reverse("cases:task_list")
CASES = reverse("cases:list")


def _offered(response, name: str) -> set[str]:
    widget = response.context["filter"].form.fields[name].widget
    return {str(value) for value, _label in widget.choices if value != ""}


def _crowd(agency, n: int = STAFF_CHOICES + 1) -> list[User]:
    return UserFactory.create_batch(n, agency=agency, role=Role.CASEWORKER)


def _task_titles(response) -> set[str]:
    return {task.title for task in response.context["page"].object_list}


def test_the_task_form_offers_only_the_people_who_work_the_case(
    login, case, caseworker, other_caseworker, supervisor
):
    offered = login(supervisor).get(reverse("cases:detail", args=[case.pk]))
    assignees = set(offered.context["task_form"].fields["assignee"].queryset)
    assert assignees == {caseworker, supervisor}


def test_the_case_supervisor_is_offered_for_a_task(login, case, caseworker, other_caseworker):
    case.supervisor = other_caseworker
    case.save()
    offered = login(caseworker).get(reverse("cases:detail", args=[case.pk]))
    assert set(offered.context["task_form"].fields["assignee"].queryset) == {
        caseworker,
        other_caseworker,
    }


def test_a_task_cannot_go_to_a_colleague_who_does_not_work_the_case(
    login, case, caseworker, other_caseworker
):
    response = login(caseworker).post(
        reverse("cases:task_add", args=[case.pk]),
        {"title": "x", "due_date": "2026-12-01", "assignee": other_caseworker.pk},
    )
    assert response.status_code == 400
    assert not case.tasks.exists()


def test_a_small_agency_offers_all_its_staff_in_the_filters(
    login, supervisor, caseworker, other_caseworker
):
    response = login(supervisor).get(TASKS)
    assert {str(caseworker.pk), str(other_caseworker.pk)} <= _offered(response, "caseworker")
    assert {str(caseworker.pk), str(supervisor.pk)} <= _offered(response, "assignee")


def test_a_big_agency_offers_only_the_reader_and_the_chosen_person(
    login, supervisor, caseworker, agency_a
):
    crowd = _crowd(agency_a)
    chosen = crowd[-1]
    response = login(supervisor).get(TASKS, {"assignee": chosen.pk})
    assert response.status_code == 200
    assert _offered(response, "assignee") == {str(supervisor.pk), str(chosen.pk)}
    assert _offered(response, "caseworker") == set()
    cases = login(supervisor).get(CASES, {"caseworker": chosen.pk})
    assert _offered(cases, "caseworker") == {str(chosen.pk)}


def test_a_dropdown_reads_its_staff_by_key_never_the_agency_sorted(
    login, supervisor, caseworker, agency_a
):
    """The dropdown asks for the reader, the chosen person and any STAFF_CHOICES + 1
    others: the database neither sorts nor reads the whole staff for them (1,213 of a
    national agency: 0.9 against 0.16 ms a dropdown). A small agency's are sorted here."""
    crowd = _crowd(agency_a, 3)
    with CaptureQueriesContext(connection) as queries:
        response = login(supervisor).get(TASKS, {"assignee": crowd[0].pk})
    dropdowns = [q["sql"] for q in queries if ' AS "pinned" FROM "accounts_user"' in q["sql"]]
    assert len(dropdowns) == 2  # assignee, caseworker
    for sql in dropdowns:
        assert "ORDER BY" not in sql and f"LIMIT {STAFF_CHOICES + 1}" in sql
        # Only what a label shows (name, e-mail), never the rest of an account's row.
        assert '"accounts_user"."password"' not in sql
    labels = [
        label
        for value, label in response.context["filter"].form.fields["caseworker"].widget.choices
        if value != ""
    ]
    assert labels == sorted(labels) and len(labels) == 4  # the crowd and `caseworker`


def test_anybody_of_a_big_agency_can_still_be_filtered_on(login, supervisor, agency_a):
    crowd = _crowd(agency_a)
    theirs = CaseFactory(agency=agency_a, caseworkers=[crowd[0]])
    TaskFactory(case=theirs, title="Theirs", assignee=crowd[0])
    TaskFactory(case=CaseFactory(agency=agency_a), title="Another's", assignee=crowd[1])
    client = login(supervisor)
    assert _task_titles(client.get(TASKS, {"assignee": crowd[0].pk})) == {"Theirs"}
    assert _task_titles(client.get(TASKS, {"caseworker": crowd[0].pk})) == {"Theirs"}
    references = client.get(CASES, {"caseworker": crowd[0].pk}).context["page"].object_list
    assert [case.pk for case in references] == [theirs.pk]


def test_the_name_filters_find_staff_not_in_the_dropdown(login, supervisor, agency_a):
    jo = UserFactory(agency=agency_a, role=Role.CASEWORKER, full_name="Jo Quartermain")
    theirs = CaseFactory(agency=agency_a, caseworkers=[jo])
    TaskFactory(case=theirs, title="Jo's", assignee=jo)
    TaskFactory(case=CaseFactory(agency=agency_a), title="Another's")
    client = login(supervisor)
    assert _task_titles(client.get(TASKS, {"assignee_name": "quarterm"})) == {"Jo's"}
    assert _task_titles(client.get(TASKS, {"caseworker_name": "Quarterm"})) == {"Jo's"}
    cases = client.get(CASES, {"caseworker_name": "quartermain"}).context["page"].object_list
    assert [case.pk for case in cases] == [theirs.pk]


def test_another_agencys_staff_is_a_bad_filter_value(login, supervisor, outsider):
    assert login(supervisor).get(TASKS, {"assignee": outsider.pk}).status_code == 400


# --- the assign form -----------------------------------------------------------------------


def _assign(case) -> str:
    return reverse("cases:assign", args=[case.pk])


def _ticks(response) -> set[str]:
    widget = response.context["form"].fields["caseworkers"].widget
    return {str(value) for value, _label in widget.choices}


def test_a_small_agency_offers_every_caseworker_and_no_name_field(
    login, case, caseworker, other_caseworker, supervisor
):
    response = login(supervisor).get(_assign(case))
    agency_caseworkers = User.objects.filter(agency=case.agency, role=Role.CASEWORKER)
    assert _ticks(response) == {str(pk) for pk in agency_caseworkers.values_list("pk", flat=True)}
    assert {str(caseworker.pk), str(other_caseworker.pk)} <= _ticks(response)
    assert "add_caseworker" not in response.context["form"].fields


def test_a_big_agency_offers_the_cases_caseworkers_and_adds_anybody_by_name(
    login, case, caseworker, supervisor
):
    crowd = _crowd(case.agency)
    client = login(supervisor)
    response = client.get(_assign(case))
    assert _ticks(response) == {str(caseworker.pk)}
    assert "add_caseworker" in response.context["form"].fields
    assert crowd[-1].full_name not in response.content.decode()

    newcomer = crowd[-1]
    response = client.post(
        _assign(case),
        {"caseworkers": [caseworker.pk], "add_caseworker": newcomer.email.upper()},
    )
    assert response.status_code == 302
    assert set(case.caseworkers.all()) == {caseworker, newcomer}


def test_adding_by_a_name_nobody_or_several_have_names_the_field_and_changes_nothing(
    login, case, caseworker, supervisor
):
    crowd = _crowd(case.agency)
    client = login(supervisor)
    response = client.post(
        _assign(case), {"caseworkers": [], "add_caseworker": "Nobody-By-This-Name"}
    )
    assert response.status_code == 200
    assert "No active caseworker" in str(response.context["form"].errors["add_caseworker"])
    # Every generated caseworker is a "Staff Member": all of them match.
    response = client.post(
        _assign(case), {"caseworkers": [crowd[0].pk], "add_caseworker": "staff member"}
    )
    assert "Several caseworkers match" in str(response.context["form"].errors["add_caseworker"])
    # The ticked caseworker stays offered in the form sent back, and nothing was saved.
    assert str(crowd[0].pk) in _ticks(response)
    assert list(case.caseworkers.all()) == [caseworker]


def test_another_agencys_caseworker_cannot_be_added_by_name(
    login, case, caseworker, supervisor, agency_b
):
    _crowd(case.agency)
    stranger = UserFactory(agency=agency_b, role=Role.CASEWORKER)
    response = login(supervisor).post(
        _assign(case), {"caseworkers": [caseworker.pk], "add_caseworker": stranger.email}
    )
    assert "No active caseworker" in str(response.context["form"].errors["add_caseworker"])
    assert list(case.caseworkers.all()) == [caseworker]


def _supervisors_offered(response) -> set[str]:
    widget = response.context["form"].fields["supervisor"].widget
    return {str(value) for value, _label in widget.choices if value != ""}


def test_a_small_agency_offers_every_supervisor_and_no_name_field(login, case, supervisor):
    response = login(supervisor).get(_assign(case))
    agency_supervisors = User.objects.filter(
        agency=case.agency, role__in=[Role.SUPERVISOR, Role.AGENCY_ADMIN]
    )
    assert _supervisors_offered(response) == {
        str(pk) for pk in agency_supervisors.values_list("pk", flat=True)
    }
    assert "other_supervisor" not in response.context["form"].fields


def test_a_big_agency_offers_the_cases_supervisor_and_finds_another_by_name(
    login, case, caseworker, supervisor
):
    case.supervisor = supervisor
    case.save()
    crowd = UserFactory.create_batch(STAFF_CHOICES + 1, agency=case.agency, role=Role.SUPERVISOR)
    client = login(supervisor)
    response = client.get(_assign(case))
    assert _supervisors_offered(response) == {str(supervisor.pk)}
    assert "other_supervisor" in response.context["form"].fields
    assert crowd[-1].full_name not in response.content.decode()

    newcomer = crowd[-1]
    response = client.post(
        _assign(case),
        {
            "caseworkers": [caseworker.pk],
            "supervisor": supervisor.pk,
            "other_supervisor": newcomer.email.upper(),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.supervisor == newcomer
    assert list(case.caseworkers.all()) == [caseworker]


def test_another_supervisor_nobody_or_several_are_named_on_the_field_and_nothing_changes(
    login, case, caseworker, supervisor, agency_b
):
    case.supervisor = supervisor
    case.save()
    crowd = UserFactory.create_batch(STAFF_CHOICES + 1, agency=case.agency, role=Role.SUPERVISOR)
    stranger = UserFactory(agency=agency_b, role=Role.SUPERVISOR)
    client = login(supervisor)
    for text, error in (
        ("Nobody-By-This-Name", "No active supervisor"),
        (stranger.email, "No active supervisor"),
        ("staff member", "Several supervisors match"),
    ):
        response = client.post(
            _assign(case),
            {"caseworkers": [caseworker.pk], "supervisor": crowd[0].pk, "other_supervisor": text},
        )
        assert response.status_code == 200
        assert error in str(response.context["form"].errors["other_supervisor"])
        # The supervisor chosen in the form sent back stays offered; nothing was saved.
        assert str(crowd[0].pk) in _supervisors_offered(response)
        case.refresh_from_db()
        assert case.supervisor == supervisor
