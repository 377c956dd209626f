"""A closed case refuses every write until a supervisor reopens it.

The POST URLs are read from the URLconfs (cases, and the case pages of victims and
cooperation): a new URL must be listed below as a write (with data that works on an
open case) or as a read, so no write can slip past the rule.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse

from cases import services
from cases.models import (
    Attachment,
    Case,
    CaseNote,
    Charge,
    ChargeOutcome,
    CriminalExposure,
    CriminalMatterCharge,
    CriminalMatterTransition,
    Defendant,
    Hearing,
    LegalProceeding,
    ProceedingCase,
    ProtectiveMeasure,
    ServiceItem,
    Task,
    TrackTransition,
)
from cases.urls import urlpatterns as case_urls
from cooperation.models import Referral
from cooperation.urls import urlpatterns as cooperation_urls
from tests.factories import (
    CaseFactory,
    CriminalMatterChargeFactory,
    HearingFactory,
    LegalProceedingFactory,
    TaskFactory,
)
from victims import services as victim_services
from victims.models import IdentificationDecision, IndicatorSet, Screening, ScreeningAnswer
from victims.urls import urlpatterns as victim_urls
from workflow import TransitionError

pytestmark = pytest.mark.django_db

# Pages that only read, and the one step a closed case allows (reopening).
READS = {
    "cases:list",
    "cases:my_work",
    "cases:task_list",
    "cases:detail",
    "cases:timeline",
    "cases:attachment_download",
    "cases:exposure_detail",
    "cases:reopen",
}
# victims and cooperation URLs that write a case's data (the others are the person's
# own record or the referral's other side).
CASE_WRITES_ELSEWHERE = {
    "victims:screening_start",
    "victims:screening_answer",
    "victims:screening_complete",
    "victims:decision_create",
    "victims:decision_review_request",
    "victims:decision_review_outcome",
    "cooperation:referral_create",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _names(patterns: list[URLPattern], namespace: str) -> set[str]:
    return {f"{namespace}:{pattern.name}" for pattern in patterns}


def _post_data(name: str, records: dict) -> dict:
    answers = {f"answer_{a.indicator_id}": "yes" for a in records["screening"].answers.all()}
    return {
        "cases:edit": {
            "version": records["case"].version,
            "intake_date": "2026-03-14",
            "source": "rescue",
            "exploitation_types": ["forced_labour"],
            "labour_industry": "fishing",
            "risk_level": "high",
        },
        "cases:assign": {"caseworkers": [records["caseworker"].pk]},
        "cases:transition": {"track": "prosecution", "to_status": "reported"},
        "cases:closure_request": {"reason": "Done"},
        "cases:closure_approve": {"override_reason": "Done"},
        "cases:closure_return": {"reason": "Not yet"},
        "cases:note_add": {"text": "A note"},
        "cases:task_add": {"title": "Call", "due_date": "2026-12-01"},
        "cases:task_status": {"to_status": "done"},
        "cases:attachment_upload": {"file": SimpleUploadedFile("scan.png", PNG)},
        "cases:archive": {"reason": "Registered twice by mistake"},
        "cases:attachment_archive": {"reason": "Uploaded to the wrong case"},
        "cases:proceeding_create": {"version": 1, "police_case_number": "P-1"},
        "cases:proceeding_edit": {"version": 1, "police_case_number": "P-2"},
        "cases:defendant_add": {"name": "Accused"},
        "cases:defendant_edit": {"version": 1, "name": "Renamed", "outcome": "pending"},
        "cases:hearing_add": {"date": "2026-12-01", "time": "09:00", "instance": "1"},
        "cases:proceeding_link": {"number": "LINK-1"},
        "cases:proceeding_unlink": {"reason": "Linked to the wrong proceeding"},
        "cases:proceeding_stage": {"to_status": "indicted"},
        "cases:charge_add": {"statute": "htpa_32"},
        "cases:charge_outcome": {
            "instance": "1",
            "outcome": "acquitted",
            "decided_on": "2026-10-01",
        },
        "cases:measure_decide": {"status": "granted", "decided_on": "2026-10-01"},
        "cases:service_create": {"service_type": "medical"},
        "cases:service_edit": {"service_type": "shelter", "outcome": "Placed"},
        "cases:service_transition": {"to_status": "in_progress"},
        "cases:exposure_create": {"version": 1, "role": "suspect", "case_numbers": "X-1"},
        "cases:exposure_charge_add": {"offence": "fraud"},
        "cases:exposure_stage": {"to_status": "prosecution"},
        "cases:exposure_decision": {
            "version": 1,
            "decision_authority": "court",
            "decided_on": "2026-06-01",
            f"outcome_{records['exposure'].charges.get().pk}": "acquitted",
        },
        "cases:exposure_edit": {
            "version": 1,
            "role": "defendant",
            "case_numbers": "X-2",
            "outcome": "pending",
        },
        "victims:screening_start": {"indicator_set": records["screening"].indicator_set_id},
        "victims:screening_answer": answers,
        "victims:screening_complete": {"decision": "refer"},
        "victims:decision_create": {
            "authority": "police",
            "decided_on": "2026-02-01",
            "outcome": "identified",
        },
        "victims:decision_review_request": {"requested_on": "2026-02-10"},
        "victims:decision_review_outcome": {"outcome": "identified", "decided_on": "2026-03-01"},
        "cooperation:referral_create": {
            "to_agency": records["agency_b"].pk,
            "purpose": "shelter",
            "sections": ["summary"],
            "override_reason": "Urgent shelter need",
            "respond_by": "2099-01-01",
        },
    }[name]


WRITES = sorted(
    (_names(case_urls, "cases") - READS)
    | (
        CASE_WRITES_ELSEWHERE
        & (_names(victim_urls, "victims") | _names(cooperation_urls, "cooperation"))
    )
)


def test_every_case_url_is_listed_as_a_read_or_a_write():
    assert set(WRITES) | READS >= _names(case_urls, "cases")
    assert set(WRITES) >= CASE_WRITES_ELSEWHERE


@pytest.fixture
def records(case, caseworker, agency_b) -> dict:
    """The case with one of each thing a write can touch."""
    screening = victim_services.start_screening(
        case, indicator_set=IndicatorSet.objects.filter(is_current=True).first(), actor=caseworker
    )
    proceeding = LegalProceedingFactory(case=case)
    # A second proceeding of the agency, not yet linked, for the link URL.
    LegalProceedingFactory(case=CaseFactory(agency=case.agency), police_case_number="LINK-1")
    defendant = Defendant.objects.create(proceeding=proceeding, name="Accused")
    hearing = HearingFactory(proceeding=proceeding, case=case)
    return {
        "case": case,
        "caseworker": caseworker,
        "agency_b": agency_b,
        "screening": screening,
        "decision": IdentificationDecision.objects.create(
            case=case,
            authority="police",
            decided_on=datetime.date(2026, 1, 5),
            outcome="identified",
            recorded_by=caseworker,
        ),
        "task": TaskFactory(case=case),
        "service": ServiceItem.objects.create(
            case=case, service_type="shelter", created_by=caseworker
        ),
        "proceeding": proceeding,
        "defendant": defendant,
        "charge": Charge.objects.create(defendant=defendant, statute="htpa_31"),
        "measure": ProtectiveMeasure.objects.create(hearing=hearing, kind="screen"),
        "exposure": CriminalMatterChargeFactory(matter__case=case).matter,
        # A row is enough: archiving an attachment never opens its file.
        "attachment": Attachment.objects.create(
            case=case,
            original_name="a.txt",
            content_type="text/plain",
            size=1,
            uploaded_by=caseworker,
            file="cases/a.txt",
        ),
    }


def _url(name: str, records: dict) -> str:
    case = records["case"]
    kwargs = {
        "pk": case.pk,
        "case_pk": case.pk,
        "task_pk": records["task"].pk,
        "service_pk": records["service"].pk,
        "proceeding_pk": records["proceeding"].pk,
        "defendant_pk": records["defendant"].pk,
        "charge_pk": records["charge"].pk,
        "measure_pk": records["measure"].pk,
        "exposure_pk": records["exposure"].pk,
        "attachment_pk": records["attachment"].pk,
    }
    if name.startswith("victims:screening_") and name != "victims:screening_start":
        kwargs["pk"] = records["screening"].pk
    if name.startswith("victims:decision_review"):
        kwargs["pk"] = records["decision"].pk
    pattern = next(
        p for p in [*case_urls, *victim_urls, *cooperation_urls] if name.endswith(f":{p.name}")
    )
    needed = pattern.pattern.converters
    return reverse(name, kwargs={key: kwargs[key] for key in needed})


def _everything(case: Case) -> list:
    """Every row a case-page write could add or change."""
    models = [
        Case,
        TrackTransition,
        Task,
        CaseNote,
        Attachment,
        LegalProceeding,
        ProceedingCase,
        Defendant,
        Charge,
        ChargeOutcome,
        Hearing,
        ProtectiveMeasure,
        CriminalExposure,
        CriminalMatterCharge,
        CriminalMatterTransition,
        ServiceItem,
        Screening,
        ScreeningAnswer,
        IdentificationDecision,
        Referral,
    ]
    return [list(model.objects.order_by("pk").values()) for model in models]


def _close(case: Case, caseworker, supervisor) -> None:
    services.request_closure(case, actor=caseworker, reason="Returned home")
    services.approve_closure(case, actor=supervisor, override_reason="Test")


@pytest.mark.parametrize("name", WRITES)
def test_a_write_on_a_closed_case_changes_nothing(
    login, records, caseworker, supervisor, private_storage, name
):
    case = records["case"]
    _close(case, caseworker, supervisor)
    before = _everything(case)
    response = login(supervisor).post(_url(name, records), _post_data(name, records))
    assert response.status_code < 500
    assert _everything(case) == before


@pytest.mark.parametrize(
    "name",
    sorted(set(WRITES) - {"cases:closure_approve", "cases:closure_return"}),
)
def test_the_same_write_on_an_open_case_changes_something(
    login, records, supervisor, private_storage, name
):
    # The control: the data above is valid, so the closed case's refusal is the rule's.
    case = records["case"]
    if name == "victims:decision_create":
        Case.objects.filter(pk=case.pk).update(identification_status="awaiting_decision")
    if name == "victims:decision_review_request":
        Case.objects.filter(pk=case.pk).update(identification_status="identified")
    if name == "victims:decision_review_outcome":
        Case.objects.filter(pk=case.pk).update(identification_status="review_requested")
    before = _everything(case)
    response = login(supervisor).post(_url(name, records), _post_data(name, records))
    assert response.status_code < 400
    assert _everything(case) != before


def test_a_closed_case_refuses_the_services_and_reopening_lets_them_write(
    records, caseworker, supervisor
):
    case = records["case"]
    _close(case, caseworker, supervisor)
    with pytest.raises(services.CaseClosedError, match="closed"):
        services.add_note(case, actor=caseworker, text="Too late")
    with pytest.raises(TransitionError):
        services.transition_task(records["task"], "done", actor=caseworker)
    services.reopen_case(case, actor=supervisor, reason="New information")
    services.add_note(case, actor=caseworker, text="Back on it")
    assert case.notes.get().text == "Back on it"


def test_sending_a_closed_case_back_is_refused(records, caseworker, supervisor):
    case = records["case"]
    _close(case, caseworker, supervisor)
    with pytest.raises(TransitionError, match="closure request"):
        services.return_closure(case, actor=supervisor, comment="Oops")
    case.refresh_from_db()
    assert case.status == "closed"


def test_the_case_page_of_a_closed_case_shows_no_write_form(login, records, caseworker, supervisor):
    case = records["case"]
    _close(case, caseworker, supervisor)
    case.refresh_from_db()
    content = login(supervisor).get(reverse("cases:detail", args=[case.pk])).content.decode()
    for name in WRITES:
        if name == "cases:closure_request":
            continue
        assert f'action="{_url(name, records)}"' not in content
        assert f'href="{_url(name, records)}"' not in content
    assert reverse("cases:reopen", args=[case.pk]) in content
