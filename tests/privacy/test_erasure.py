from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case
from privacy.models import ErasureRequest, Tombstone
from privacy.services import approve_erasure, request_erasure
from tests.factories import CaseFactory, PersonFactory
from tests.plans import explain
from tests.privacy.conftest import CANARY, decrypted_dump, files_dump, make_canary_case, raw_dump
from victims.models import Person
from workflow import TransitionError

pytestmark = pytest.mark.django_db

REASON = f"The person asked by phone ({CANARY}-reason)"


@pytest.fixture
def case(agency_a, caseworker, supervisor, private_storage):
    return make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)


def _request_url(person) -> str:
    return reverse("privacy:person_erasure_request", args=[person.pk])


def _decide_url(erasure) -> str:
    return reverse("privacy:erasure_decide", args=[erasure.pk])


def test_a_caseworker_files_an_erasure_request_from_the_person_page(case, caseworker, login):
    client = login(caseworker)
    page = client.get(case.person.get_absolute_url())
    assert _request_url(case.person) in page.content.decode()

    response = client.post(_request_url(case.person), {"reason": REASON})

    assert response.status_code == 302
    erasure = ErasureRequest.objects.get()
    assert (erasure.person, erasure.requested_by, erasure.status) == (
        case.person,
        caseworker,
        "requested",
    )
    assert erasure.reason == REASON
    assert AuditEvent.objects.filter(action="create", object_type="privacy.erasurerequest").exists()


def test_a_supervisor_approves_and_everything_about_the_person_is_gone(
    case, caseworker, supervisor, login, private_storage, django_capture_on_commit_callbacks
):
    person_pk, case_pk = case.person_id, case.pk
    erasure = request_erasure(case.person, actor=caseworker, reason=REASON)
    client = login(supervisor)
    assert client.get(reverse("privacy:erasure_list")).status_code == 200
    assert client.get(_decide_url(erasure)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _decide_url(erasure), {"decision": "approve", "confirm": "on", "note": "ok"}
        )

    assert response.status_code == 302
    assert not Person.objects.filter(pk=person_pk).exists()
    assert not Case.objects.filter(pk=case_pk).exists()
    assert CANARY not in raw_dump()
    assert CANARY not in decrypted_dump()
    assert CANARY not in files_dump(private_storage)
    erasure.refresh_from_db()
    assert erasure.status == "done"
    assert erasure.person is None
    assert erasure.tombstone.kind == "person"
    assert erasure.tombstone.original_id == person_pk
    stones = Tombstone.objects.all()
    assert {stone.reason for stone in stones} == {"erasure"}
    assert {stone.purged_by for stone in stones} == {supervisor}
    assert AuditEvent.objects.filter(
        action="delete", object_type="victims.person", object_id=str(person_pk), actor=supervisor
    ).exists()


def test_approval_needs_the_confirmation(case, caseworker, supervisor, login):
    erasure = request_erasure(case.person, actor=caseworker, reason=REASON)

    response = login(supervisor).post(_decide_url(erasure), {"decision": "approve"})

    assert response.status_code == 200
    assert Person.objects.filter(pk=case.person_id).exists()


def test_a_refusal_is_recorded_and_keeps_everything(case, caseworker, supervisor, login):
    erasure = request_erasure(case.person, actor=caseworker, reason=REASON)

    login(supervisor).post(_decide_url(erasure), {"decision": "refuse", "note": "Court hold"})

    erasure.refresh_from_db()
    assert erasure.status == "refused"
    assert erasure.transitions.get().note == "Court hold"
    assert Person.objects.filter(pk=case.person_id).exists()


def test_a_supervisor_cannot_approve_their_own_request(case, supervisor):
    erasure = request_erasure(case.person, actor=supervisor, reason=REASON)

    with pytest.raises(TransitionError):
        approve_erasure(erasure, actor=supervisor)
    assert Person.objects.filter(pk=case.person_id).exists()


def test_a_caseworker_may_not_decide(case, caseworker, other_caseworker, login):
    erasure = request_erasure(case.person, actor=caseworker, reason=REASON)

    assert login(caseworker).get(_decide_url(erasure)).status_code == 403
    assert login(other_caseworker).get(_decide_url(erasure)).status_code == 404


def test_outsiders_get_404(case, caseworker, outsider, login):
    erasure = request_erasure(case.person, actor=caseworker, reason=REASON)
    client = login(outsider)

    assert client.get(_request_url(case.person)).status_code == 404
    assert client.get(_decide_url(erasure)).status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_of_pending_erasures_costs_the_same_whatever_its_length(
    count, agency_a, caseworker, supervisor, login, django_assert_max_num_queries
):
    for _ in range(count):
        person = PersonFactory(agency=agency_a, created_by=caseworker)
        CaseFactory(agency=agency_a, person=person, created_by=caseworker)
        request_erasure(person, actor=caseworker, reason="The person asked in person today.")
    client = login(supervisor)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("privacy:erasure_list"))
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == min(count, 25)


@pytest.mark.postgres
def test_the_pending_list_reads_its_first_page_from_its_index(
    agency_a, caseworker, supervisor, login
):
    """The list's query (filter and order) is the partial index `privacy_erasure_pending`
    walked in order: its first page never sorts an agency's whole backlog."""
    for _ in range(3):
        person = PersonFactory(agency=agency_a, created_by=caseworker)
        CaseFactory(agency=agency_a, person=person, created_by=caseworker)
        request_erasure(person, actor=caseworker, reason="The person asked in person today.")
    client = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("privacy:erasure_list")).status_code == 200
    rows = next(
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "privacy_erasurerequest"."id"') and "LIMIT" in q["sql"]
    )
    read = explain(rows)
    assert "privacy_erasure_pending" in read
    assert "Sort" not in read.split("privacy_erasure_pending")[0], read
