"""Reminders of deadlines and the daily digest: what the worker runs (notifications.tasks).

What is due comes from the named QuerySet methods of cases and cooperation; this
module only decides who hears of it and at which threshold, and writes each reminder
once: the unique key on Notification makes a second run, or a run after a worker
restart, write nothing new.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from cases.models import (
    Case,
    CriminalExposure,
    CriminalMatterTransition,
    IdentificationStatus,
    ServiceItem,
    Task,
)
from cooperation.models import MLARequest, Referral
from notifications.models import Kind, Notification, Preference, Threshold
from policy import Role

# A referral response is "due" this many days before its respond-by date.
RESPONSE_DUE_DAYS = 1
# A task (or hearing preparation, or decision) is "due" from this many days before.
TASK_DUE_DAYS = 1
# A criminal matter's stage change or decision is told for this many days after it was
# recorded (a worker down for a while still tells it; the unique key tells it once).
MATTER_EVENT_DAYS = 7


@dataclass(frozen=True)
class Reminder:
    """One reminder before it is written: who, about what, how near the deadline."""

    recipient_id: int
    kind: str
    record_id: int
    threshold: str
    due_on: datetime.date
    case_id: int | None


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Write a Notification for every reminder due at `now`; return how many are new.

    Idempotent: a reminder already written (same recipient, kind, record, threshold
    and deadline) is skipped by the database's unique constraint, so running twice,
    or again after the worker restarted, writes nothing new.
    """
    today = timezone.localdate(now or timezone.now())
    reminders = list(due_reminders(today))
    before = Notification.objects.count()
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=r.recipient_id,
                    kind=r.kind,
                    record_id=r.record_id,
                    threshold=r.threshold,
                    due_on=r.due_on,
                    case_id=r.case_id,
                )
                for r in reminders
            ],
            ignore_conflicts=True,
        )
    return Notification.objects.count() - before


def due_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Every reminder due on `today`, one per recipient (duplicates are harmless)."""
    yield from _permit_reminders(today)
    yield from _referral_reminders(today)
    yield from _task_reminders(today)
    yield from _review_reminders(today)
    yield from _mla_reminders(today)
    yield from _criminal_matter_events(today)


def _permit_reminders(today: datetime.date) -> Iterator[Reminder]:
    expired = set(ServiceItem.objects.expired_permits(today).values_list("pk", flat=True))
    permits = ServiceItem.objects.expiring_permits(today).filter(case__in=Case.objects.open())
    for permit in permits.only("pk", "case_id", "permit_expires_on"):
        expires = permit.permit_expires_on
        if expires is None:  # never: expiring_permits() compares it with a date
            continue
        threshold = Threshold.EXPIRED if permit.pk in expired else _days_threshold(expires, today)
        if threshold is not None:
            yield from _to_case_team(Kind.PERMIT, permit.pk, threshold, expires, permit.case_id)


def _days_threshold(expires: datetime.date, today: datetime.date) -> str | None:
    """The nearest of 1, 7, 30 days the expiry falls within (only the nearest is sent)."""
    days_left = (expires - today).days
    for days, threshold in ((1, Threshold.DAYS_1), (7, Threshold.DAYS_7), (30, Threshold.DAYS_30)):
        if days_left <= days:
            return threshold
    return None


def _referral_reminders(today: datetime.date) -> Iterator[Reminder]:
    overdue = Referral.objects.overdue_response(today)
    soon = Referral.objects.awaiting_response().filter(
        respond_by__lte=today + datetime.timedelta(days=RESPONSE_DUE_DAYS)
    )
    for threshold, referrals in (
        (Threshold.OVERDUE, overdue),
        (Threshold.DUE, soon.exclude(pk__in=overdue)),
    ):
        for referral in referrals.only("pk", "case_id", "to_agency_id", "respond_by"):
            if referral.respond_by is None:  # never: the rule compares it with a date
                continue
            for user_id in _supervisors_of(referral.to_agency_id):
                yield Reminder(
                    user_id,
                    Kind.REFERRAL_RESPONSE,
                    referral.pk,
                    threshold,
                    referral.respond_by,
                    referral.case_id,
                )


def _task_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Tasks, hearing preparations and decisions awaited: all open tasks with a date."""
    overdue = Task.objects.overdue(today)
    soon = Task.objects.upcoming(today, days=TASK_DUE_DAYS)
    awaiting = Case.objects.awaiting_decision()
    for threshold, tasks in ((Threshold.OVERDUE, overdue), (Threshold.DUE, soon)):
        decisions = tasks.filter(kind=Task.Kind.DECISION_AWAITED, case__in=awaiting)
        for task in tasks.exclude(kind=Task.Kind.DECISION_AWAITED).only(
            "pk", "case_id", "kind", "due_date", "assignee_id"
        ):
            kind = (
                Kind.HEARING_PREPARATION
                if task.kind == Task.Kind.HEARING_PREPARATION
                else Kind.TASK
            )
            yield from _to_task_people(kind, task, threshold)
        for task in decisions.only("pk", "case_id", "kind", "due_date", "assignee_id"):
            yield from _to_task_people(Kind.DECISION, task, threshold)


def _to_task_people(kind: str, task: Task, threshold: str) -> Iterator[Reminder]:
    """A task's assignee, else the case's team (an unassigned task must reach someone)."""
    if task.assignee_id is not None:
        yield Reminder(task.assignee_id, kind, task.pk, threshold, task.due_date, task.case_id)
    else:
        yield from _to_case_team(kind, task.pk, threshold, task.due_date, task.case_id)


