"""Reads other features rely on: duplicates, screening suggestions, consent, My work."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Substr
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from crypto import blind_index, document_key, name_key
from listing import AmongIds
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
# Blocking reads at most this many part rows per phonetic code, newest people first: a
# code as common as "Nguyen" at national scale has hundreds of thousands, and reading
# them all costs seconds. Below it (every code of a smaller database) nothing is missed.
SCAN_ROWS = 2000
# At most this many candidates are scored, those sharing the most phonetic codes first.
MAX_CANDIDATES = 2000
# A family name alone scores the newest this many of a whole agency's people bearing it.
MAX_SCORED = 500
# A search ranks the best this many people found; the rest would be paged through by
# nobody, and ranking every match of a common name at national scale costs seconds.
MAX_RESULTS = 100
# An exact match's score: above any the matcher gives (matching.best_coverage, at most 1).
EXACT_SCORE = 2.0


def similar_names(
    user: User,
    parts: list[str],
    *,
    partial: bool = False,
    exclude: Person | None = None,
    visible_ids: Sequence[int] | None = None,
) -> dict[int, float]:
    """Visible people whose names resemble the keyed part tokens, by person pk, with the score.

    Works on keyed tokens only (victims.matching): blocking keeps the people sharing
    enough phonetic codes with one of the query's names (matching.codes_needed), then
    the visible ones among them are scored on their stored part tokens. A caseworker is
    blocked among their own people; a whole-agency reader among the country's newest.
    `partial` scores how well the query is covered (search), otherwise the symmetric
    similarity of whole names (the duplicate check). One query, whatever the count.
    `visible_ids`: a caseworker's visible people, when the caller has read them already
    (`people_matching`); the scope is not read again.
    """
    if not parts:
        return {}
    visible = Person.objects.visible_to(user)
    if user.sees_whole_agency:
        # Blocked among the country's newest people sharing the codes, then scoped.
        blocked = _blocked(parts, exclude).values("person_id")[:MAX_CANDIDATES]
        candidates: QuerySet = visible.filter(pk__in=blocked)
        if len(set().union(*matching.blocking_codes(parts))) == 1:
            # One code (a family name alone): the blocking ranks its candidates newest
            # first, and so do these, read from the id array in index order: the newest
            # MAX_SCORED visible ones, without probing the scope of every candidate.
            candidates = (
                visible.filter(AmongIds("pk", blocked)).order_by("-pk").values("pk")[:MAX_SCORED]
            )
    else:
        # A caseworker's people are their caseload: blocked among those alone, every
        # one of them sharing the codes is a candidate, however common the name is in
        # the country (among the newest people only, a caseworker at national scale
        # found 2 of the 16 people of theirs who bore the family name searched for).
        among = visible if visible_ids is None else visible_ids
        candidates = _blocked(parts, exclude, among=among).values("person_id")[:MAX_CANDIDATES]
    tokens: dict[int, list[str]] = {}
    for person_id, digest in PersonLookup.objects.filter(
        kind=PersonLookup.Kind.NAME_PART, person__in=candidates
    ).values_list("person_id", "digest"):
        tokens.setdefault(person_id, []).append(digest)
    score = matching.best_coverage if partial else matching.best_similarity
    # People of one name share their tokens: each distinct name is scored once.
    scored: dict[tuple[str, ...], float] = {}
    scores: dict[int, float] = {}
    for pk, candidate in tokens.items():
        key = tuple(sorted(candidate))
        if key not in scored:
            scored[key] = score(parts, candidate)
        scores[pk] = scored[key]
    return {pk: value for pk, value in scores.items() if value >= matching.MATCH_THRESHOLD}


def _blocked(
    parts: list[str],
    exclude: Person | None,
    *,
    among: PersonQuerySet | Sequence[int] | None = None,
) -> QuerySet:
    """The ids of the people sharing enough phonetic codes with one of the query's names,
    the most shared first, then the newest (the caller takes the first MAX_CANDIDATES).

    `among` given (a caseworker's visible people, or their ids): read from those people's
    part tokens, as many rows as their caseload holds. Otherwise not yet scoped (the
    caller keeps the visible ones): read from the part tokens' phonetic codes alone (an
    index-only scan on PostgreSQL, victims migration 0013), and only among the newest
    people whom every code's newest SCAN_ROWS rows reach (`first`): the same people for
    every code, so a candidate's shared codes are all counted, and the cost follows
    SCAN_ROWS, never the population.
    """
    names = matching.blocking_codes(parts)
    codes = sorted(set().union(*names))
    code = Substr("digest", matching.PHONETIC_START, matching.CODE_HEX)
    lookups = PersonLookup.objects.filter(kind=PersonLookup.Kind.NAME_PART).annotate(code=code)
    if exclude is not None:
        lookups = lookups.exclude(person=exclude)
    rows = lookups.filter(code__in=codes)
    if among is not None:
        rows = rows.filter(person__in=among)
    else:
        first = Greatest(
            Value(0),
            *(
                Coalesce(
                    Subquery(
                        lookups.filter(code=value)
                        .order_by("-person_id")
                        .values("person_id")[SCAN_ROWS - 1 : SCAN_ROWS]
                    ),
                    0,
                )
                for value in codes
            ),
        )
        rows = rows.filter(person_id__gte=first)
    # Rows are counted, not distinct codes: PostgreSQL hashes them instead of sorting;
    # a code a person holds twice only gets them scored. One name (a search) needs no
    # filter of its own: the WHERE clause is it.
    many = len(names) > 1
    shared = {
        f"name_{index}": Count("person", filter=Q(code__in=sorted(name)) if many else None)
        for index, name in enumerate(names)
    }
    enough = Q()
    for index, name in enumerate(names):
        enough |= Q(**{f"name_{index}__gte": matching.codes_needed(name)})
    return (
        rows.values("person_id")
        .annotate(shared=Count("person"), **shared)
        .filter(enough)
        .order_by("-shared", "-person_id")
    )


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
        parts = [d for kind, d in digests if kind == PersonLookup.Kind.NAME_PART]
        for person_id in similar_names(user, parts, exclude=exclude):
            found.setdefault(person_id, set()).add(str(_("Similar name")))
    people = Person.objects.filter(pk__in=found).order_by("code")
    return [(person, sorted(found[person.pk])) for person in people]


def may_be_code(query: str) -> bool:
    """Whether the query could be part of a person code or a case reference number.

    Both are letters, digits and hyphens only (victims.services.generate_person_code,
    cases.services.allocate_reference), so a query holding a space is a name: looking
    for it inside every code would read a national caseload for nothing.
    """
    return not any(char.isspace() for char in query)


class _Rank(models.Func):
    """A person's score among `scores` ((pk, score) pairs, at least one), 0 for anyone else.

    On PostgreSQL, the scores and the ids are two array parameters: the score at the id's
    position. Elsewhere, one simple `CASE id WHEN … THEN … END`, written directly. Both
    cost a few parameters per person at most; Django's `Case` of one `When` per person
    is resolved and copied clause by clause: tens of milliseconds for the best
    MAX_RESULTS, on every search (issue 12), and a parameter per value made the
    statement's text the larger part of its cost."""

    output_field = models.FloatField()

    def __init__(self, scores: Sequence[tuple[int, float]]) -> None:
        super().__init__(models.F("pk"))
        self.scores = tuple(scores)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        (column,) = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        whens = " ".join("WHEN %s THEN %s" for _score in self.scores)
        params = tuple(value for pk, score in self.scores for value in (pk, float(score)))
        return f"CASE {column_sql} {whens} ELSE 0.0 END", (*column_params, *params)

    def as_postgresql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        (column,) = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        ids = [pk for pk, _score in self.scores]
        values = [float(score) for _pk, score in self.scores]
        sql = f"COALESCE((%s::float8[])[array_position(%s::int8[], {column_sql}::int8)], 0.0)"
        return sql, (values, ids, *column_params)


