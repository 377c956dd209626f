"""Shared proceedings, step 2 of 3: each existing proceeding belongs to its case's agency
and is linked to that case; a defendant's free-text charges become one "Other" charge and
their single outcome that charge's district-court outcome; a hearing's date becomes 09:00
local time on that date, for the proceeding's case. Reversible: the way back takes the
first linked case, the "Other" charges' text and the latest outcome."""

import datetime

from django.db import migrations
from django.utils import timezone

# The case's prosecution track → the proceeding's stage.
STAGES = {
    "indicted": "indicted",
    "trial": "trial",
    "judgment": "judged",
    "appeal": "trial",
    "final": "final",
    "closed_no_charges": "closed_no_indictment",
}


def forward(apps, schema_editor):
    LegalProceeding = apps.get_model("cases", "LegalProceeding")
    ProceedingCase = apps.get_model("cases", "ProceedingCase")
    Defendant = apps.get_model("cases", "Defendant")
    Charge = apps.get_model("cases", "Charge")
    ChargeOutcome = apps.get_model("cases", "ChargeOutcome")
    Hearing = apps.get_model("cases", "Hearing")
    for proceeding in LegalProceeding.objects.select_related("case").iterator():
        case = proceeding.case
        proceeding.agency_id = case.agency_id
        proceeding.stage = STAGES.get(case.prosecution_status, "investigation")
        proceeding.save(update_fields=["agency", "stage"])
        ProceedingCase.objects.create(
            proceeding=proceeding,
            case=case,
            person_role=case.prosecution_role,
            linked_at=proceeding.created_at,
            linked_by_id=proceeding.updated_by_id or case.created_by_id,
        )
        for hearing in Hearing.objects.filter(proceeding=proceeding):
            hearing.case_id = case.pk
            hearing.starts_at = timezone.make_aware(
                datetime.datetime.combine(hearing.date, datetime.time(9, 0))
            )
            hearing.save(update_fields=["case", "starts_at"])
    for defendant in Defendant.objects.iterator():
        if not defendant.charges_text and defendant.outcome == "pending":
            continue
        charge = Charge.objects.create(
            defendant=defendant, statute="other", other_text=defendant.charges_text
        )
        ChargeOutcome.objects.create(
            charge=charge,
            instance=1,
            outcome=defendant.outcome,
            decided_on=defendant.judgment_date,
        )


def backward(apps, schema_editor):
    LegalProceeding = apps.get_model("cases", "LegalProceeding")
    ProceedingCase = apps.get_model("cases", "ProceedingCase")
    Defendant = apps.get_model("cases", "Defendant")
    Charge = apps.get_model("cases", "Charge")
    ChargeOutcome = apps.get_model("cases", "ChargeOutcome")
    Hearing = apps.get_model("cases", "Hearing")
    for proceeding in LegalProceeding.objects.iterator():
        link = ProceedingCase.objects.filter(proceeding=proceeding).order_by("pk").first()
        if link is None:
            proceeding.delete()  # a proceeding with no case cannot go back
            continue
        proceeding.case_id = link.case_id
        proceeding.save(update_fields=["case"])
    for hearing in Hearing.objects.iterator():
        hearing.date = timezone.localtime(hearing.starts_at).date()
        hearing.save(update_fields=["date"])
    for defendant in Defendant.objects.iterator():
        texts = Charge.objects.filter(defendant=defendant, statute="other").values_list(
            "other_text", flat=True
        )
        latest = (
            ChargeOutcome.objects.filter(charge__defendant=defendant)
            .exclude(outcome="pending")
            .order_by("-instance", "-pk")
            .first()
        )
        Defendant.objects.filter(pk=defendant.pk).update(
            charges_text="; ".join(t for t in texts if t)[:4000],
            outcome=latest.outcome if latest else "pending",
            judgment_date=latest.decided_on if latest else None,
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_shared_proceedings")]

    operations = [migrations.RunPython(forward, backward)]
