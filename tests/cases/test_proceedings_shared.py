"""Shared criminal proceedings (issue 15): one proceeding, owned by one agency, linked to
the case of every victim it concerns, in the agency or across an accepted referral that
shares the legal section; its stage graph; and the named rules the statistics read."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import (
    PROCEEDING_GRAPH,
    CaseNote,
    Charge,
    ChargeOutcome,
    Defendant,
    LegalProceeding,
    ProceedingCase,
    ProceedingStage,
    ProceedingTransition,
    SentenceBand,
    sentence_band,
)
from cooperation import services as cooperation_services
from tests.factories import (
    CaseFactory,
    ConsentFactory,
    LegalProceedingFactory,
    ReferralFactory,
    UserFactory,
)
from workflow import TransitionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_case(agency_a, caseworker):
    """Another victim's case in agency A, worked by the same caseworker."""
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


def _link_url(case):
    return reverse("cases:proceeding_link", args=[case.pk])


def _audited(action, record) -> bool:
    return AuditEvent.objects.filter(
        action=action, object_type=record._meta.label_lower, object_id=str(record.pk)
    ).exists()


# --- within the owning agency ------------------------------------------------------------


def test_a_second_victims_case_links_to_the_proceeding_by_its_number(
    login, case, second_case, caseworker
):
    proceeding = LegalProceedingFactory(case=case, prosecutor_case_number="PRO-77")
    response = login(caseworker).post(
        _link_url(second_case), {"number": "pro-77", "person_role": "witness"}
    )
    assert response.status_code == 302
    link = ProceedingCase.objects.get(proceeding=proceeding, case=second_case)
    assert (link.person_role, link.linked_by) == ("witness", caseworker)
    assert _audited(AuditEvent.Action.CREATE, link)
    assert LegalProceeding.objects.count() == 1  # one prosecution, two victims
    assert set(proceeding.cases.all()) == {case, second_case}
    page = login(caseworker).get(second_case.get_absolute_url()).content.decode()
    assert "PRO-77" in page


def test_a_case_links_by_the_reference_of_a_case_already_linked(
    login, case, second_case, caseworker
):
    proceeding = LegalProceedingFactory(case=case)
    login(caseworker).post(_link_url(second_case), {"number": case.reference})
    assert proceeding.links.filter(case=second_case).exists()


def test_another_agencys_proceeding_cannot_be_linked_by_its_number(
    login, case, caseworker, agency_b
):
    LegalProceedingFactory(case=CaseFactory(agency=agency_b), police_case_number="B-1")
    before = ProceedingCase.objects.count()
    response = login(caseworker).post(_link_url(case), {"number": "B-1"})
    assert response.status_code == 400
    assert "No proceeding of your agency has this number." in response.content.decode()
    assert ProceedingCase.objects.count() == before


def test_a_case_already_linked_is_not_linked_twice(login, case, caseworker):
    LegalProceedingFactory(case=case, police_case_number="PD-X")
    response = login(caseworker).post(_link_url(case), {"number": "PD-X"}, follow=True)
    assert "already linked" in response.content.decode()
    assert ProceedingCase.objects.count() == 1


def test_the_link_service_refuses_another_agencys_case(case, caseworker, agency_b):
    proceeding = LegalProceedingFactory(case=case)
    with pytest.raises(PermissionDenied):
        services.link_case(proceeding, CaseFactory(agency=agency_b), actor=caseworker)
    assert proceeding.links.count() == 1


def test_unlinking_needs_a_reason_and_leaves_it_on_the_case(login, case, second_case, caseworker):
    proceeding = LegalProceedingFactory(case=case, cases=[second_case])
    url = reverse("cases:proceeding_unlink", args=[second_case.pk, proceeding.pk])
    assert login(caseworker).post(url, {"reason": "short"}).status_code == 400
    assert proceeding.links.filter(case=second_case).exists()
    link = proceeding.links.get(case=second_case)
    response = login(caseworker).post(url, {"reason": "Not a victim in this matter after all"})
    assert response.status_code == 302
    assert not proceeding.links.filter(case=second_case).exists()
    assert proceeding.links.filter(case=case).exists()
    assert _audited(AuditEvent.Action.DELETE, link)
    note = CaseNote.objects.get(case=second_case)
    assert "Not a victim in this matter after all" in note.text


