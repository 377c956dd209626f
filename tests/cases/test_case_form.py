import re
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import Case, CaseSequence
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _intake(**overrides) -> dict:
    data = {
        "intake_date": "2026-03-14",
        "source": "rescue",
        "exploitation_types": ["forced_criminality", "forced_labour"],
        "criminality_subtypes": ["online_fraud", "money_laundering"],
        "labour_industry": "fishing",
        "recruitment_method": "messaging_app",
        "recruitment_channel": "A chat app (fictional)",
        "methods_of_control": ["withholds_documents", "debt_bondage"],
        "countries_of_recruitment": ["PH"],
        "countries_of_exploitation": ["KH", "MM"],
        "place_description": "Scam compound behind a fence",
        "risk_level": "high",
        "prosecution_role": "witness",
    }
    return {**data, **overrides}


def test_caseworker_opens_a_case_with_a_readable_reference(login, caseworker, agency_a):
    person = PersonFactory(agency=agency_a, created_by=caseworker)
    url = reverse("victims:case_create", args=[person.pk])
    client = login(caseworker)
    assert client.get(url).status_code == 200
    response = client.post(url, _intake())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.reference == "AGA-2026-00001"
    assert list(case.caseworkers.all()) == [caseworker]
    assert case.methods_of_control == ["withholds_documents", "debt_bondage"]
    assert [c.code for c in case.countries_of_exploitation] == ["KH", "MM"]
    rows = {(r.type, r.subtype, r.industry) for r in case.exploitations.all()}
    assert rows == {
        ("forced_criminality", "online_fraud", ""),
        ("forced_criminality", "money_laundering", ""),
        ("forced_labour", "", "fishing"),
    }
    assert AuditEvent.objects.filter(action="create", object_id=str(case.pk)).exists()


def test_references_count_per_agency_and_year(caseworker, agency_a):
    person = PersonFactory(agency=agency_a, created_by=caseworker)
    for date in ("2026-01-02", "2026-05-01", "2025-12-31"):
        case = Case(person=person, intake_date=timezone.datetime.fromisoformat(date).date())
        services.create_case(case, actor=caseworker)
    refs = sorted(Case.objects.values_list("reference", flat=True))
    assert refs == ["AGA-2025-00001", "AGA-2026-00001", "AGA-2026-00002"]


def test_create_needs_a_visible_person(login, caseworker, other_caseworker, agency_a):
    someone_elses = PersonFactory(agency=agency_a, created_by=other_caseworker)
    client = login(caseworker)
    assert client.get(reverse("victims:case_create", args=[someone_elses.pk])).status_code == 404


def test_agency_admin_cannot_open_cases(login, agency_admin, agency_a):
    person = PersonFactory(agency=agency_a, created_by=agency_admin)
    response = login(agency_admin).get(reverse("victims:case_create", args=[person.pk]))
    assert response.status_code == 403


def test_post_cannot_set_agency_reference_or_status(login, caseworker, agency_a, agency_b):
    person = PersonFactory(agency=agency_a, created_by=caseworker)
    url = reverse("victims:case_create", args=[person.pk])
    extra = {"agency": agency_b.pk, "reference": "EVIL-1", "status": "closed", "version": 9}
    login(caseworker).post(url, _intake(**extra))
    case = Case.objects.get()
    assert (case.agency, case.status, case.version) == (agency_a, "open", 1)
    assert case.reference.startswith("AGA-")


def test_bad_input_gives_a_form_error_not_a_crash(login, caseworker, agency_a):
    person = PersonFactory(agency=agency_a, created_by=caseworker)
    url = reverse("victims:case_create", args=[person.pk])
    response = login(caseworker).post(
        url, _intake(intake_date="2026-02-31", risk_level="\x00", exploitation_types=[])
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"intake_date", "risk_level"}
    assert not Case.objects.exists()


def test_edit_saves_and_is_audited(login, case, caseworker):
    url = reverse("cases:edit", args=[case.pk])
    response = login(caseworker).post(
        url, _intake(version=case.version, exploitation_types=["sexual"])
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "high"
    assert [r.type for r in case.exploitations.all()] == ["sexual"]
    assert AuditEvent.objects.filter(action="update", object_id=str(case.pk)).exists()


def test_stale_edit_is_refused_naming_who_changed_it(login, case, caseworker, supervisor):
    url = reverse("cases:edit", args=[case.pk])
    opened_version = case.version
    first = login(supervisor).post(url, _intake(version=opened_version, risk_level="low"))
    assert first.status_code == 302
    second = login(caseworker).post(url, _intake(version=opened_version, risk_level="high"))
    assert second.status_code == 200
    message = str(next(iter(second.context["messages"])))
    assert "Sam Supervisor changed this record at" in message
    case.refresh_from_db()
    assert case.risk_level == "low"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creations_get_fifty_distinct_references(caseworker, agency_a):
    person = PersonFactory(agency=agency_a, created_by=caseworker)
    errors: list[Exception] = []
    barrier = threading.Barrier(50)

    def create() -> None:
        try:
            barrier.wait()
            services.create_case(Case(person=person), actor=caseworker)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == 50
    assert all(re.fullmatch(r"AGA-\d{4}-\d{5}", ref) for ref in references)
    assert CaseSequence.objects.get().last_number == 50
