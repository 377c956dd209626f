import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Charge, ChargeOutcome, Defendant, LegalProceeding
from tests.factories import LegalProceedingFactory

pytestmark = pytest.mark.django_db


def test_proceeding_with_defendants_and_hearing(login, case, caseworker):
    client = login(caseworker)
    client.post(
        reverse("cases:proceeding_create", args=[case.pk]),
        {"police_case_number": "PD-1", "court_case_number": "CT-9", "person_role": "witness"},
    )
    proceeding = LegalProceeding.objects.get(cases=case)
    assert proceeding.agency == case.agency
    assert proceeding.links.get().person_role == "witness"
    client.post(
        reverse("cases:defendant_add", args=[case.pk, proceeding.pk]),
        {
            "name": "Recruiter alias Boss",
            "statutes": ["htpa_32", "other"],
            "other_charge": "Trafficking in persons",
        },
    )
    hearing_date = timezone.localdate() + datetime.timedelta(days=30)
    client.post(
        reverse("cases:hearing_add", args=[case.pk, proceeding.pk]),
        {
            "date": hearing_date.isoformat(),
            "time": "09:30",
            "instance": "1",
            "description": "First hearing",
        },
    )
    charges = proceeding.defendants.get().charges.all()
    assert [c.statute for c in charges] == ["htpa_32", "other"]
    assert charges[1].other_text == "Trafficking in persons"
    hearing = proceeding.hearings.get()
    assert hearing.case == case
    assert timezone.localtime(hearing.starts_at).date() == hearing_date
    assert timezone.localtime(hearing.starts_at).time() == datetime.time(9, 30)
    task = case.tasks.get()
    assert task.auto_created and hearing.preparation_task == task
    assert task.due_date == hearing_date - datetime.timedelta(days=7)
    content = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "CT-9" in content
    assert "First hearing" in content
    assert "HTPA art. 32 (labour exploitation)" in content


def test_hearing_without_date_is_refused_with_400(login, case, caseworker):
    proceeding = LegalProceedingFactory(case=case)
    response = login(caseworker).post(
        reverse("cases:hearing_add", args=[case.pk, proceeding.pk]), {"date": "", "time": ""}
    )
    assert response.status_code == 400
    assert not proceeding.hearings.exists()


def _defendant(case):
    proceeding = LegalProceedingFactory(case=case)
    defendant = Defendant.objects.create(proceeding=proceeding, name="Alias Boss")
    Charge.objects.create(defendant=defendant, statute="htpa_31")
    return defendant


def _edit_url(defendant):
    return reverse(
        "cases:defendant_edit",
        args=[defendant.proceeding.links.get().case_id, defendant.proceeding_id, defendant.pk],
    )


def _outcome_url(case, charge):
    return reverse(
        "cases:charge_outcome", args=[case.pk, charge.defendant.proceeding_id, charge.pk]
    )


def test_a_charge_outcome_is_recorded_per_instance_with_its_date(login, case, caseworker):
    charge = _defendant(case).charges.get()
    data = {"instance": "1", "outcome": "convicted", "sentence_months": "30"}
    response = login(caseworker).post(_outcome_url(case, charge), data)
    assert response.status_code == 400
    assert "Give the date of the decision" in response.content.decode()
    assert not ChargeOutcome.objects.exists()
    response = login(caseworker).post(
        _outcome_url(case, charge), {**data, "decided_on": "2026-10-01"}
    )
    assert response.status_code == 302
    outcome = charge.outcomes.get()
    assert outcome.outcome == "convicted" and outcome.sentence_months == 30
    assert outcome.decided_on == datetime.date(2026, 10, 1)
    # The appeal is the next instance; recording the district court again replaces it.
    appeal = {"instance": "2", "outcome": "acquitted", "decided_on": "2027-03-01"}
    assert login(caseworker).post(_outcome_url(case, charge), appeal).status_code == 302
    again = {**data, "sentence_months": "24", "decided_on": "2026-10-01"}
    assert login(caseworker).post(_outcome_url(case, charge), again).status_code == 302
    assert [(o.instance, o.outcome, o.sentence_months) for o in charge.outcomes.all()] == [
        (1, "convicted", 24),
        (2, "acquitted", None),
    ]
    page = login(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Acquitted" in page and "High court" in page


def test_a_sentence_without_conviction_is_refused(login, case, caseworker):
    charge = _defendant(case).charges.get()
    data = {"instance": "1", "outcome": "acquitted", "decided_on": "2026-10-01"}
    response = login(caseworker).post(_outcome_url(case, charge), {**data, "sentence_months": "5"})
    assert response.status_code == 400
    assert not ChargeOutcome.objects.exists()


def test_a_stale_defendant_edit_is_refused(login, case, caseworker, supervisor):
    defendant = _defendant(case)
    data = {"name": "Alias Boss", "version": 1}
    assert login(supervisor).post(_edit_url(defendant), data).status_code == 302
    response = login(caseworker).post(_edit_url(defendant), {**data, "name": "Other"})
    assert response.status_code == 200
    defendant.refresh_from_db()
    assert defendant.name == "Alias Boss"


def test_defendants_of_other_agencies_cases_are_404(login, case, outsider, agency_admin):
    defendant = _defendant(case)
    assert login(outsider).get(_edit_url(defendant)).status_code == 404
    assert login(agency_admin).get(_edit_url(defendant)).status_code == 403