def test_only_the_owning_agencys_cases_edit_the_proceeding(
    login, case, caseworker, outsider, agency_b
):
    b_case = CaseFactory(agency=agency_b, caseworkers=[outsider])
    proceeding = LegalProceedingFactory(case=case, cases=[b_case])
    client = login(outsider)
    edit = reverse("cases:proceeding_edit", args=[b_case.pk, proceeding.pk])
    stage = reverse("cases:proceeding_stage", args=[b_case.pk, proceeding.pk])
    defendant = reverse("cases:defendant_add", args=[b_case.pk, proceeding.pk])
    assert client.get(edit).status_code == 404
    assert client.post(stage, {"to_status": "indicted"}).status_code == 404
    assert client.post(defendant, {"name": "Alias"}).status_code == 404
    proceeding.refresh_from_db()
    assert proceeding.stage == ProceedingStage.INVESTIGATION and not proceeding.defendants.exists()
    # Agency A's own case page still reaches it.
    own = reverse("cases:proceeding_stage", args=[case.pk, proceeding.pk])
    assert login(caseworker).post(own, {"to_status": "indicted"}).status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.stage == ProceedingStage.INDICTED


# --- across agencies, through an accepted referral sharing the legal section ------------


@pytest.fixture
def receiver_supervisor(agency_b):
    return UserFactory(agency=agency_b, role="supervisor")


def _referral(case, agency_b, receiver_supervisor, outsider, *, sections, accept=True):
    ConsentFactory(person=case.person, target_agency=agency_b, recorded_by=case.created_by)
    referral = ReferralFactory(case=case, to_agency=agency_b, sections=sections)
    if accept:
        cooperation_services.accept_referral(
            referral, actor=receiver_supervisor, assignees=[outsider]
        )
    return referral


def _shared_link_url(referral, proceeding):
    return reverse("cooperation:referral_link_proceeding", args=[referral.pk, proceeding.pk])


def test_the_receiver_links_its_own_case_to_the_senders_proceeding(
    login, case, caseworker, outsider, agency_b, receiver_supervisor
):
    proceeding = LegalProceedingFactory(case=case, court_case_number="CT-SHARED")
    Defendant.objects.create(proceeding=proceeding, name="Trafficker alias Canary")
    referral = _referral(case, agency_b, receiver_supervisor, outsider, sections=["legal"])
    b_case = CaseFactory(agency=agency_b, caseworkers=[outsider])
    client = login(outsider)
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Link my case to this proceeding" in page
    response = client.post(
        _shared_link_url(referral, proceeding),
        {"case": b_case.reference, "person_role": "complainant"},
    )
    assert response.status_code == 302
    link = ProceedingCase.objects.get(proceeding=proceeding, case=b_case)
    assert link.linked_by == outsider and _audited(AuditEvent.Action.CREATE, link)
    assert proceeding.agency_id == case.agency_id  # still agency A's
    # Agency B reads the proceeding (numbers, stage), never the defendants.
    assert proceeding in LegalProceeding.objects.visible_to(outsider)
    page = client.get(b_case.get_absolute_url()).content.decode()
    assert "CT-SHARED" in page and "Owned by" in page
    assert "Trafficker alias Canary" not in page
    # Agency A's page is unchanged for A and shows its defendants.
    page = login(caseworker).get(case.get_absolute_url()).content.decode()
    assert "Trafficker alias Canary" in page


