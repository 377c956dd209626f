"""Non-punishment, whole (issue 15): the person's own criminal matters, the warning on every
page that shows the case or the person, the exports, the supervisor's notification, and
the named reads statistics use."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import pyzipper
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import (
    CRIMINAL_MATTER_GRAPH,
    Case,
    CaseStatus,
    CriminalExposure,
    CriminalMatterCharge,
    CriminalMatterStage,
    CriminalMatterTransition,
)
from cases.services import CaseClosedError
from locking import StaleEditError
from notifications.models import Kind, Notification, Threshold
from notifications.services import send_due_reminders
from privacy.subject_access import build_package
from tests.factories import (
    CaseFactory,
    CriminalExposureFactory,
    CriminalMatterChargeFactory,
    ReferralFactory,
)
from tests.test_policy_matrix import ALL_URLS, Url, build_world, path_of, record_for
from workflow import TransitionError

pytestmark = pytest.mark.django_db

MARKER = 'data-testid="non-punishment"'
Outcome = CriminalMatterCharge.Outcome
Stage = CriminalMatterStage


@pytest.fixture
def matter(case) -> CriminalExposure:
    return CriminalExposureFactory(
        case=case,
        case_numbers="POL-2026-777",
        non_punishment_requested_on=datetime.date(2026, 3, 1),
    )


def _close(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)


# --- the stage graph and its one writer ---------------------------------------------------


def test_the_stage_graph_moves_forward_and_closes_from_any_stage():
    for stage in Stage.values:
        if stage != Stage.CLOSED:
            assert CRIMINAL_MATTER_GRAPH.allows(stage, Stage.CLOSED)
    assert CRIMINAL_MATTER_GRAPH.allows(Stage.INVESTIGATION, Stage.PROSECUTION)
    assert not CRIMINAL_MATTER_GRAPH.allows(Stage.INVESTIGATION, Stage.JUDGMENT)
    assert CRIMINAL_MATTER_GRAPH.next_states(Stage.CLOSED) == [Stage.INVESTIGATION]


def test_a_stage_move_writes_history_and_audit_in_one_step(matter, caseworker):
    move = services.move_criminal_matter(
        matter, Stage.PROSECUTION, actor=caseworker, note="Indicted"
    )
    matter.refresh_from_db()
    assert matter.stage == Stage.PROSECUTION
    assert (move.from_status, move.to_status, move.note) == (
        Stage.INVESTIGATION,
        Stage.PROSECUTION,
        "Indicted",
    )
    assert move.get_to_status_display() == "Prosecuted (indicted)"
    rows = AuditEvent.objects.for_object(matter).filter(action=AuditEvent.Action.TRANSITION)
    assert rows.count() == 1


def test_a_move_the_graph_refuses_writes_nothing(matter, caseworker):
    with pytest.raises(TransitionError):
        services.move_criminal_matter(matter, Stage.JUDGMENT, actor=caseworker)
    matter.refresh_from_db()
    assert matter.stage == Stage.INVESTIGATION
    assert not CriminalMatterTransition.objects.exists()


def test_a_closed_case_refuses_every_write_on_its_matters(matter, caseworker):
    _close(matter.case)
    with pytest.raises(CaseClosedError):
        services.move_criminal_matter(matter, Stage.PROSECUTION, actor=caseworker)
    with pytest.raises(CaseClosedError):
        services.save_criminal_matter_charge(
            CriminalMatterCharge(matter=matter, offence="fraud"), actor=caseworker
        )


# --- the decision, charge by charge --------------------------------------------------------


def test_the_decision_records_authority_date_reference_and_each_charges_outcome(matter, caseworker):
    fraud = CriminalMatterChargeFactory(matter=matter, offence="fraud")
    laundering = CriminalMatterChargeFactory(matter=matter, offence="money_laundering")
    services.record_non_punishment_decision(
        matter,
        actor=caseworker,
        authority=CriminalExposure.Authority.PROSECUTOR,
        decided_on=datetime.date(2026, 4, 2),
        reference="NP-112",
        outcomes={fraud.pk: Outcome.NOT_PROSECUTED, laundering.pk: Outcome.REDUCED},
        expected_version=matter.version,
    )
    matter.refresh_from_db()
    assert (matter.decision_authority, matter.decided_on, matter.decision_reference) == (
        "prosecutor",
        datetime.date(2026, 4, 2),
        "NP-112",
    )
    assert dict(matter.charges.values_list("offence", "outcome")) == {
        "fraud": Outcome.NOT_PROSECUTED,
        "money_laundering": Outcome.REDUCED,
    }
    assert AuditEvent.objects.for_object(matter).filter(action="update").count() == 1
    assert AuditEvent.objects.for_object(fraud).filter(action="update").count() == 1


def test_a_stale_decision_and_an_outcome_for_another_matters_charge_are_refused(
    matter, caseworker, case
):
    charge = CriminalMatterChargeFactory(matter=matter)
    foreign = CriminalMatterChargeFactory(matter=CriminalExposureFactory(case=case))
    decision = {
        "authority": "court",
        "decided_on": datetime.date(2026, 5, 1),
        "reference": "J-1",
    }
    with pytest.raises(StaleEditError):
        services.record_non_punishment_decision(
            matter,
            actor=caseworker,
            outcomes={charge.pk: Outcome.ACQUITTED},
            expected_version=matter.version + 5,
            **decision,
        )
    with pytest.raises(ValueError, match="another matter"):
        services.record_non_punishment_decision(
            matter, actor=caseworker, outcomes={foreign.pk: Outcome.ACQUITTED}, **decision
        )
    matter.refresh_from_db()
    assert matter.decided_on is None
    assert set(CriminalMatterCharge.objects.values_list("outcome", flat=True)) == {"pending"}


# --- the forms: clear errors on the field, nothing half-written ---------------------------


def test_recording_a_matter_with_who_asked_needs_the_request_date(login, case, caseworker):
    url = reverse("cases:exposure_create", args=[case.pk])
    data = {"role": "defendant", "case_numbers": "COURT-2026-12", "requested_by": "lawyer"}
    response = login(caseworker).post(url, data)
    assert response.status_code == 200
    assert "Give the date non-punishment was requested" in response.content.decode()
    assert not CriminalExposure.objects.exists()
    response = login(caseworker).post(url, {**data, "non_punishment_requested_on": "2026-04-01"})
    assert response.status_code == 302
    matter = CriminalExposure.objects.get(case=case)
    assert (matter.role, matter.requested_by, matter.stage) == (
        "defendant",
        "lawyer",
        "investigation",
    )
    assert matter.non_punishment_requested_on == datetime.date(2026, 4, 1)


def test_editing_a_matter_is_protected_against_stale_edits(login, matter, caseworker, supervisor):
    url = reverse("cases:exposure_edit", args=[matter.case_id, matter.pk])
    data = {"role": "suspect", "case_numbers": matter.case_numbers, "version": 1}
    login(supervisor).post(url, {**data, "case_numbers": "FIRST"})
    response = login(caseworker).post(url, {**data, "case_numbers": "SECOND"})
    assert "Sam Supervisor changed this record" in response.content.decode()
    matter.refresh_from_db()
    assert matter.case_numbers == "FIRST"


def test_a_charge_of_another_offence_needs_its_wording(login, matter, caseworker):
    url = reverse("cases:exposure_charge_add", args=[matter.case_id, matter.pk])
    response = login(caseworker).post(url, {"offence": "other"})
    assert response.status_code == 400
    assert "Write the charge when the offence is" in response.content.decode()
    assert not CriminalMatterCharge.objects.exists()
    response = login(caseworker).post(url, {"offence": "other", "description": "Art. 99"})
    assert response.status_code == 302
    charge = CriminalMatterCharge.objects.get(matter=matter)
    assert (charge.description, charge.outcome) == ("Art. 99", "pending")


def test_the_stage_form_moves_the_matter_and_refuses_a_skipped_stage(login, matter, caseworker):
    url = reverse("cases:exposure_stage", args=[matter.case_id, matter.pk])
    client = login(caseworker)
    response = client.post(url, {"to_status": "judgment"}, follow=True)
    assert "cannot" in response.content.decode().lower() or "not allowed" in (
        response.content.decode().lower()
    )
    matter.refresh_from_db()
    assert matter.stage == Stage.INVESTIGATION
    client.post(url, {"to_status": "prosecution", "note": "Indicted"})
    matter.refresh_from_db()
    assert matter.stage == Stage.PROSECUTION
    page = client.get(matter.get_absolute_url()).content.decode()
    assert "Indicted" in page and "Under investigation → Prosecuted (indicted)" in page


def test_the_decision_form_names_each_missing_or_wrong_field(login, matter, caseworker):
    url = reverse("cases:exposure_decision", args=[matter.case_id, matter.pk])
    client = login(caseworker)
    response = client.post(url, {"version": matter.version})
    assert response.status_code == 400
    assert "Record the charges against the person before the decision" in (
        response.content.decode()
    )
    charge = CriminalMatterChargeFactory(matter=matter)
    assert f"outcome_{charge.pk}" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "version": matter.version,
            "decided_on": "2026-02-01",  # before the request (2026-03-01)
            f"outcome_{charge.pk}": "exempted",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"decision_authority", "decided_on"}
    assert "cannot come before the request" in form.errors["decided_on"][0]
    response = client.post(
        url,
        {
            "version": matter.version,
            "decision_authority": "court",
            "decided_on": "2026-06-01",
            "decision_reference": "Judgment 2026-88",
            f"outcome_{charge.pk}": "exempted",
        },
    )
    assert response.status_code == 302
    charge.refresh_from_db()
    matter.refresh_from_db()
    assert (charge.outcome, matter.decision_authority, matter.decision_reference) == (
        "exempted",
        "court",
        "Judgment 2026-88",
    )


# --- named reads for statistics ------------------------------------------------------------


def test_named_reads_count_requests_decisions_and_outcomes_per_charge(case, caseworker):
    asked = CriminalExposureFactory(
        case=case, non_punishment_requested_on=datetime.date(2026, 1, 5)
    )
    CriminalExposureFactory(case=case)  # never asked
    decided = CriminalExposureFactory(
        case=case,
        non_punishment_requested_on=datetime.date(2025, 12, 1),
        decided_on=datetime.date(2026, 2, 1),
    )
    for outcome in (Outcome.NOT_PROSECUTED, Outcome.NOT_PROSECUTED, Outcome.REFUSED):
        CriminalMatterChargeFactory(matter=decided, outcome=outcome)
    CriminalMatterChargeFactory(matter=asked)
    matters = CriminalExposure.objects
    assert set(matters.non_punishment_requested()) == {asked, decided}
    assert list(matters.decided()) == [decided]
    assert list(
        matters.requested_between(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    ) == [asked]
    assert list(matters.decided_between(datetime.date(2026, 1, 1), datetime.date(2026, 3, 1))) == [
        decided
    ]
    counts = CriminalMatterCharge.objects.outcome_counts()
    assert counts == {
        "pending": 1,
        "not_prosecuted": 2,
        "acquitted": 0,
        "exempted": 0,
        "reduced": 0,
        "refused": 1,
    }
    assert CriminalMatterCharge.objects.not_punished().count() == 2
    assert CriminalMatterCharge.objects.decided().count() == 3
    assert CriminalMatterCharge.objects.filter(matter__case=case).outcome_counts()["refused"] == 1


# --- the warning on every page that shows the case or the person ---------------------------

# World records whose pages show the case or the person.
SUBJECT_KEYS = {
    "case",
    "person",
    "screening",
    "decision",
    "proceeding",
    "defendant",
    "exposure",
    "task",
    "attachment",
    "service",
    "referral",
    "mla",
    "erasure",
}
# Pages about the case or the person that are not HTML: no place for a banner (not fetched).
NOT_HTML = {
    "cases:attachment_download": "the attachment's own bytes (a download)",
    "victims:person_photo": "the photo's JPEG bytes",
}
# POST-only forms that re-render their page with the errors (empty POST, 400): checked too.
FORM_POSTS = {
    "cases:note_add",
    "cases:task_add",
    "cases:attachment_upload",
    "cases:exposure_charge_add",
}
# The pages that must be among those checked (the walk itself must not shrink unseen).
MUST_SHOW = {
    "cases:detail",
    "cases:timeline",
    "cases:edit",
    "cases:assign",
    "cases:service_create",
    "cases:service_edit",
    "cases:exposure_create",
    "cases:exposure_edit",
    "cases:exposure_detail",
    "cases:exposure_decision",
    "cases:note_add",
    "cases:task_add",
    "cases:attachment_upload",
    "victims:person_detail",
    "victims:person_edit",
    "victims:consent_list",
    "victims:case_create",
    "victims:screening_start",
    "victims:screening_detail",
    "victims:decision_create",
    "victims:decision_detail",
    "cooperation:referral_create",
    "cooperation:referral_detail",
    "privacy:person_subject_access",
    "privacy:person_erasure_request",
}


def _subject_urls(world) -> list[Url]:
    subjects = {world[key] for key in SUBJECT_KEYS if key in world}
    found = []
    for url in ALL_URLS:
        ints = [name for name, converter in url.converters if converter == "int"]
        namespace = url.name.rpartition(":")[0]
        if not ints or namespace not in {"cases", "victims", "cooperation", "privacy"}:
            continue
        records = [record_for(url, name, world) for name in ints]
        if any(record in subjects for record in records):
            found.append(url)
    return found


def test_every_page_about_the_case_or_the_person_shows_the_warning(
    agency_a, caseworker, supervisor, login, private_storage
):
    world = build_world(agency_a=agency_a, caseworker=caseworker, supervisor=supervisor)
    assert world["case"].criminal_exposures.exists()
    clients = [login(caseworker), login(supervisor)]
    checked, missing, refused = set(), [], []
    for url in _subject_urls(world):
        if url.name in NOT_HTML:
            continue
        path = path_of(url, world)
        for client in clients:
            post = url.name in FORM_POSTS
            response = client.post(path, {}) if post else client.get(path)
            if response.status_code != 403:
                break
        if response.status_code == 405 or response.status_code in (301, 302):
            continue  # POST-only actions and redirects show no page of their own
        if response.status_code not in (200, 400):
            refused.append((url.name, response.status_code))
            continue
        assert response["Content-Type"].startswith("text/html"), url.name
        checked.add(url.name)
        if MARKER not in response.content.decode():
            missing.append(url.name)
    assert missing == []
    assert refused == []
    assert checked >= MUST_SHOW, sorted(MUST_SHOW - checked)


def test_no_warning_without_a_criminal_matter_and_lists_keep_their_badge(
    login, case, caseworker, supervisor
):
    client = login(supervisor)
    assert MARKER not in client.get(case.get_absolute_url()).content.decode()
    assert MARKER not in client.get(case.person.get_absolute_url()).content.decode()
    CriminalExposureFactory(case=case, case_numbers="POL-2026-777")
    for user in (caseworker, supervisor):
        page = login(user).get(case.get_absolute_url()).content.decode()
        assert MARKER in page and "POL-2026-777" in page
        assert page.count(MARKER) == 1
    listing = client.get(reverse("cases:list")).content.decode()
    assert "Non-punishment" in listing
    assert "Non-punishment" in login(caseworker).get(reverse("cases:my_work")).content.decode()


def test_the_receiving_agency_sees_the_warning_but_not_the_matter(
    login, case, caseworker, agency_b, outsider
):
    CriminalExposureFactory(case=case, case_numbers="POL-2026-777")
    referral = ReferralFactory(case=case, to_agency=agency_b, created_by=caseworker)
    page = login(outsider).get(reverse("cooperation:referral_detail", args=[referral.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert MARKER in content
    assert "POL-2026-777" not in content


def test_another_agencys_matter_on_the_same_person_is_not_shown(login, case, caseworker, agency_b):
    other = CaseFactory(agency=agency_b, person=case.person)
    CriminalExposureFactory(case=other, case_numbers="B-SECRET-1")
    content = login(caseworker).get(case.person.get_absolute_url()).content.decode()
    assert MARKER not in content and "B-SECRET-1" not in content


def test_the_subject_access_package_carries_the_warning(matter, supervisor, private_storage):
    CriminalMatterChargeFactory(matter=matter)
    package = build_package(matter.case.person, actor=supervisor, passphrase="long passphrase 1")
    with pyzipper.AESZipFile(io.BytesIO(package)) as archive:
        archive.setpassword(b"long passphrase 1")
        summary = archive.read("summary.html").decode()
        data = json.loads(archive.read("data.json"))
    assert MARKER in summary and "POL-2026-777" in summary
    assert data["non_punishment"]["applies"] is True
    assert data["non_punishment"]["matters"][0]["case_numbers"] == "POL-2026-777"
    assert data["non_punishment"]["matters"][0]["requested_on"] == "2026-03-01"
    assert "cases.criminalmattercharge" in data["sections"]


# --- the supervisor hears when the matter moves forward ------------------------------------


def test_the_supervisor_is_notified_of_a_stage_change_and_a_decision_once(
    matter, caseworker, supervisor
):
    services.move_criminal_matter(matter, Stage.PROSECUTION, actor=caseworker)
    assert send_due_reminders() == 1
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.threshold, note.case_id) == (
        supervisor,
        Kind.MATTER_STAGE,
        Threshold.RECORDED,
        matter.case_id,
    )
    message = note.message()
    assert matter.case.reference in message
    assert matter.case_numbers not in message and matter.case.person.code not in message
    assert note.get_absolute_url() == matter.case.get_absolute_url()
    assert send_due_reminders() == 0  # once, however often the worker runs

    charge = CriminalMatterChargeFactory(matter=matter)
    services.record_non_punishment_decision(
        matter,
        actor=caseworker,
        authority="prosecutor",
        decided_on=datetime.date(2026, 4, 2),
        reference="NP-1",
        outcomes={charge.pk: Outcome.NOT_PROSECUTED},
    )
    assert send_due_reminders() == 1
    decision = Notification.objects.get(kind=Kind.NON_PUNISHMENT_DECISION)
    assert (decision.recipient, decision.record_id) == (supervisor, matter.pk)
    assert "decision on non-punishment" in decision.message()
    assert not Notification.objects.filter(recipient=caseworker).exists()


def test_without_a_named_supervisor_the_agencys_supervisors_hear_of_it(
    agency_a, caseworker, supervisor
):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    matter = CriminalExposureFactory(case=case)
    services.move_criminal_matter(matter, Stage.CLOSED, actor=caseworker)
    send_due_reminders()
    assert list(Notification.objects.values_list("recipient", flat=True)) == [supervisor.pk]