@dataclass
class PeopleFound:
    """What a search found: `people` to list, and whether the ranking stopped at
    MAX_RESULTS (`ranked_only`: more people matched than were ranked)."""

    people: PersonQuerySet
    ranked_only: bool


def people_matching(user: User, query: str) -> PeopleFound:
    """Visible people found by a search: person code (contains), document number, phone
    and name exactly (blind index), and names that resemble the query (the matcher).

    Best matches first, the best MAX_RESULTS of the blind index and the matcher (then
    the people whose code contains the query, neither ranked nor capped). A fixed number
    of queries, whatever the number of people found.
    """
    exact = [
        (PersonLookup.Kind.DOCUMENT, blind_index("document", document_key(query))),
        (PersonLookup.Kind.NAME, blind_index("name", name_key(query))),
    ]
    if len(phone_key(query)) >= MIN_PHONE_DIGITS:
        exact.append((PersonLookup.Kind.PHONE, blind_index("phone", phone_key(query))))
    hits = PersonLookup.objects.filter(
        kind__in=[kind for kind, _digest in exact],
        digest__in=[digest for _kind, digest in exact],
    )
    visible = Person.objects.visible_to(user)
    # Scoped before the best are kept: another agency's namesakes never push out one's own.
    # Exact matches tie, and ties rank by id: the first MAX_RESULTS + 1 by id are the ones
    # ranked, and one more says that more matched (`ranked_only`). A name hundreds of
    # people share is never read whole.
    exact_ids = visible.filter(pk__in=hits.values("person_id")).order_by("pk").values_list("pk")
    visible_ids: list[int] | None = None
    if not user.sees_whole_agency:
        # A caseworker's people (their caseload and the caseless people they registered,
        # a few hundred) are read once: the exact matches, the matcher and the list then
        # take those ids, where each read the scope again (three reads of it, about 8 ms
        # each at 1,000,000 cases). Read in this request, the same people as the scope;
        # the exact matches are then the digests' rows of those people alone.
        visible_ids = list(visible.order_by().values_list("pk", flat=True))
        visible = Person.objects.filter(pk__in=visible_ids)
        exact_ids = (
            hits.filter(person_id__in=visible_ids)
            .order_by("person_id")
            .distinct()
            .values_list("person_id")
        )
    scores: dict[int, float] = dict.fromkeys(
        (pk for (pk,) in exact_ids[: MAX_RESULTS + 1]), EXACT_SCORE
    )
    if len(scores) <= MAX_RESULTS:
        # Otherwise more people hold the name exactly than are ranked: the matcher's
        # scores (below EXACT_SCORE) could change neither the best MAX_RESULTS nor
        # `ranked_only`, and a name that common fills its phonetic codes' windows, the
        # matcher's dearest read (issue 12).
        similar = similar_names(
            user, sorted(matching.name_tokens([query])), partial=True, visible_ids=visible_ids
        )
        for pk, score in similar.items():
            scores[pk] = max(scores.get(pk, 0.0), score)
    best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:MAX_RESULTS]
    by_code = Q(code__icontains=query) if may_be_code(query) else Q()
    people = visible.filter(by_code | Q(pk__in=[pk for pk, _score in best]))
    # The ranked first, then by code; none ranked (a code alone), by code: every score
    # would be 0, a constant PostgreSQL refuses to sort the list's ids on.
    if best:
        people = people.annotate(rank=_Rank(best)).order_by("-rank", "code")
    else:
        people = people.order_by("code")
    return PeopleFound(people, ranked_only=len(scores) > MAX_RESULTS)


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
