"""Referrals: consent-gated sending, the receiver's queue and response, the shared view,
service updates, closing and revoking, each move with its history and audit row."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import ServiceItem
from cooperation import services
from cooperation.models import REFERRAL_GRAPH, Referral, ReferralUpdate
from cooperation.services import ReferralError
from tests.factories import ConsentFactory, HearingFactory, LegalProceedingFactory

pytestmark = pytest.mark.django_db


def _refer(client, case, agency, **overrides):
    data = {
        "to_agency": agency.pk,
        "purpose": "shelter",
        "sections": ["summary", "services"],
        "respond_by": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        "message": "Needs a shelter place this week.",
    }
    data.update(overrides)
    return client.post(reverse("cooperation:referral_create", args=[case.pk]), data)


def test_referral_with_consent_is_sent_with_history_and_audit(
    login, case, caseworker, agency_b, consent
):
    response = _refer(login(caseworker), case, agency_b)
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    assert (referral.status, referral.from_agency, referral.to_agency) == (
        "sent",
        case.agency,
        agency_b,
    )
    assert referral.sections == ["summary", "services"]
    assert referral.created_by == caseworker
    [transition] = referral.transitions.all()
    assert (transition.from_status, transition.to_status, transition.actor) == (
        "",
        "sent",
        caseworker,
    )
    assert AuditEvent.objects.filter(
        action="create", object_type="cooperation.referral", object_id=str(referral.pk)
    ).exists()


def test_a_section_without_consent_is_refused_with_a_clear_message(
    login, case, caseworker, agency_b
):
    response = _refer(login(caseworker), case, agency_b, sections=["legal"])
    assert response.status_code == 200
    [error] = response.context["form"].errors["sections"]
    assert "has not consented to share these sections with Agency B (Shelter)" in error
    assert "Legal proceedings" in error
    assert not Referral.objects.exists()


def test_withdrawn_consent_refuses_the_referral(login, case, caseworker, agency_b, consent):
    ConsentFactory(
        person=case.person, target_agency=agency_b, status="withdrawn", recorded_by=caseworker
    )
    response = _refer(login(caseworker), case, agency_b)
    assert "sections" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_consent_for_the_agency_type_covers_the_referral(login, case, caseworker, agency_b):
    ConsentFactory(person=case.person, target_agency_type="shelter", recorded_by=caseworker)
    assert _refer(login(caseworker), case, agency_b).status_code == 302


def test_consent_for_another_agency_does_not_cover(login, case, caseworker, agency_b, agency_a):
    ConsentFactory(person=case.person, target_agency_type="police", recorded_by=caseworker)
    assert _refer(login(caseworker), case, agency_b).status_code == 200
    assert not Referral.objects.exists()


def test_a_caseworker_cannot_override_missing_consent(login, case, caseworker, agency_b):
    response = _refer(login(caseworker), case, agency_b, override_reason="Urgent")
    assert "ask a supervisor" in response.context["form"].errors["sections"][0]
    assert not Referral.objects.exists()


def test_a_supervisor_override_is_recorded_and_audited(login, case, supervisor, agency_b):
    response = _refer(login(supervisor), case, agency_b, override_reason="Life at risk tonight")
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.consent_override_reason == "Life at risk tonight"
    assert referral.consent_override_by == supervisor
    event = AuditEvent.objects.get(object_type="cooperation.referral_consent_override")
    assert (event.actor, event.object_id) == (supervisor, str(referral.pk))


def test_an_external_referral_is_recorded_without_access(login, case, caseworker):
    response = login(caseworker).post(
        reverse("cooperation:referral_create", args=[case.pk]),
        {
            "external_name": "Example Foundation",
            "external_country": "PH",
            "external_contact": "intake@example.org",
            "purpose": "repatriation",
            "sections": ["summary"],
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert (referral.status, referral.to_agency, referral.sections) == ("recorded", None, [])
    assert referral.receiver_name == "Example Foundation"


def test_naming_both_an_agency_and_an_outside_one_is_refused(
    login, case, caseworker, agency_b, consent
):
    response = _refer(login(caseworker), case, agency_b, external_name="Somebody")
    assert "external_name" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_receiver_accepts_choosing_who_works_it(login, referral, receiver_supervisor, receiver):
    response = login(receiver_supervisor).post(
        reverse("cooperation:referral_accept", args=[referral.pk]),
        {"assignees": [receiver.pk], "note": "We have a bed."},
    )
    referral.refresh_from_db()
    assert response.status_code == 302
    assert (referral.status, referral.responded_by) == ("accepted", receiver_supervisor)
    assert list(referral.assigned_to.all()) == [receiver]
    assert referral.transitions.first().note == "We have a bed."
    assert AuditEvent.objects.filter(action="assign", object_id=str(referral.pk)).exists()


def test_staff_of_another_agency_cannot_be_assigned(
    login, referral, receiver_supervisor, caseworker
):
    response = login(receiver_supervisor).post(
        reverse("cooperation:referral_accept", args=[referral.pk]), {"assignees": [caseworker.pk]}
    )
    assert response.status_code == 400
    assert "assignees" in response.context["accept_form"].errors
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_decline_needs_a_structured_reason_and_text_for_other(login, referral, receiver):
    client = login(receiver)
    url = reverse("cooperation:referral_decline", args=[referral.pk])
    response = client.post(url, {"reason": "other", "note": " "})
    assert response.status_code == 400
    assert "note" in response.context["decline_form"].errors
    assert client.post(url, {"reason": "no_capacity"}).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == ("declined", "no_capacity")


def test_a_second_response_is_refused_with_a_message(
    login, referral, receiver, receiver_supervisor
):
    login(receiver).post(
        reverse("cooperation:referral_decline", args=[referral.pk]), {"reason": "no_capacity"}
    )
    response = login(receiver_supervisor).post(
        reverse("cooperation:referral_accept", args=[referral.pk]),
        {"assignees": [receiver.pk]},
        follow=True,
    )
    assert "can no longer be changed" in str(next(iter(response.context["messages"])))
    referral.refresh_from_db()
    assert referral.status == "declined"


def _shared_page(client, referral):
    return client.get(reverse("cooperation:referral_detail", args=[referral.pk]))


def test_receiver_sees_exactly_the_shared_sections(login, accepted, receiver, caseworker):
    case = accepted.case
    ServiceItem.objects.create(
        case=case,
        service_type="medical",
        status="in_progress",
        created_by=caseworker,
        shelter_location="Secret Street 12",
    )
    proceeding = LegalProceedingFactory(case=case, court="Canary District Court")
    HearingFactory(proceeding=proceeding, case=case)
    page = _shared_page(login(receiver), accepted).content.decode()
    assert "Medical care" in page  # services: shared
    assert "Risk level" in page  # summary: shared
    assert "Canary District Court" not in page  # legal: not shared
    assert "Secret Street 12" not in page
    assert case.person.legal_name not in page
    assert case.person.code not in page
    assert case.reference not in page
    assert reverse("cases:detail", args=[case.pk]) not in page


def test_sections_are_not_shown_before_acceptance(login, referral, receiver):
    page = _shared_page(login(receiver), referral).content.decode()
    assert "Shared case information" not in page
    assert "Accept referral" in page


def test_withdrawing_consent_ends_the_receivers_view_of_sections(
    login, accepted, receiver, caseworker, agency_b
):
    ConsentFactory(
        person=accepted.case.person,
        target_agency=agency_b,
        status="withdrawn",
        recorded_by=caseworker,
    )
    page = _shared_page(login(receiver), accepted).content.decode()
    assert "consent to share with your agency is no longer in force" in page
    assert "Risk level" not in page


def test_receiver_records_an_update_the_owner_sees(login, accepted, receiver, caseworker):
    response = login(receiver).post(
        reverse("cooperation:referral_update_add", args=[accepted.pk]),
        {"occurred_on": timezone.localdate().isoformat(), "text": "Admitted to the shelter."},
    )
    assert response.status_code == 302
    update = ReferralUpdate.objects.get()
    assert update.author == receiver
    assert "Admitted to the shelter." in _shared_page(login(caseworker), accepted).content.decode()
    case_page = login(caseworker).get(reverse("cases:detail", args=[accepted.case.pk]))
    assert accepted.get_absolute_url() in case_page.content.decode()


def test_an_update_is_refused_before_acceptance(login, referral, receiver):
    response = login(receiver).post(
        reverse("cooperation:referral_update_add", args=[referral.pk]), {"text": "x"}
    )
    assert response.status_code == 403
    assert not ReferralUpdate.objects.exists()


def test_owner_revokes_and_the_receiver_gets_404_on_the_next_request(
    login, accepted, caseworker, receiver, receiver_supervisor
):
    receiver_client = login(receiver)
    assert _shared_page(receiver_client, accepted).status_code == 200
    response = login(caseworker).post(reverse("cooperation:referral_revoke", args=[accepted.pk]))
    assert response.status_code == 302
    assert _shared_page(receiver_client, accepted).status_code == 404
    assert _shared_page(login(receiver_supervisor), accepted).status_code == 404
    accepted.refresh_from_db()
    assert accepted.status == "revoked"
    assert accepted.transitions.first().actor == caseworker


def test_either_side_can_close(login, accepted, receiver, caseworker):
    assert (
        login(receiver).post(reverse("cooperation:referral_close", args=[accepted.pk])).status_code
        == 302
    )
    accepted.refresh_from_db()
    assert accepted.status == "closed"
    page = _shared_page(login(receiver), accepted).content.decode()
    assert "Shared case information" not in page


def test_receiver_cannot_revoke(login, accepted, receiver_supervisor):
    url = reverse("cooperation:referral_revoke", args=[accepted.pk])
    assert login(receiver_supervisor).post(url).status_code == 403


@pytest.mark.parametrize(("from_status", "to_status"), list(REFERRAL_GRAPH.pairs()))
def test_the_status_graph_allows_exactly_its_edges(referral, caseworker, from_status, to_status):
    Referral.objects.filter(pk=referral.pk).update(status=from_status)
    referral.refresh_from_db()
    if REFERRAL_GRAPH.allows(from_status, to_status):
        services.transition_referral(referral, to_status, actor=caseworker)
        referral.refresh_from_db()
        assert referral.status == to_status
    else:
        with pytest.raises(ReferralError):
            services.transition_referral(referral, to_status, actor=caseworker)
        referral.refresh_from_db()
        assert referral.status == from_status
        assert not referral.transitions.filter(from_status=from_status).exists()


def test_audit_rows_hold_no_field_values(login, case, caseworker, agency_b, consent, receiver):
    secret = "Unique-canary-7c1d"
    _refer(login(caseworker), case, agency_b, message=secret)
    referral = Referral.objects.get()
    services.decline_referral(referral, actor=receiver, reason="other", note=secret)
    fields = ("actor_id", "agency_id", "role", "action", "object_type", "object_id", "channel")
    rows = list(AuditEvent.objects.values(*fields, "ip_address"))
    assert rows
    for row in rows:
        assert secret not in str(row)
        assert case.person.legal_name not in str(row)


def test_a_failing_audit_write_rolls_the_referral_back(case, caseworker, agency_b, consent):
    def refuse_audit(execute, sql, params, many, context):
        if "audit_auditevent" in sql and sql.lstrip().upper().startswith("INSERT"):
            raise DatabaseError("audit unavailable")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_audit), pytest.raises(DatabaseError):
        services.send_referral(
            Referral(case=case, to_agency=agency_b, purpose="shelter", sections=["summary"]),
            actor=caseworker,
        )
    assert not Referral.objects.exists()


def test_a_failing_audit_write_rolls_the_response_back(referral, receiver):
    def refuse_audit(execute, sql, params, many, context):
        if "audit_auditevent" in sql and sql.lstrip().upper().startswith("INSERT"):
            raise DatabaseError("audit unavailable")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_audit), pytest.raises(DatabaseError):
        services.accept_referral(referral, actor=receiver, assignees=[receiver])
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert referral.transitions.count() == 1


def test_the_service_refuses_an_override_by_a_caseworker(case, caseworker, agency_b):
    with pytest.raises(ReferralError, match="has not consented"):
        services.send_referral(
            Referral(case=case, to_agency=agency_b, purpose="shelter", sections=["summary"]),
            actor=caseworker,
            override_reason="I decide",
        )
    assert not Referral.objects.exists()
