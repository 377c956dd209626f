"""Who sees which person (PersonQuerySet.visible_to): a caseworker's scope is read from
their own cases and registrations, a supervisor's walks the agency; both give the same
people the rule names, whatever the path."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from cases.services import archive_case, archive_record
from listing import COUNT_CAP
from tests.factories import CaseFactory, PersonFactory
from tests.plans import explain
from victims.filters import PersonFilter
from victims.models import Person
from victims.services import archive_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(agency_a, agency_b, caseworker, other_caseworker, supervisor):
    """One person per way of being (in)visible to `caseworker`, by name."""
    assigned = PersonFactory(agency=agency_a, created_by=other_caseworker)
    CaseFactory(agency=agency_a, person=assigned, caseworkers=[caseworker])
    twice = PersonFactory(agency=agency_a)
    CaseFactory(agency=agency_a, person=twice, caseworkers=[caseworker])
    CaseFactory(agency=agency_a, person=twice, caseworkers=[caseworker, other_caseworker])
    registered = PersonFactory(agency=agency_a, created_by=caseworker)
    registered_then_given_away = PersonFactory(agency=agency_a, created_by=caseworker)
    CaseFactory(agency=agency_a, person=registered_then_given_away, caseworkers=[other_caseworker])
    colleagues = PersonFactory(agency=agency_a, created_by=other_caseworker)
    CaseFactory(agency=agency_a, person=colleagues, caseworkers=[other_caseworker])
    colleagues_caseless = PersonFactory(agency=agency_a, created_by=other_caseworker)
    archived_case = PersonFactory(agency=agency_a)
    case = CaseFactory(agency=agency_a, person=archived_case, caseworkers=[caseworker])
    archive_case(case, actor=supervisor, reason="Entered twice.")
    archived_person = PersonFactory(agency=agency_a, created_by=caseworker)
    CaseFactory(agency=agency_a, person=archived_person, caseworkers=[caseworker])
    archive_record(archived_person, actor=supervisor, reason="Entered twice.")
    other_agency = PersonFactory(agency=agency_b)
    CaseFactory(agency=agency_b, person=other_agency)
    return {
        name: person.pk
        for name, person in {
            "assigned": assigned,
            "twice": twice,
            "registered": registered,
            "registered_then_given_away": registered_then_given_away,
            "colleagues": colleagues,
            "colleagues_caseless": colleagues_caseless,
            "archived_case": archived_case,
            "archived_person": archived_person,
            "other_agency": other_agency,
        }.items()
    }


def _seen(user, people) -> set[str]:
    ids = set(Person.objects.visible_to(user).values_list("pk", flat=True))
    return {name for name, pk in people.items() if pk in ids}


def test_a_caseworker_sees_the_people_of_their_cases_and_their_caseless_registrations(
    caseworker, people
):
    assert _seen(caseworker, people) == {"assigned", "twice", "registered"}


def test_a_supervisor_sees_every_active_person_of_the_agency(supervisor, people):
    assert _seen(supervisor, people) == {
        "assigned",
        "twice",
        "registered",
        "registered_then_given_away",
        "colleagues",
        "colleagues_caseless",
    }


def test_narrowed_to_some_of_their_cases_a_user_sees_only_those_cases_people(
    caseworker, supervisor, agency_b, people
):
    """`with_case` keeps the people with a visible case that meets it: never a caseless
    registration, never a case the user may not see, and each person once."""
    shared = Person.objects.get(pk=people["twice"]).cases.order_by("pk").last()

    def seen(user, with_case: Q) -> set[str]:
        visible = Person.objects.visible_to(user, with_case=with_case)
        ids = list(visible.values_list("pk", flat=True))
        assert len(ids) == len(set(ids))
        return {name for name, pk in people.items() if pk in ids}

    assert seen(caseworker, Q()) == {"assigned", "twice"}
    assert seen(supervisor, Q()) == {
        "assigned",
        "twice",
        "registered_then_given_away",
        "colleagues",
    }
    # The case both caseworkers work: its person, for each of them and their supervisor.
    for user in (caseworker, supervisor):
        assert seen(user, Q(pk=shared.pk)) == {"twice"}
    # A condition every case meets, or another agency's case: still only the scope's.
    assert seen(caseworker, Q(pk__gte=0)) == {"assigned", "twice"}
    assert seen(supervisor, Q(agency__code=agency_b.code)) == set()


def test_a_person_with_two_of_the_caseworkers_cases_is_listed_once(caseworker, people):
    visible = Person.objects.visible_to(caseworker)
    assert visible.filter(pk=people["twice"]).count() == 1
    assert len(list(visible)) == len(set(visible.values_list("pk", flat=True)))


def test_the_caseworkers_scope_starts_from_their_own_ids(caseworker, supervisor):
    sql = str(Person.objects.visible_to(caseworker).query).upper()
    assert "CASES_CASE_CASEWORKERS" in sql and '"CREATED_BY_ID" =' in sql
    assert " UNION ALL " in sql and " OR " not in sql.split("UNION ALL")[0]
    assert " UNION " not in str(Person.objects.visible_to(supervisor).query).upper()


def test_looking_people_up_by_key_gives_the_people_the_whole_scope_gives(
    caseworker, supervisor, people
):
    """A lookup by key (a record's page, a page of ranked search results) tests the
    caseworker's ids for those rows alone: the same answer for each person, one by one
    and as a list."""
    for user in (caseworker, supervisor):
        whole = _seen(user, people)
        visible = Person.objects.visible_to(user)
        one_by_one = {name for name, pk in people.items() if visible.filter(pk=pk).exists()}
        listed = set(visible.filter(pk__in=list(people.values())).values_list("pk", flat=True))
        assert one_by_one == whole
        assert {name for name, pk in people.items() if pk in listed} == whole


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_lookup_by_key_never_reads_the_caseworkers_whole_scope(caseworker, people):
    """Read whole into an array, a caseworker's people cost every person page a read of
    all their cases and registrations; looked up by key, only that person's are read."""
    visible = Person.objects.visible_to(caseworker)
    for lookup in (visible.filter(pk=people["twice"]), visible.filter(pk__in=[1, 2, 3])):
        assert "ANY(ARRAY" not in str(lookup.query).upper()
    assert "ANY(ARRAY" in str(visible.order_by("-pk").query).upper()
    assert "ANY(ARRAY" in str(visible.filter(pk__in=list(range(1, 1000))).query).upper()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_caseworkers_registrations_are_read_from_their_index_alone(caseworker, people):
    """The people a caseworker registered (the scope's caseless branch) come from the
    registrant index, which holds the registrant, the agency and the id: no person row
    is read to find them (a national caseworker's 700 registrations: 5 ms through the
    rows, 2 from the index)."""
    sql = str(Person.objects.visible_to(caseworker).order_by().values("pk").query)
    plan = explain(sql, off=("seqscan", "bitmapscan"))
    assert "Index Only Scan using victims_person_registrant" in plan, plan


def test_the_person_list_and_detail_follow_the_caseworkers_scope(
    login, caseworker, outsider, people
):
    client = login(caseworker)
    page = client.get(reverse("victims:person_list")).context["page"]
    assert {person.pk for person in page.object_list} == {
        people["assigned"],
        people["twice"],
        people["registered"],
    }

    def detail(name: str) -> str:
        return reverse("victims:person_detail", args=[people[name]])

    assert client.get(detail("registered")).status_code == 200
    for hidden in ("registered_then_given_away", "colleagues_caseless", "archived_person"):
        assert client.get(detail(hidden)).status_code == 404
    assert login(outsider).get(detail("assigned")).status_code == 404


def test_the_caseworkers_person_list_needs_the_same_queries_for_few_and_many_people(
    login, caseworker, agency_a
):
    client = login(caseworker)
    for _ in range(2):
        CaseFactory(agency=agency_a, caseworkers=[caseworker])
    client.get(reverse("victims:person_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("victims:person_list"))
    for _ in range(30):
        CaseFactory(agency=agency_a, caseworkers=[caseworker])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("victims:person_list"))
    assert len(many) == len(few)


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_the_case_filters_of_the_person_list_keep_exactly_the_people_whose_case_matches(
    request, persona, agency_a, agency_b, caseworker, supervisor
):
    """Filtered on a case's intake, the list keeps each person with a visible case that
    matches, newest first; the bound the agency's list starts from (no person newer than
    the newest with such a case) drops none of them, even when newer people have only
    newer cases, or a matching case that is archived or in another agency."""
    user = request.getfixturevalue(persona)
    old, recent = datetime.date(2024, 3, 1), datetime.date(2026, 3, 1)
    both = PersonFactory(agency=agency_a)
    CaseFactory(agency=agency_a, person=both, intake_date=old, caseworkers=[caseworker])
    CaseFactory(agency=agency_a, person=both, intake_date=recent, caseworkers=[caseworker])
    only_old = PersonFactory(agency=agency_a)
    CaseFactory(agency=agency_a, person=only_old, intake_date=old, caseworkers=[caseworker])
    for _ in range(3):  # newer people, with recent cases only
        CaseFactory(
            agency=agency_a,
            person=PersonFactory(agency=agency_a),
            intake_date=recent,
            caseworkers=[caseworker],
        )
    archived = PersonFactory(agency=agency_a)
    case = CaseFactory(agency=agency_a, person=archived, intake_date=old, caseworkers=[caseworker])
    archive_case(case, actor=supervisor, reason="Entered twice.")
    # An archived person whose case (not archived itself) matches: the person's own
    # archive rule keeps them out (the case filter leaves it to the person row).
    gone = PersonFactory(agency=agency_a)
    CaseFactory(agency=agency_a, person=gone, intake_date=old, caseworkers=[caseworker])
    archive_person(gone, actor=supervisor, reason="Entered twice.")
    elsewhere = PersonFactory(agency=agency_b)
    CaseFactory(agency=agency_b, person=elsewhere, intake_date=old)
    client = request.getfixturevalue("login")(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("victims:person_list"), {"intake_before": "2025-01-01"})
    assert [person.pk for person in page.context["page"]] == [only_old.pk, both.pk]
    whole_agency = persona == "supervisor"
    # The walk of the list's ids (its rows are then read by key, without the filters).
    listed = next(
        q["sql"] for q in queries if q["sql"].startswith('SELECT "victims_person"."id" AS "pk"')
    )
    if connection.vendor == "postgresql":
        # A caseworker's list reads one list of ids, their matching cases' people (beside
        # the whole scope's list, two lists tested on one index: 19 against 4 ms for 770
        # people at 1,000,000 cases); the agency's list probes each person's cases.
        assert listed.upper().count("ANY(ARRAY") == (0 if whole_agency else 1)
        assert ("EXISTS" in listed) == whole_agency
    # The agency's list starts from the bound, read first from the cases alone: the newest
    # person with a matching case not archived (`gone`, though their own row is archived).
    # It bounds both sides of the walk; a caseworker's list starts from their own cases.
    assert (f'V0."id" <= {gone.pk})' in listed) == whole_agency
    assert (f'U0."person_id" <= {gone.pk} AND' in listed) == whole_agency
    # The agency's list finds its first COUNT_CAP + 1 people without the scope's probes
    # (a subquery in the list's order, cut there), then applies the scope to those alone.
    first = f"ORDER BY 1 DESC LIMIT {COUNT_CAP + 1})) ORDER BY 1 DESC"
    assert (first in listed) == whole_agency
    # No case matches: an empty list, and for the agency's list no walk at all.
    with CaptureQueriesContext(connection) as queries:
        none = client.get(reverse("victims:person_list"), {"intake_before": "2000-01-01"})
    assert list(none.context["page"]) == []
    walks = [q["sql"] for q in queries if q["sql"].startswith('SELECT "victims_person"."id"')]
    assert bool(walks) != whole_agency
    after = client.get(reverse("victims:person_list"), {"intake_after": "2025-01-01"})
    assert both.pk in [person.pk for person in after.context["page"]]
    assert only_old.pk not in [person.pk for person in after.context["page"]]


@pytest.mark.parametrize("persona", ["supervisor", "agency_admin", "caseworker"])
def test_the_first_listed_people_are_the_first_of_the_whole_filtered_list(
    request, persona, agency_a, agency_b, caseworker, supervisor
):
    """The person list asks its filter for its first rows (`listed_rows`; the agency's
    are found before the scope is applied to them): they are the whole list's first rows,
    in its order, with the other filters applied too, and never a person out of scope."""
    user = request.getfixturevalue(persona)
    recent, old = datetime.date(2026, 3, 1), datetime.date(2024, 3, 1)
    for sex in ("female", "male", "female", "female", "male", "female"):
        CaseFactory(
            agency=agency_a,
            person=PersonFactory(agency=agency_a, sex=sex),
            intake_date=recent,
            caseworkers=[caseworker],
        )
    CaseFactory(
        agency=agency_a, person=PersonFactory(agency=agency_a, sex="female"), intake_date=old
    )
    gone = PersonFactory(agency=agency_a, sex="female")
    CaseFactory(agency=agency_a, person=gone, intake_date=recent, caseworkers=[caseworker])
    archive_person(gone, actor=supervisor, reason="Entered twice.")
    CaseFactory(
        agency=agency_b, person=PersonFactory(agency=agency_b, sex="female"), intake_date=recent
    )
    CaseFactory(
        agency=agency_a, person=PersonFactory(agency=agency_a, sex="female"), intake_date=recent
    )
    query = RequestFactory().get("/", {"intake_after": "2026-01-01", "sex": "female"})
    query.user = user
    people = Person.objects.visible_to(user).order_by("-pk")

    def listed(rows: int | None) -> list[int]:
        found = PersonFilter(query.GET, queryset=people, request=query, listed_rows=rows).qs
        return list(found.values_list("pk", flat=True))

    whole = listed(None)
    # A caseworker's people are those of their own cases; the agency's, all of its cases'.
    assert len(whole) == (4 if persona == "caseworker" else 5)
    assert set(whole) <= set(people.values_list("pk", flat=True))
    for rows in range(1, len(whole) + 2):
        # At least the first `rows` people, as the whole list has them (a caseworker's
        # list, read from their own cases, is not cut).
        assert listed(rows)[:rows] == whole[:rows]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_persons_case_ids_are_read_from_the_person_index_alone(login, supervisor, agency_a):
    """A list filtered on its cases' exploitation probes each person's cases and then
    each case's types by the case's id: the person index holds the id, so no case row is
    visited (an agency's people with none recorded at 1,000,000 cases, 13,789 people
    walked: 13.3 against 10.1 ms)."""
    case = CaseFactory(agency=agency_a)
    client = login(supervisor)
    response = client.get(reverse("victims:person_list"), {"exploitation": "unknown"})
    assert [person.pk for person in response.context["page"]] == [case.person_id]
    probe = Case.objects.filter(person_id=case.person_id).values("pk", "agency", "archived_at")
    plan = explain(str(probe.query), off=("seqscan", "bitmapscan"))
    assert "Index Only Scan using cases_case_person on cases_case" in plan, plan
