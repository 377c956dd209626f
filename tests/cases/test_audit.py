import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import Track

pytestmark = pytest.mark.django_db

FIELDS = ("actor_id", "agency_id", "role", "action", "object_type", "object_id", "channel")


def test_reading_a_case_writes_one_view_row(login, case, caseworker):
    login(caseworker).get(reverse("cases:detail", args=[case.pk]))
    event = AuditEvent.objects.get(action="view")
    assert (event.actor, event.object_type, event.object_id) == (
        caseworker,
        "cases.case",
        str(case.pk),
    )
    assert event.agency_id == case.agency_id


def test_changes_write_audit_rows_without_field_values(login, case, caseworker, supervisor):
    secret = "Unique-canary-9f3e"
    services.add_note(case, actor=caseworker, text=secret)
    services.transition_track(
        case, Track.IDENTIFICATION, "screening", actor=caseworker, note=secret
    )
    services.request_closure(case, actor=caseworker, reason=secret)
    services.assign_case(case, actor=supervisor, caseworkers=[caseworker], supervisor=supervisor)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["create", "transition", "transition", "assign"]
    for row in AuditEvent.objects.values(*FIELDS, "ip_address"):
        assert secret not in str(row)


def test_assignment_by_supervisor_is_audited(login, case, supervisor, other_caseworker):
    login(supervisor).post(
        reverse("cases:assign", args=[case.pk]),
        {"caseworkers": [other_caseworker.pk], "supervisor": supervisor.pk},
    )
    assert list(case.caseworkers.all()) == [other_caseworker]
    assert AuditEvent.objects.filter(action="assign", object_id=str(case.pk)).exists()


def test_caseworker_cannot_assign(login, case, caseworker, other_caseworker):
    response = login(caseworker).post(
        reverse("cases:assign", args=[case.pk]), {"caseworkers": [other_caseworker.pk]}
    )
    assert response.status_code == 403
