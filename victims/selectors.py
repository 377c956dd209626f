"""Reads other features rely on: duplicates, screening suggestions, consent, My work."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from crypto import blind_index, document_key, name_key
from partners.models import Agency
from victims.models import (
    ConsentRecord,
    Person,
    PersonLookup,
    Screening,
    ScreeningAnswer,
)


def lookup_digests(
    *, names: list[str], date_of_birth: datetime.date | None, documents: list[str]
) -> list[tuple[str, str]]:
    """The (kind, digest) pairs a person is findable by: one per name, document, name+DOB."""
    pairs: set[tuple[str, str]] = set()
    for name in names:
        key = name_key(name)
        if not key:
            continue
        pairs.add((PersonLookup.Kind.NAME, blind_index("name", key)))
        if date_of_birth:
            pairs.add(
                (PersonLookup.Kind.NAME_DOB, blind_index("name_dob", f"{key}|{date_of_birth}"))
            )
    for number in documents:
        key = document_key(number)
        if key:
            pairs.add((PersonLookup.Kind.DOCUMENT, blind_index("document", key)))
    return sorted(pairs)


def person_digests(person: Person) -> list[tuple[str, str]]:
    return lookup_digests(
        names=[person.legal_name, *person.other_names.splitlines()],
        date_of_birth=person.date_of_birth,
        documents=person.document_numbers.splitlines(),
    )


def possible_duplicates(
    user: User, digests: list[tuple[str, str]], *, exclude: Person | None = None
) -> list[tuple[Person, list[str]]]:
    """Visible people sharing a blind-index digest, each with why it matched.

    Only `Person.objects.visible_to(user)` is searched: a match the user may not
    see is never revealed, not even as a count.
    """
    if not digests:
        return []
    labels = dict(PersonLookup.Kind.choices)
    hits = (
        PersonLookup.objects.filter(
            digest__in=[digest for _kind, digest in digests],
            person__in=Person.objects.visible_to(user),
        )
        .select_related("person")
        .order_by("person__code")
    )
    if exclude is not None:
        hits = hits.exclude(person=exclude)
    wanted = set(digests)
    found: dict[int, tuple[Person, set[str]]] = {}
    for hit in hits:
        if (hit.kind, hit.digest) in wanted:
            found.setdefault(hit.person_id, (hit.person, set()))[1].add(str(labels[hit.kind]))
    return [(person, sorted(reasons)) for person, reasons in found.values()]


@dataclass
class Suggestion:
    """What the checklist suggests; the caseworker decides."""

    score: int
    maximum: int
    outcome: str
    reasons: list[ScreeningAnswer] = field(default_factory=list)


STRONG_WEIGHT = 3


def screening_suggestion(screening: Screening) -> Suggestion:
    answers = list(screening.answers.select_related("indicator"))
    yes = [a for a in answers if a.answer == ScreeningAnswer.Answer.YES]
    score = sum(a.indicator.weight for a in yes)
    maximum = sum(a.indicator.weight for a in answers)
    strong = [a for a in yes if a.indicator.weight >= STRONG_WEIGHT]
    if len(strong) >= 2 or (maximum and score * 2 >= maximum):
        outcome = _("Indicators suggest referring for formal identification.")
    elif yes:
        outcome = _("Some indicators present: interview further before deciding.")
    else:
        outcome = _("No indicator answered yes so far.")
    reasons = sorted(yes, key=lambda a: (-a.indicator.weight, a.indicator.position))
    return Suggestion(score=score, maximum=maximum, outcome=str(outcome), reasons=reasons)


def has_sharing_consent(person: Person, agency: Agency) -> bool:
    """Whether the person's consent in force allows sharing with `agency`.

    A statement naming the agency decides; otherwise one naming its type. A
    later withdrawal or refusal overrides an earlier consent at once.
    """
    sharing = [c for c in person.current_consents() if c.purpose == ConsentRecord.Purpose.SHARING]
    for record in sharing:
        if record.target_agency_id == agency.pk:
            return record.status == ConsentRecord.Status.GIVEN
    for record in sharing:
        if not record.target_agency_id and record.target_agency_type == agency.agency_type:
            return record.status == ConsentRecord.Status.GIVEN
    return False
