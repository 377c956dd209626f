"""Outsiders get 404 on every victims URL of agency A's records; reveal is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services as case_services
from cases.models import ServiceItem
from victims import services
from victims.models import ConsentRecord, IdentificationDecision, IndicatorSet
from victims.urls import urlpatterns

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(case, person, caseworker):
    indicator_set = IndicatorSet.objects.get(code="forced-labour", version=1)
    screening = services.start_screening(case, indicator_set=indicator_set, actor=caseworker)
    decision = IdentificationDecision.objects.create(
        case=case,
        authority="police",
        decided_on="2026-01-05",
        outcome="identified",
        recorded_by=caseworker,
    )
    service = case_services.save_service(
        ServiceItem(case=case, service_type="shelter", shelter_location="Secret place"),
        actor=caseworker,
    )
    services.set_person_photo(person, b"\xff\xd8not-really-a-jpeg", actor=caseworker)
    return {
        "pk_person": person.pk,
        "case_pk": case.pk,
        "screening": screening.pk,
        "decision": decision.pk,
        "service": service.pk,
    }


def _urls(records: dict) -> list[str]:
    kwargs_for = {
        "person": {"pk": records["pk_person"]},
        "consent": {"pk": records["pk_person"]},
        "screening": {"pk": records["screening"]},
        "decision": {"pk": records["decision"]},
        "case": {"pk": records["pk_person"]},
        # The restore of an archived attachment: no archive holds this id for anyone.
        "attachment": {"pk": records["case_pk"]},
    }
    urls = []
    for pattern in urlpatterns:
        name = pattern.name
        route = str(pattern.pattern)
        if "<int:case_pk>" in route:
            urls.append(reverse(f"victims:{name}", kwargs={"case_pk": records["case_pk"]}))
        elif "<int:pk>" in route:
            urls.append(reverse(f"victims:{name}", kwargs=kwargs_for[name.split("_")[0]]))
    return urls


def test_every_record_url_is_covered(records):
    named = {p.name for p in urlpatterns if "<int:" in str(p.pattern)}
    assert len(_urls(records)) == len(named) == 21


@pytest.mark.parametrize("persona", ["outsider", "platform_admin", "outsider_admin"])
def test_outsiders_get_404_on_every_record_url(request, login, persona, records):
    client = login(request.getfixturevalue(persona))
    for url in _urls(records):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"version": 1}).status_code == 404, url
    assert ServiceItem.objects.get().shelter_location == "Secret place"


def test_a_caseworker_not_assigned_gets_404(login, other_caseworker, records):
    client = login(other_caseworker)
    for url in _urls(records):
        assert client.get(url).status_code in (404, 405), url


def test_the_list_shows_codes_only_and_hides_other_agencies(login, caseworker, outsider, person):
    content = login(caseworker).get(reverse("victims:person_list")).content.decode()
    assert person.code in content and person.legal_name not in content
    assert person.code not in login(outsider).get(reverse("victims:person_list")).content.decode()


def test_the_detail_masks_the_name_until_revealed_and_the_reveal_is_audited(
    login, supervisor, person, case
):
    client = login(supervisor)
    detail = client.get(reverse("victims:person_detail", args=[person.pk]))
    assert person.legal_name not in detail.content.decode()
    revealed = client.post(reverse("victims:person_reveal", args=[person.pk]))
    assert person.legal_name in revealed.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)
    assert event.actor == supervisor and event.object_id == str(person.pk)


def test_an_agency_admin_may_view_but_not_reveal(login, agency_admin, person, case):
    client = login(agency_admin)
    assert client.get(reverse("victims:person_detail", args=[person.pk])).status_code == 200
    assert client.post(reverse("victims:person_reveal", args=[person.pk])).status_code == 403
    assert client.get(reverse("victims:person_edit", args=[person.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_reveal_refuses_get(login, caseworker, person, case):
    response = login(caseworker).get(reverse("victims:person_reveal", args=[person.pk]))
    assert response.status_code == 405


def test_consent_is_append_only_and_withdrawal_takes_effect_at_once(
    login, caseworker, person, case, agency_b
):
    from victims.selectors import has_sharing_consent

    client = login(caseworker)
    url = reverse("victims:consent_create", args=[person.pk])
    base = {
        "purpose": "sharing",
        "target_agency": agency_b.pk,
        "given_on": "2026-01-02",
        "explained_in": "Vietnamese",
    }
    assert client.post(url, base | {"status": "given"}).status_code == 302
    assert has_sharing_consent(person, agency_b)
    assert client.post(url, base | {"status": "withdrawn"}).status_code == 302
    assert not has_sharing_consent(person, agency_b)
    assert ConsentRecord.objects.count() == 2