@pytest.mark.parametrize(
    ("sections", "accept"),
    [(["summary", "services"], True), (["legal"], False)],
    ids=["legal-not-shared", "not-accepted"],
)
def test_without_an_accepted_legal_referral_nothing_is_linked(
    login, case, outsider, agency_b, receiver_supervisor, sections, accept
):
    proceeding = LegalProceedingFactory(case=case)
    referral = _referral(
        case, agency_b, receiver_supervisor, outsider, sections=sections, accept=accept
    )
    b_case = CaseFactory(agency=agency_b, caseworkers=[outsider])
    response = login(receiver_supervisor).post(
        _shared_link_url(referral, proceeding), {"case": b_case.reference}
    )
    assert response.status_code == 403
    assert not ProceedingCase.objects.filter(case=b_case).exists()
    assert proceeding not in LegalProceeding.objects.visible_to(outsider)


def test_a_third_agency_gets_404_and_nothing_is_linked(
    login, case, outsider, agency_b, receiver_supervisor
):
    proceeding = LegalProceedingFactory(case=case)
    referral = _referral(case, agency_b, receiver_supervisor, outsider, sections=["legal"])
    third = UserFactory(agency=CaseFactory().agency, role="supervisor")
    response = login(third).post(
        _shared_link_url(referral, proceeding), {"case": CaseFactory(agency=third.agency).reference}
    )
    assert response.status_code == 404
    assert proceeding.links.count() == 1


def test_the_receiver_cannot_link_a_case_of_another_agency(
    login, case, outsider, agency_b, receiver_supervisor
):
    proceeding = LegalProceedingFactory(case=case)
    referral = _referral(case, agency_b, receiver_supervisor, outsider, sections=["legal"])
    other = CaseFactory(agency=case.agency)
    response = login(outsider).post(
        _shared_link_url(referral, proceeding), {"case": other.reference}
    )
    assert response.status_code == 400
    assert proceeding.links.count() == 1


def test_the_shared_service_refuses_a_revoked_referral(
    case, caseworker, outsider, agency_b, receiver_supervisor
):
    proceeding = LegalProceedingFactory(case=case)
    referral = _referral(case, agency_b, receiver_supervisor, outsider, sections=["legal"])
    cooperation_services.revoke_referral(referral, actor=caseworker)
    with pytest.raises(TransitionError):
        cooperation_services.link_shared_proceeding(
            referral, proceeding, CaseFactory(agency=agency_b), actor=outsider
        )
    assert proceeding.links.count() == 1


# --- the stage graph ---------------------------------------------------------------------


def test_every_stage_move_the_graph_allows_and_no_other(case, caseworker):
    for src, dst in PROCEEDING_GRAPH.pairs():
        proceeding = LegalProceedingFactory(case=case)
        LegalProceeding.objects.filter(pk=proceeding.pk).update(stage=src)
        proceeding.refresh_from_db()
        if PROCEEDING_GRAPH.allows(src, dst):
            record = services.move_proceeding_stage(proceeding, dst, actor=caseworker)
            assert (record.from_status, record.to_status) == (src, dst)
            assert _audited(AuditEvent.Action.TRANSITION, proceeding)
        else:
            with pytest.raises(TransitionError):
                services.move_proceeding_stage(proceeding, dst, actor=caseworker)
        proceeding.refresh_from_db()
        assert proceeding.stage == (dst if PROCEEDING_GRAPH.allows(src, dst) else src)
    assert set(PROCEEDING_GRAPH.states()) == set(ProceedingStage.values)


def test_the_stage_is_not_a_form_field(login, case, caseworker):
    proceeding = LegalProceedingFactory(case=case)
    url = reverse("cases:proceeding_edit", args=[case.pk, proceeding.pk])
    data = {"version": 1, "police_case_number": "PD-9", "stage": "final"}
    assert login(caseworker).post(url, data).status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.stage == ProceedingStage.INVESTIGATION
    assert not ProceedingTransition.objects.exists()


# --- the named rules the statistics read --------------------------------------------------


def _convict(defendant, statute, *, instance=1, outcome="convicted", months=None, fine=None):
    charge = Charge.objects.filter(defendant=defendant, statute=statute).first()
    charge = charge or Charge.objects.create(defendant=defendant, statute=statute)
    ChargeOutcome.objects.update_or_create(
        charge=charge,
        instance=instance,
        defaults={
            "outcome": outcome,
            "sentence_months": months,
            "fine": fine,
            "decided_on": datetime.date(2026, 3, instance),
        },
    )
    return charge


