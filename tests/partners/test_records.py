"""Agreements, MLA requests and prevention activities: create, edit with optimistic
locking, access, the expiring-agreement flag, and hostile input on every form."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cooperation.models import MLARequest, Referral, ReferralUpdate
from partners.models import Agreement, PreventionActivity
from tests.factories import AgreementFactory, MLARequestFactory, PreventionActivityFactory
from tests.hostile import HOSTILE, post_raw

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _mla_post(**overrides) -> dict:
    data = {
        "direction": "outgoing",
        "requesting_country": "TW",
        "requesting_authority": "Demo District Prosecutors Office",
        "requested_country": "KH",
        "requested_authority": "Demo Ministry of Justice",
        "channel": "formal",
        "requests": ["evidence", "asset_freeze"],
        "description": "Bank records of the recruiting company.",
        "sent_on": "2026-01-10",
        "reply_due": "2026-03-10",
    }
    data.update(overrides)
    return data


def _activity_post(**overrides) -> dict:
    data = {
        "activity_type": "training",
        "title": "Train-the-trainer for labour inspectors",
        "start_date": "2026-02-01",
        "end_date": "2026-02-02",
        "place": "Demo City",
        "audience": ["frontline"],
        "participants": "42",
        "countries": ["TW", "VN"],
        "materials": "Slides, indicator checklist",
    }
    data.update(overrides)
    return data


def _agreement_post(**overrides) -> dict:
    data = {
        "title": "MOU on trafficking for forced criminality",
        "foreign_party": "Demo Ministry of the Interior",
        "foreign_country": "PH",
        "covers_forced_criminality": "on",
        "signed_on": "2024-01-15",
        "expires_on": "2029-01-14",
        "focal_points": "Liaison office",
        "document_reference": "MOU-2024-01",
    }
    data.update(overrides)
    return data


def test_caseworker_records_an_mla_request_linked_to_a_case(login, caseworker, case):
    response = login(caseworker).post(
        reverse("cooperation:mla_create"), _mla_post(case=case.reference)
    )
    mla = MLARequest.objects.get()
    assert response.status_code == 302
    assert (mla.agency, mla.created_by, mla.case) == (case.agency, caseworker, case)
    assert mla.requests == ["evidence", "asset_freeze"]
    assert AuditEvent.objects.filter(action="create", object_type="cooperation.mlarequest").exists()


def test_an_mla_request_cannot_link_another_agencys_case(login, outsider, case):
    response = login(outsider).post(
        reverse("cooperation:mla_create"), _mla_post(case=case.reference)
    )
    assert response.status_code == 200
    assert "case" in response.context["form"].errors
    assert not MLARequest.objects.exists()


def test_stale_mla_edit_is_refused_naming_who_changed_it(login, supervisor, caseworker, case):
    mla = MLARequestFactory(agency=case.agency, case=case, created_by=caseworker)
    url = reverse("cooperation:mla_edit", args=[mla.pk])
    opened = mla.version
    first = login(supervisor).post(url, _mla_post(version=opened, description="Replied in part"))
    assert first.status_code == 302
    second = login(caseworker).post(url, _mla_post(version=opened, description="Overwrite"))
    assert second.status_code == 200
    assert "Sam Supervisor changed this record" in str(next(iter(second.context["messages"])))
    mla.refresh_from_db()
    assert mla.description == "Replied in part"


def test_other_agencies_get_404_on_mla_pages(login, outsider, platform_admin, agency_a):
    mla = MLARequestFactory(agency=agency_a)
    for user in (outsider, platform_admin):
        client = login(user)
        assert client.get(reverse("cooperation:mla_detail", args=[mla.pk])).status_code == 404
        if user.agency_id:
            edit = reverse("cooperation:mla_edit", args=[mla.pk])
            assert client.post(edit, _mla_post()).status_code == 404
    mla.refresh_from_db()
    assert mla.status == "sent"


def test_staff_record_and_edit_an_activity(login, caseworker, agency_b):
    client = login(caseworker)
    response = client.post(
        reverse("partners:activity_create"), _activity_post(partner_agencies=[agency_b.pk])
    )
    activity = PreventionActivity.objects.get()
    assert response.status_code == 302
    assert activity.organiser == caseworker.agency
    assert list(activity.partner_agencies.all()) == [agency_b]
    edit = reverse("partners:activity_edit", args=[activity.pk])
    assert client.post(edit, _activity_post(version=1, participants="50")).status_code == 302
    activity.refresh_from_db()
    assert (activity.participants, activity.version) == (50, 2)


def test_takedown_fields_are_required_for_takedowns_and_dropped_otherwise(login, caseworker):
    client = login(caseworker)
    response = client.post(
        reverse("partners:activity_create"), _activity_post(activity_type="takedown")
    )
    assert {"platform", "link_or_identifier"} <= set(response.context["form"].errors)
    client.post(reverse("partners:activity_create"), _activity_post(platform="Example Social"))
    assert PreventionActivity.objects.get().platform == ""


def test_only_the_organiser_edits_an_activity(login, outsider, agency_a):
    activity = PreventionActivityFactory(organiser=agency_a)
    edit = reverse("partners:activity_edit", args=[activity.pk])
    assert login(outsider).post(edit, _activity_post(version=1)).status_code == 404


def test_platform_admin_records_an_agreement(login, platform_admin, agency_a):
    response = login(platform_admin).post(
        reverse("partners:agreement_create"), _agreement_post(parties=[agency_a.pk])
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert agreement.covers_forced_criminality
    assert list(agreement.parties.all()) == [agency_a]


def test_staff_cannot_record_agreements(login, supervisor):
    assert (
        login(supervisor).post(reverse("partners:agreement_create"), _agreement_post()).status_code
        == 403
    )


def test_expiring_agreements_are_flagged_to_platform_admins(login, platform_admin, supervisor):
    soon = AgreementFactory(expires_on=TODAY() + datetime.timedelta(days=30), title="Soon MOU")
    AgreementFactory(expires_on=TODAY() + datetime.timedelta(days=400))
    assert list(Agreement.objects.expiring()) == [soon]
    admin_page = login(platform_admin).get(reverse("partners:agreement_list"))
    assert list(admin_page.context["expiring"]) == [soon]
    assert 'role="status"' in admin_page.content.decode()
    staff_page = login(supervisor).get(reverse("partners:agreement_list"))
    assert not staff_page.context["expiring"]
    assert 'role="status"' not in staff_page.content.decode()


def test_agency_page_lists_agreements_and_activities(login, caseworker, agency_a):
    agreement = AgreementFactory()
    agreement.parties.add(agency_a)
    activity = PreventionActivityFactory(organiser=agency_a)
    page = login(caseworker).get(reverse("partners:agency_detail", args=[agency_a.pk]))
    content = page.content.decode()
    assert agreement.get_absolute_url() in content
    assert activity.get_absolute_url() in content


# --- hostile input -------------------------------------------------------------------

MLA_FIELDS = [*_mla_post(), "case", "version"]
ACTIVITY_FIELDS = [*_activity_post(), "platform", "partner_agencies", "version"]
AGREEMENT_FIELDS = [*_agreement_post(), "parties"]
REFERRAL_FIELDS = [
    "to_agency",
    "external_name",
    "external_country",
    "purpose",
    "sections",
    "respond_by",
    "message",
    "override_reason",
]


def _assert_clean_refusal(response, model, before: int) -> None:
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert model.objects.count() == before


@pytest.mark.parametrize("field", MLA_FIELDS)
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_mla_form_survives_hostile_input(login, caseworker, field, payload):
    response = post_raw(
        login(caseworker), reverse("cooperation:mla_create"), _mla_post(**{field: payload})
    )
    _assert_clean_refusal(response, MLARequest, 0)
    if response.status_code == 200:
        assert field in response.context["form"].errors


@pytest.mark.parametrize("field", ACTIVITY_FIELDS)
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_activity_form_survives_hostile_input(login, caseworker, field, payload):
    url = reverse("partners:activity_create")
    response = post_raw(login(caseworker), url, _activity_post(**{field: payload}))
    _assert_clean_refusal(response, PreventionActivity, 0)
    if response.status_code == 200:
        assert field in response.context["form"].errors


@pytest.mark.parametrize("field", AGREEMENT_FIELDS)
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_agreement_form_survives_hostile_input(login, platform_admin, field, payload):
    url = reverse("partners:agreement_create")
    response = post_raw(login(platform_admin), url, _agreement_post(**{field: payload}))
    _assert_clean_refusal(response, Agreement, 0)
    if response.status_code == 200:
        assert field in response.context["form"].errors


@pytest.mark.parametrize("field", REFERRAL_FIELDS)
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_referral_form_survives_hostile_input(
    login, supervisor, case, agency_b, consent, field, payload
):
    data = {
        "to_agency": agency_b.pk,
        "purpose": "shelter",
        "sections": ["summary"],
        "respond_by": (TODAY() + datetime.timedelta(days=3)).isoformat(),
        field: payload,
    }
    url = reverse("cooperation:referral_create", args=[case.pk])
    response = post_raw(login(supervisor), url, data)
    _assert_clean_refusal(response, Referral, 0)
    if response.status_code == 200:
        assert field in response.context["form"].errors


@pytest.mark.parametrize("field", ["assignees", "note", "reason", "text", "occurred_on"])
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_referral_response_forms_survive_hostile_input(
    login, referral, receiver, receiver_supervisor, field, payload
):
    client = login(receiver_supervisor)
    for name in ("cooperation:referral_accept", "cooperation:referral_decline"):
        data = {"assignees": [receiver.pk], "reason": "no_capacity", field: payload}
        response = post_raw(client, reverse(name, args=[referral.pk]), data)
        assert response.status_code in (302, 400)
        referral.refresh_from_db()
        if referral.status != "sent":
            break
    assert ReferralUpdate.objects.count() == 0


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_referral_update_form_survives_hostile_input(login, accepted, receiver, payload):
    url = reverse("cooperation:referral_update_add", args=[accepted.pk])
    for field in ("text", "occurred_on"):
        data = {"text": "Fine", "occurred_on": TODAY().isoformat(), field: payload}
        response = post_raw(login(receiver), url, data)
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert field in response.context["update_form"].errors


def test_stored_markup_is_escaped_on_the_referral_page(login, accepted, receiver, caseworker):
    login(receiver).post(
        reverse("cooperation:referral_update_add", args=[accepted.pk]),
        {"occurred_on": TODAY().isoformat(), "text": "<script>alert(1)</script>"},
    )
    page = login(caseworker).get(accepted.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_list_filters_survive_hostile_input(login, supervisor, platform_admin, payload):
    from tests.hostile import get_raw

    lists = {
        "cooperation:referral_list": ["direction", "status", "awaiting", "overdue", "page"],
        "cooperation:mla_list": ["status", "overdue", "page"],
        "partners:activity_list": ["type", "year", "agency", "page"],
        "partners:agreement_list": ["q", "expiring", "page"],
    }
    for user in (supervisor, platform_admin):
        client = login(user)
        for name, params in lists.items():
            for param in params:
                response = get_raw(client, reverse(name), {param: payload})
                assert response.status_code in (200, 400, 403), (name, param)
