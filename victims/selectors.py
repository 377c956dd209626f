"""Reads other features rely on: duplicates, screening suggestions, consent, My work."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.models import Case
from crypto import blind_index, document_key, name_key
from partners.models import Agency
from victims import matching
from victims.models import (
    ConsentRecord,
    Person,
    PersonLookup,
    PersonQuerySet,
    Screening,
    ScreeningAnswer,
)


def phone_key(number: str) -> str:
    """The last nine digits: "+84 912 345 678" and "0912345678" are one number."""
    return "".join(ch for ch in number if ch.isdigit())[-PHONE_DIGITS:]


def lookup_digests(
    *,
    names: list[str],
    date_of_birth: datetime.date | None,
    documents: list[str],
    phones: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """The (kind, digest) pairs a person is findable by: one per name, document, name+DOB
    and phone, plus the keyed tokens the approximate name matcher compares."""
    pairs: set[tuple[str, str]] = set()
    names = [name for name in names if name.strip()]
    for name in names:
        key = name_key(name)
        if not key:
            continue
        pairs.add((PersonLookup.Kind.NAME, blind_index("name", key)))
        if date_of_birth:
            pairs.add(
                (PersonLookup.Kind.NAME_DOB, blind_index("name_dob", f"{key}|{date_of_birth}"))
            )
    pairs.update((PersonLookup.Kind.NAME_PART, token) for token in matching.name_tokens(names))
    pairs.update((PersonLookup.Kind.NAME_GRAM, gram) for gram in matching.bigram_digests(names))
    for number in documents:
        key = document_key(number)
        if key:
            pairs.add((PersonLookup.Kind.DOCUMENT, blind_index("document", key)))
    for number in phones:
        key = phone_key(number)
        if key:
            pairs.add((PersonLookup.Kind.PHONE, blind_index("phone", key)))
    return sorted(pairs)


def person_digests(person: Person) -> list[tuple[str, str]]:
    return lookup_digests(
        names=[person.legal_name, *person.other_names.splitlines()],
        date_of_birth=person.date_of_birth,
        documents=person.document_numbers.splitlines(),
        phones=person.phone.splitlines(),
    )


EXACT_KINDS = (
    PersonLookup.Kind.DOCUMENT,
    PersonLookup.Kind.NAME,
    PersonLookup.Kind.NAME_DOB,
    PersonLookup.Kind.PHONE,
)
PHONE_DIGITS = 9
MIN_PHONE_DIGITS = 6
# Blocking: a candidate shares at least this share of the query's keyed bigrams.
BLOCKING_SHARE = 0.3
MAX_CANDIDATES = 500


def similar_names(
    user: User,
    grams: list[str],
    parts: list[str],
    *,
    partial: bool = False,
    exclude: Person | None = None,
) -> dict[int, float]:
    """Visible people whose names resemble the keyed tokens, by person pk, with the score.

    Works on keyed tokens only (victims.matching): blocking keeps the visible people
    sharing enough keyed bigrams, then each is scored on their stored part tokens.
    `partial` scores how well the query is covered (search), otherwise the symmetric
    similarity of whole names (the duplicate check). Two queries, whatever the count.
    """
    if not grams or not parts:
        return {}
    visible = Person.objects.visible_to(user)
    if exclude is not None:
        visible = visible.exclude(pk=exclude.pk)
    blocked = (
        PersonLookup.objects.filter(
            kind=PersonLookup.Kind.NAME_GRAM, digest__in=grams, person__in=visible
        )
        .values("person_id")
        .annotate(shared=Count("pk"))
        .filter(shared__gte=max(1, math.ceil(BLOCKING_SHARE * len(grams))))
        .order_by("-shared")
        .values_list("person_id", flat=True)[:MAX_CANDIDATES]
    )
    tokens: dict[int, list[str]] = {}
    rows = PersonLookup.objects.filter(
        kind=PersonLookup.Kind.NAME_PART, person_id__in=list(blocked)
    ).values_list("person_id", "digest")
    for person_id, digest in rows:
        tokens.setdefault(person_id, []).append(digest)
    score = matching.best_coverage if partial else matching.best_similarity
    scores = {pk: score(parts, candidate) for pk, candidate in tokens.items()}
    return {pk: value for pk, value in scores.items() if value >= matching.MATCH_THRESHOLD}


def possible_duplicates(
    user: User, digests: list[tuple[str, str]], *, exclude: Person | None = None
) -> list[tuple[Person, list[str]]]:
    """Visible people sharing an exact blind-index digest or a similar name, with why.

    Only `Person.objects.visible_to(user)` is searched: a match the user may not
    see is never revealed, not even as a count. On edit (`exclude`, the person with
    the form's changes applied) a changed name is compared whole, not only its changed
    parts.
    """
    if not digests:
        return []
    labels = dict(PersonLookup.Kind.choices)
    wanted = {(kind, digest) for kind, digest in digests if kind in EXACT_KINDS}
    found: dict[int, set[str]] = {}
    hits = PersonLookup.objects.filter(
        kind__in=EXACT_KINDS,
        digest__in=[digest for _kind, digest in wanted],
        person__in=Person.objects.visible_to(user),
    ).values_list("person_id", "kind", "digest")
    if exclude is not None:
        hits = hits.exclude(person=exclude)
    for person_id, kind, digest in hits:
        if (kind, digest) in wanted:
            found.setdefault(person_id, set()).add(str(labels[kind]))
    if any(kind == PersonLookup.Kind.NAME_PART for kind, _digest in digests):
        if exclude is not None:
            digests = person_digests(exclude)
        grams = [d for kind, d in digests if kind == PersonLookup.Kind.NAME_GRAM]
        parts = [d for kind, d in digests if kind == PersonLookup.Kind.NAME_PART]
        for person_id in similar_names(user, grams, parts, exclude=exclude):
            found.setdefault(person_id, set()).add(str(_("Similar name")))
    people = Person.objects.filter(pk__in=found).order_by("code")
    return [(person, sorted(found[person.pk])) for person in people]


def people_matching(user: User, query: str) -> PersonQuerySet:
    """Visible people found by a search: person code (contains), document number, phone
    and name exactly (blind index), and names that resemble the query (the matcher).

    Best matches first; the person's visible cases (with their caseworkers) come
    prefetched as `visible_cases`, for the name the viewer may see. A fixed number of
    queries, whatever the number of people found.
    """
    exact = [
        (PersonLookup.Kind.DOCUMENT, blind_index("document", document_key(query))),
        (PersonLookup.Kind.NAME, blind_index("name", name_key(query))),
    ]
    if len(phone_key(query)) >= MIN_PHONE_DIGITS:
        exact.append((PersonLookup.Kind.PHONE, blind_index("phone", phone_key(query))))
    scores: dict[int, float] = dict.fromkeys(
        PersonLookup.objects.filter(
            kind__in=[kind for kind, _digest in exact],
            digest__in=[digest for _kind, digest in exact],
        ).values_list("person_id", flat=True),
        2.0,
    )
    similar = similar_names(
        user,
        sorted(matching.bigram_digests([query])),
        sorted(matching.name_tokens([query])),
        partial=True,
    )
    for pk, score in similar.items():
        scores[pk] = max(scores.get(pk, 0.0), score)
    rank = models.Case(
        *(models.When(pk=pk, then=models.Value(score)) for pk, score in scores.items()),
        default=models.Value(0.0),
        output_field=models.FloatField(),
    )
    visible_cases = Prefetch(
        "cases",
        queryset=Case.objects.visible_to(user).prefetch_related("caseworkers"),
        to_attr="visible_cases",
    )
    return (
        Person.objects.visible_to(user)
        .filter(Q(code__icontains=query) | Q(pk__in=list(scores)))
        .annotate(rank=rank)
        .order_by("-rank", "code")
        .prefetch_related(visible_cases)
    )


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