def _review_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Cases awaiting the review of a decision: one reminder per review request."""
    reviews = Case.objects.awaiting_decision().filter(
        identification_status=IdentificationStatus.REVIEW_REQUESTED
    )
    for case in reviews.only("pk"):
        requested = (
            case.identification_decisions.filter(review_requested_on__isnull=False)
            .order_by("-review_requested_on")
            .values_list("review_requested_on", flat=True)
            .first()
        )
        if requested is not None:
            yield from _to_case_team(Kind.REVIEW, case.pk, Threshold.DUE, requested, case.pk)


def _mla_reminders(today: datetime.date) -> Iterator[Reminder]:
    for mla in MLARequest.objects.overdue(today).only(
        "pk", "case_id", "created_by_id", "reply_due"
    ):
        if mla.reply_due is None:  # never: overdue() compares it with a date
            continue
        if mla.case_id is not None:
            yield from _to_case_team(
                Kind.MLA_REPLY, mla.pk, Threshold.OVERDUE, mla.reply_due, mla.case_id
            )
        elif mla.created_by_id is not None:
            yield Reminder(
                mla.created_by_id, Kind.MLA_REPLY, mla.pk, Threshold.OVERDUE, mla.reply_due, None
            )


def _criminal_matter_events(today: datetime.date) -> Iterator[Reminder]:
    """The person's own criminal matter moved forward or was decided: the case's
    supervisor (else the agency's supervisors) hears of it once per stage change and
    once per decision date, reference number and link only."""
    since = today - datetime.timedelta(days=MATTER_EVENT_DAYS)
    moves = CriminalMatterTransition.objects.since(since).select_related("matter__case")
    for move in moves:
        case = move.matter.case
        for user_id in _case_supervisors(case):
            yield Reminder(
                user_id,
                Kind.MATTER_STAGE,
                move.pk,
                Threshold.RECORDED,
                timezone.localdate(move.occurred_at),
                case.pk,
            )
    decided = CriminalExposure.objects.decision_recorded_since(since).select_related("case")
    for matter in decided:
        if matter.decided_on is None:  # never: decided() filters on it
            continue
        for user_id in _case_supervisors(matter.case):
            yield Reminder(
                user_id,
                Kind.NON_PUNISHMENT_DECISION,
                matter.pk,
                Threshold.RECORDED,
                matter.decided_on,
                matter.case_id,
            )


def _case_supervisors(case: Case) -> Iterable[int]:
    """The case's named supervisor, else every supervisor of its agency."""
    if case.supervisor_id is not None:
        return [case.supervisor_id]
    return _supervisors_of(case.agency_id)


def _to_case_team(
    kind: str, record_id: int, threshold: str, due_on: datetime.date, case_id: int
) -> Iterator[Reminder]:
    """The people who work the case: its caseworkers and its supervisor."""
    for user_id in _case_team(case_id):
        yield Reminder(user_id, kind, record_id, threshold, due_on, case_id)


def _case_team(case_id: int) -> set[int]:
    case = Case.objects.only("pk", "supervisor_id").get(pk=case_id)
    team = set(case.caseworkers.filter(is_active=True).values_list("pk", flat=True))
    if case.supervisor_id is not None:
        team.add(case.supervisor_id)
    return team


def _supervisors_of(agency_id: int | None) -> Iterable[int]:
    if agency_id is None:
        return []
    return (
        User.objects.active()
        .filter(agency_id=agency_id, role=Role.SUPERVISOR)
        .values_list("pk", flat=True)
    )


def mark_read(notification: Notification, *, actor: User) -> None:
    """Mark one of the actor's own notifications read (the caller looked it up scoped)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; return how many."""
    return Notification.objects.visible_to(actor).unread().update(read_at=timezone.now())


def save_preference(*, actor: User, daily_digest: bool, language: str) -> Preference:
    """Store the actor's digest choice and its language."""
    preference, _created = Preference.objects.update_or_create(
        user=actor, defaults={"daily_digest": daily_digest, "language": language}
    )
    return preference


def preference_of(user: User) -> Preference:
    """The user's preference, or the default (no digest, the site's language) unsaved."""
    return Preference.objects.filter(user=user).first() or Preference(
        user=user, language=settings.LANGUAGE_CODE
    )


def send_daily_digests(*, base_url: str = "") -> int:
    """E-mail each user who chose it the reminders written since their last digest.

    In the user's language, with reference numbers and links only: a notification names
    no person, so neither does the e-mail. The high-water mark (digest_sent_through) is
    moved under a row lock before sending, so nothing is sent twice.
    Returns how many e-mails were sent.
    """
    sent = 0
    for preference in Preference.objects.filter(daily_digest=True, user__is_active=True):
        if _send_digest(preference.pk, base_url):
            sent += 1
    return sent


def _send_digest(preference_pk: int, base_url: str) -> bool:
    with transaction.atomic():
        preference = (
            Preference.objects.select_for_update().select_related("user").get(pk=preference_pk)
        )
        notifications = list(
            Notification.objects.filter(
                recipient_id=preference.user_id, pk__gt=preference.digest_sent_through
            )
            .select_related("case")
            .order_by("pk")
        )
        if not notifications:
            return False
        preference.digest_sent_through = notifications[-1].pk
        preference.save(update_fields=["digest_sent_through"])
    if not preference.user.email:
        return False
    with translation.override(preference.language):
        lines = [(n.message(), base_url + n.get_absolute_url()) for n in notifications]
        body = render_to_string(
            "notifications/digest_email.txt",
            {"lines": lines, "list_url": base_url + reverse("notifications:list")},
        )
        subject = gettext("Harbor: %(count)d new reminders") % {"count": len(lines)}
    send_mail(subject, body, None, [preference.user.email])
    return True
