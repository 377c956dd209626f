"""Cheap bulk data for the reports tests (tests/factories.py stays the shared source)."""

from __future__ import annotations

from accounts.models import User
from cases.models import Case, CaseExploitation
from partners.models import Agency
from victims.models import Person


def bulk_cases(
    agency: Agency, creator: User, count: int, *, prefix: str, sex: str = "female", **fields
) -> list[Case]:
    """`count` cases (one person each) created with bulk_create: seconds for 20,000."""
    persons = Person.objects.bulk_create(
        [
            Person(agency=agency, code=f"P-{prefix}-{n:06d}", created_by=creator, sex=sex)
            for n in range(count)
        ],
        batch_size=1000,
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                agency=agency,
                person=person,
                reference=f"{prefix}-{n:06d}",
                created_by=creator,
                **fields,
            )
            for n, person in enumerate(persons)
        ],
        batch_size=1000,
    )
    return cases


def add_exploitation(cases: list[Case], exploitation_type: str) -> None:
    CaseExploitation.objects.bulk_create(
        [CaseExploitation(case=case, type=exploitation_type) for case in cases], batch_size=1000
    )
