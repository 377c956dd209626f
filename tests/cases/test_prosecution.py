import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CriminalExposure, LegalProceeding
from tests.factories import CriminalExposureFactory, LegalProceedingFactory

pytestmark = pytest.mark.django_db


def test_non_punishment_warning_is_shown_to_everyone_who_works_the_case(
    login, case, caseworker, supervisor, agency_admin
):
    url = reverse("cases:detail", args=[case.pk])
    assert "Non-punishment" not in login(caseworker).get(url).content.decode()
    CriminalExposureFactory(case=case, case_numbers="POL-2026-777")
    for user in (caseworker, supervisor, agency_admin):
        content = login(user).get(url).content.decode()
        assert "Non-punishment: the person is also a suspect or defendant" in content
        assert "POL-2026-777" in content


def test_caseworker_records_that_the_person_is_a_defendant(login, case, caseworker):
    response = login(caseworker).post(
        reverse("cases:exposure_create", args=[case.pk]),
        {
            "role": "defendant",
            "case_numbers": "COURT-2026-12",
            "charges": "Fraud",
            "non_punishment_requested_on": "2026-04-01",
            "outcome": "pending",
        },
    )
    assert response.status_code == 302
    exposure = CriminalExposure.objects.get(case=case)
    assert exposure.role == "defendant"
    assert exposure.non_punishment_requested_on == datetime.date(2026, 4, 1)


def test_exposure_outcome_update_is_protected_against_stale_edits(
    login, case, caseworker, supervisor
):
    exposure = CriminalExposureFactory(case=case)
    url = reverse("cases:exposure_edit", args=[case.pk, exposure.pk])
    data = {"role": "suspect", "case_numbers": exposure.case_numbers, "version": 1}
    login(supervisor).post(url, {**data, "outcome": "immunity"})
    response = login(caseworker).post(url, {**data, "outcome": "refused"})
    assert "Sam Supervisor changed this record" in response.content.decode()
    exposure.refresh_from_db()
    assert exposure.outcome == "immunity"


def test_proceeding_with_defendants_and_hearing(login, case, caseworker):
    client = login(caseworker)
    client.post(
        reverse("cases:proceeding_create", args=[case.pk]),
        {"police_case_number": "PD-1", "court_case_number": "CT-9"},
    )
    proceeding = LegalProceeding.objects.get(case=case)
    client.post(
        reverse("cases:defendant_add", args=[case.pk, proceeding.pk]),
        {"name": "Recruiter alias Boss", "charges": "Trafficking in persons"},
    )
    hearing_date = timezone.localdate() + datetime.timedelta(days=30)
    client.post(
        reverse("cases:hearing_add", args=[case.pk, proceeding.pk]),
        {"date": hearing_date.isoformat(), "description": "First hearing"},
    )
    assert proceeding.defendants.get().charges == "Trafficking in persons"
    assert proceeding.hearings.get().date == hearing_date
    task = case.tasks.get()
    assert task.auto_created
    assert task.due_date == hearing_date - datetime.timedelta(days=7)
    content = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "CT-9" in content
    assert "First hearing" in content


def test_hearing_without_date_is_refused_with_400(login, case, caseworker):
    proceeding = LegalProceedingFactory(case=case)
    response = login(caseworker).post(
        reverse("cases:hearing_add", args=[case.pk, proceeding.pk]), {"date": ""}
    )
    assert response.status_code == 400
    assert not proceeding.hearings.exists()


def _defendant(case):
    from cases.models import Defendant

    proceeding = LegalProceedingFactory(case=case)
    return Defendant.objects.create(proceeding=proceeding, name="Alias Boss", charges="Trafficking")


def _edit_url(defendant):
    return reverse(
        "cases:defendant_edit",
        args=[defendant.proceeding.case_id, defendant.proceeding_id, defendant.pk],
    )


def test_a_defendants_outcome_is_recorded_with_its_date(login, case, caseworker):
    defendant = _defendant(case)
    data = {"name": "Alias Boss", "charges": "Trafficking", "version": 1}
    response = login(caseworker).post(_edit_url(defendant), {**data, "outcome": "convicted"})
    assert response.status_code == 200
    assert "Give the date of the judgment" in response.content.decode()
    response = login(caseworker).post(
        _edit_url(defendant), {**data, "outcome": "convicted", "judgment_date": "2026-10-01"}
    )
    assert response.status_code == 302
    defendant.refresh_from_db()
    assert defendant.outcome == "convicted"
    assert defendant.judgment_date == datetime.date(2026, 10, 1)
    assert defendant.version == 2 and defendant.updated_by == caseworker
    page = login(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Convicted" in page


def test_a_stale_defendant_edit_is_refused(login, case, caseworker, supervisor):
    defendant = _defendant(case)
    data = {"name": "Alias Boss", "outcome": "pending", "version": 1}
    assert login(supervisor).post(_edit_url(defendant), data).status_code == 302
    response = login(caseworker).post(_edit_url(defendant), {**data, "name": "Other"})
    assert response.status_code == 200
    defendant.refresh_from_db()
    assert defendant.name == "Alias Boss"


def test_defendants_of_other_agencies_cases_are_404(login, case, outsider, agency_admin):
    defendant = _defendant(case)
    assert login(outsider).get(_edit_url(defendant)).status_code == 404
    assert login(agency_admin).get(_edit_url(defendant)).status_code == 403
