"""Retention and authorised erasure: the writers of tombstones and erasure requests.

Both end in `privacy.purge.purge`: the rows go, a tombstone and an audit row stay.
The caller (a view, the `apply_retention` command) authorises; these record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case, CaseStatus, Track
from policy import APPROVES_ERASURE, REQUESTS_ERASURE, require
from privacy.models import (
    ERASURE_GRAPH,
    ErasureRequest,
    ErasureStatus,
    ErasureTransition,
    Tombstone,
)
from privacy.purge import plan_purge, purge
from victims.models import Person
from workflow import TransitionError, move

# --- Retention ----------------------------------------------------------------------


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """The same instant `years` years earlier (29 February falls back to the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def cases_due_for_retention(now: datetime.datetime | None = None) -> QuerySet[Case]:
    """Closed cases whose closure (their status history's latest move to closed) is
    older than HARBOR_RETAIN_CLOSED_CASES_YEARS. Imported reference data (CTDC) is
    kept for good; a case with no recorded closure is never due."""
    years = settings.HARBOR_RETAIN_CLOSED_CASES_YEARS
    cutoff = years_before(now or timezone.now(), years)
    closure = Q(transitions__track=Track.CASE, transitions__to_status=CaseStatus.CLOSED)
    return (
        Case.objects.closed()
        .filter(imported_record__isnull=True)
        .annotate(closed_at=Max("transitions__occurred_at", filter=closure))
        .filter(closed_at__lt=cutoff)
        .select_related("person")
        .order_by("closed_at", "pk")
    )


@dataclass(frozen=True)
class RetentionItem:
    """One line of the retention report: a case, when it closed, what the job does."""

    case: Case
    closed_on: datetime.date
    purges_person: bool
    rows: int
    summary: str

    @property
    def action(self) -> str:
        if self.purges_person:
            return _("purge the case and its person (no other case)")
        return _("purge the case; keep the person (other cases)")


def _roots(case: Case) -> list[Case | Person]:
    # A person with no other case goes with it; planning from the person takes the case.
    if case.person.cases.exclude(pk=case.pk).exists():
        return [case]
    return [case.person]


def retention_report(now: datetime.datetime | None = None) -> list[RetentionItem]:
    """What `apply_retention` would purge now: reads only."""
    items = []
    for case in cases_due_for_retention(now):
        roots = _roots(case)
        plan = plan_purge(roots)
        items.append(
            RetentionItem(
                case=case,
                closed_on=timezone.localdate(case.closed_at),  # type: ignore[attr-defined]
                purges_person=isinstance(roots[0], Person),
                rows=plan.count(),
                summary=plan.summary(),
            )
        )
    return items


def apply_retention(now: datetime.datetime | None = None) -> list[Tombstone]:
    """Purge every case due for retention (and its person if they have no other case),
    one case per transaction, leaving tombstones and DELETE audit rows."""
    years = settings.HARBOR_RETAIN_CLOSED_CASES_YEARS
    detail = f"retention: closed cases kept {years} years"
    tombstones: list[Tombstone] = []
    for case in cases_due_for_retention(now):
        tombstones += purge(
            _roots(case),
            reason=Tombstone.Reason.RETENTION,
            detail=detail,
            actor=None,
            channel=AuditEvent.Channel.COMMAND,
        )
    return tombstones


# --- Erasure on request ---------------------------------------------------------------


@transaction.atomic
def request_erasure(person: Person, *, actor: User, reason: str) -> ErasureRequest:
    """File a request to erase everything about `person`; a supervisor decides."""
    require(actor, REQUESTS_ERASURE)
    if ErasureRequest.objects.pending().filter(person=person).exists():
        raise TransitionError(_("An erasure of this person is already awaiting a decision."))
    erasure = ErasureRequest.objects.create(
        agency_id=person.agency_id, person=person, reason=reason, requested_by=actor
    )
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=erasure)
    return erasure


def _decide(erasure: ErasureRequest, to: str, *, actor: User, note: str) -> None:
    move(
        erasure,
        ERASURE_GRAPH,
        to,
        actor=actor,
        history=ErasureTransition,
        link="erasure_request",
        note=note,
    )


@transaction.atomic
def approve_erasure(erasure: ErasureRequest, *, actor: User, note: str = "") -> list[Tombstone]:
    """Approve and carry out an erasure: the person, all their cases and what hangs off
    them are purged, tombstones and audit rows stay. Four eyes: a supervisor who did
    not file the request."""
    require(actor, APPROVES_ERASURE)
    if erasure.requested_by_id == actor.pk:
        raise TransitionError(_("Another supervisor must approve an erasure you requested."))
    person = erasure.person
    if person is None:
        raise TransitionError(_("This person has already been erased."))
    _decide(erasure, ErasureStatus.APPROVED, actor=actor, note=note)
    tombstones = purge(
        [person],
        reason=Tombstone.Reason.ERASURE,
        detail=f"erasure request #{erasure.pk}",
        actor=actor,
        channel=AuditEvent.Channel.WEB,
    )
    _decide(erasure, ErasureStatus.DONE, actor=actor, note="")
    person_stone = next(stone for stone in tombstones if stone.kind == Tombstone.Kind.PERSON)
    ErasureRequest.objects.filter(pk=erasure.pk).update(tombstone=person_stone, reason="")
    erasure.refresh_from_db()
    return tombstones


@transaction.atomic
def refuse_erasure(erasure: ErasureRequest, *, actor: User, note: str) -> None:
    """Refuse an erasure, with the reason recorded (encrypted) in its history."""
    require(actor, APPROVES_ERASURE)
    _decide(erasure, ErasureStatus.REFUSED, actor=actor, note=note)
