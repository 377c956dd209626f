"""A case with a canary in every field a caseworker can fill, and the checks that look
for the canaries everywhere: every table's raw rows, every decrypted value, every file."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from cases.models import (
    Attachment,
    CaseNote,
    Defendant,
    ServiceItem,
    Track,
    TrackTransition,
)
from cases.services import add_attachment
from cooperation.models import Referral, ReferralUpdate
from tests.factories import (
    CaseFactory,
    ConsentFactory,
    CriminalExposureFactory,
    CriminalMatterChargeFactory,
    LegalProceedingFactory,
    MLARequestFactory,
    PersonFactory,
    ReferralFactory,
    TaskFactory,
)
from victims.models import IdentificationDecision, IndicatorSet, ScreeningAnswer
from victims.services import start_screening

CANARY = "CANARY7Q"


def canary(field: str) -> str:
    return f"{CANARY}-{field}-zx"


def close_case(case, *, actor, years_ago: float) -> None:
    """Closed by a supervisor `years_ago` years ago, as its status history says."""
    when = timezone.now() - datetime.timedelta(days=round(365.25 * years_ago))
    type(case).objects.filter(pk=case.pk).update(status="closed")
    TrackTransition.objects.create(
        case=case,
        track=Track.CASE,
        from_status="closure_requested",
        to_status="closed",
        actor=actor,
        note=canary("closure_note"),
        occurred_at=when,
    )
    case.refresh_from_db()


def make_canary_case(*, agency, caseworker, supervisor, person=None):
    """A case (and person) with a canary in every free-text field and in a file."""
    person = person or PersonFactory(
        agency=agency,
        created_by=caseworker,
        legal_name=canary("legal_name"),
        other_names=canary("other_names"),
        document_numbers=canary("document"),
        phone=canary("phone"),
        address=canary("address"),
    )
    case = CaseFactory(
        agency=agency,
        person=person,
        created_by=caseworker,
        caseworkers=[caseworker],
        place_description=canary("place"),
        recruitment_channel=canary("channel"),
    )
    CaseNote.objects.create(case=case, text=canary("note"), author=caseworker)
    TaskFactory(case=case, title=canary("task"), created_by=caseworker)
    ServiceItem.objects.create(
        case=case,
        service_type="shelter",
        created_by=caseworker,
        outcome=canary("outcome"),
        shelter_location=canary("shelter"),
    )
    indicator_set = IndicatorSet.objects.order_by("pk").first()
    screening = start_screening(case, indicator_set=indicator_set, actor=caseworker)
    type(screening).objects.filter(pk=screening.pk).update(decision_note=canary("screening"))
    ScreeningAnswer.objects.filter(screening=screening).update(note=canary("answer"))
    if not ScreeningAnswer.objects.filter(screening=screening).exists():
        ScreeningAnswer.objects.create(
            screening=screening,
            indicator=indicator_set.indicators.first(),
            answer="yes",
            note=canary("answer"),
        )
    IdentificationDecision.objects.create(
        case=case,
        authority="police",
        decided_on=datetime.date(2014, 1, 2),
        outcome="identified",
        notice_language=canary("notice_language"),
        recorded_by=caseworker,
    )
    proceeding = LegalProceedingFactory(case=case, verdict=canary("verdict"))
    Defendant.objects.create(proceeding=proceeding, name=canary("defendant"))
    CriminalMatterChargeFactory(
        matter=CriminalExposureFactory(case=case), description=canary("charges")
    )
    referral = ReferralFactory(case=case, created_by=caseworker, message=canary("referral"))
    ReferralUpdate.objects.create(referral=referral, text=canary("update"), author=caseworker)
    MLARequestFactory(agency=agency, case=case, created_by=caseworker, description=canary("mla"))
    ConsentFactory(person=person, recorded_by=caseworker, explained_in=canary("consent"))
    upload = SimpleUploadedFile(
        f"{canary('filename')}.txt", canary("file_body").encode(), content_type="text/plain"
    )
    add_attachment(
        Attachment(
            case=case,
            file=upload,
            original_name=f"{canary('filename')}.txt",
            content_type="text/plain",
            size=upload.size,
            description=canary("attachment_description"),
        ),
        actor=caseworker,
    )
    assert Referral.objects.filter(case=case).exists()
    return case


def raw_dump() -> str:
    """Every row of every table as the database holds it (ciphertext stays ciphertext)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def decrypted_dump() -> str:
    """Every row of every model through the ORM: encrypted columns come out decrypted."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        parts += [str(values) for values in model._base_manager.values_list()]
    return "\n".join(parts)


def files_dump(root: Path) -> str:
    return "\n".join(
        f"{path.name}\n{path.read_bytes().decode('latin-1')}"
        for path in root.rglob("*")
        if path.is_file()
    )