def test_investigated_prosecuted_and_convicted(case, caseworker):
    open_one = LegalProceedingFactory(case=case)
    tried = LegalProceedingFactory(case=case)
    services.move_proceeding_stage(tried, "indicted", actor=caseworker)
    boss = Defendant.objects.create(proceeding=tried, name="Boss")
    driver = Defendant.objects.create(proceeding=tried, name="Driver")
    helper = Defendant.objects.create(proceeding=tried, name="Helper")
    Defendant.objects.create(proceeding=open_one, name="Suspect")
    _convict(boss, "htpa_32", months=40)
    _convict(boss, "cc_302", months=90)
    _convict(driver, "htpa_32", months=20)
    _convict(driver, "htpa_32", instance=2, outcome="acquitted")  # the appeal acquits
    _convict(helper, "mlca", fine=50000)
    _convict(helper, "mlca", instance=2, outcome="pending")  # an appeal under way

    assert set(LegalProceeding.objects.investigated()) == {open_one, tried}
    assert list(LegalProceeding.objects.prosecuted()) == [tried]
    assert list(LegalProceeding.objects.with_conviction()) == [tried]
    assert set(Defendant.objects.prosecuted()) == {boss, driver, helper}
    assert set(Defendant.objects.convicted()) == {boss, helper}
    bands = {d.name: d.sentence_band for d in Defendant.objects.convicted().with_sentence()}
    assert bands == {"Boss": SentenceBand.FROM_5, "Helper": SentenceBand.FINE_ONLY}


@pytest.mark.parametrize(
    ("months", "fined", "band"),
    [
        (None, False, None),
        (None, True, SentenceBand.FINE_ONLY),
        (11, False, SentenceBand.UNDER_1),
        (12, False, SentenceBand.FROM_1),
        (35, True, SentenceBand.FROM_1),
        (36, False, SentenceBand.FROM_3),
        (59, False, SentenceBand.FROM_3),
        (60, False, SentenceBand.FROM_5),
        (119, False, SentenceBand.FROM_5),
        (120, False, SentenceBand.FROM_10),
    ],
)
def test_sentence_bands(months, fined, band):
    assert sentence_band(months, fined) == band


# --- protection in court -------------------------------------------------------------------


def _hearing_data(**extra):
    day = timezone.localdate() + datetime.timedelta(days=20)
    return {"date": day.isoformat(), "time": "10:00", "instance": "1", **extra}


def test_a_hearing_with_measures_lists_what_is_left_to_arrange(login, case, caseworker):
    proceeding = LegalProceedingFactory(case=case)
    url = reverse("cases:hearing_add", args=[case.pk, proceeding.pk])
    client = login(caseworker)
    response = client.post(url, _hearing_data(measures=["interpreter", "screen"]))
    assert response.status_code == 400  # the interpreter's language is missing
    assert not proceeding.hearings.exists()
    data = _hearing_data(
        measures=["interpreter", "screen"], interpreter_language="Vietnamese", place="Room 3"
    )
    assert client.post(url, data).status_code == 302
    hearing = proceeding.hearings.get()
    assert {str(m) for m in hearing.to_arrange()} == {
        "Interpreter (Vietnamese)",
        "Testimony behind a screen",
    }
    screen = hearing.measures.get(kind="screen")
    decide = reverse("cases:measure_decide", args=[case.pk, proceeding.pk, screen.pk])
    assert client.post(decide, {"status": "granted"}).status_code == 400  # no date
    response = client.post(
        decide, {"status": "granted", "decided_by": "Judge", "decided_on": "2026-12-01"}
    )
    assert response.status_code == 302
    assert [str(m) for m in hearing.to_arrange()] == ["Interpreter (Vietnamese)"]
    assert _audited(AuditEvent.Action.UPDATE, screen)
    page = client.get(reverse("cases:my_work")).content.decode()
    assert "Interpreter (Vietnamese)" in page
