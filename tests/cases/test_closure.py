import pytest
from django.urls import reverse

from cases import services
from cases.models import ServiceItem, Track
from victims.models import IdentificationDecision
from victims.services import record_identification_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided_case(case, caseworker):
    """A case whose identification decision is recorded (no closure blocker)."""
    for status in ("screening", "awaiting_decision"):
        services.transition_track(case, Track.IDENTIFICATION, status, actor=caseworker)
    record_identification_decision(
        IdentificationDecision(
            case=case, authority="police", decided_on="2026-01-05", outcome="identified"
        ),
        actor=caseworker,
    )
    return case


def _request_closure(client, case):
    return client.post(
        reverse("cases:closure_request", args=[case.pk]), {"reason": "Returned home"}
    )


def test_closure_is_requested_then_approved_by_a_supervisor(
    login, decided_case, caseworker, supervisor
):
    _request_closure(login(caseworker), decided_case)
    decided_case.refresh_from_db()
    assert decided_case.status == "closure_requested"
    login(supervisor).post(
        reverse("cases:closure_approve", args=[decided_case.pk]), {"comment": "Agreed"}
    )
    decided_case.refresh_from_db()
    assert decided_case.status == "closed"
    moves = list(decided_case.transitions.filter(track="case").values_list("to_status", "note"))
    assert moves == [("closed", "Agreed"), ("closure_requested", "Returned home")]


def test_closure_request_needs_a_reason(login, case, caseworker):
    login(caseworker).post(reverse("cases:closure_request", args=[case.pk]), {"reason": ""})
    case.refresh_from_db()
    assert case.status == "open"


def test_caseworker_cannot_approve_closure(login, decided_case, caseworker):
    client = login(caseworker)
    _request_closure(client, decided_case)
    response = client.post(reverse("cases:closure_approve", args=[decided_case.pk]))
    assert response.status_code == 403
    decided_case.refresh_from_db()
    assert decided_case.status == "closure_requested"


def test_closure_is_refused_while_identification_decision_is_missing(
    login, case, caseworker, supervisor
):
    _request_closure(login(caseworker), case)
    response = login(supervisor).post(reverse("cases:closure_approve", args=[case.pk]), follow=True)
    assert "identification decision has not been recorded" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "closure_requested"


def test_closure_is_refused_while_a_service_is_active(login, decided_case, caseworker, supervisor):
    ServiceItem.objects.create(
        case=decided_case,
        service_type=ServiceItem._meta.get_field("service_type").choices[0][0],
        status="in_progress",
        created_by=caseworker,
    )
    _request_closure(login(caseworker), decided_case)
    response = login(supervisor).post(
        reverse("cases:closure_approve", args=[decided_case.pk]), follow=True
    )
    assert "protection service is still planned or in progress" in response.content.decode()
    decided_case.refresh_from_db()
    assert decided_case.status == "closure_requested"


def test_supervisor_overrides_closure_rules_with_a_reason(login, case, caseworker, supervisor):
    _request_closure(login(caseworker), case)
    login(supervisor).post(
        reverse("cases:closure_approve", args=[case.pk]),
        {"override_reason": "Person left the country; no contact possible"},
    )
    case.refresh_from_db()
    assert case.status == "closed"
    closing = case.transitions.get(to_status="closed")
    assert closing.override_reason == "Person left the country; no contact possible"


def test_supervisor_sends_a_closure_request_back(login, case, caseworker, supervisor):
    _request_closure(login(caseworker), case)
    login(supervisor).post(
        reverse("cases:closure_return", args=[case.pk]), {"reason": "Finish the permit first"}
    )
    case.refresh_from_db()
    assert case.status == "open"
    # The note is encrypted: compared once read, never in SQL.
    assert "Finish the permit first" in [move.note for move in case.transitions.all()]


def test_supervisor_reopens_a_closed_case_with_a_reason(login, case, caseworker, supervisor):
    services.request_closure(case, actor=caseworker, reason="Done")
    services.approve_closure(case, actor=supervisor, override_reason="Test")
    client = login(supervisor)
    assert client.post(reverse("cases:reopen", args=[case.pk]), {"reason": ""}).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    client.post(reverse("cases:reopen", args=[case.pk]), {"reason": "Re-trafficking reported"})
    case.refresh_from_db()
    assert case.status == "open"


def test_caseworker_cannot_reopen(login, case, caseworker, supervisor):
    services.request_closure(case, actor=caseworker, reason="Done")
    services.approve_closure(case, actor=supervisor, override_reason="Test")
    response = login(caseworker).post(reverse("cases:reopen", args=[case.pk]), {"reason": "x"})
    assert response.status_code == 403
