"""The named rules: open, closed, awaiting decision, overdue, upcoming, expiring and
expired, each defined once as a QuerySet method and read at its boundaries."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services
from cases.models import (
    PERMIT_WARNING_DAYS,
    UPCOMING_DAYS,
    Case,
    CaseStatus,
    IdentificationStatus,
    ServiceItem,
    Task,
)
from cooperation.models import MLARequest, Referral
from tests.factories import CaseFactory, MLARequestFactory, ReferralFactory, TaskFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _today() -> datetime.date:
    return timezone.localdate()


def _case_in(agency, **statuses) -> Case:
    """A case put straight into a state: these tests read rules, they move nothing."""
    case = CaseFactory(agency=agency)
    Case.objects.filter(pk=case.pk).update(**statuses)
    return case


def _task(case, due: datetime.date, status: str = Task.Status.OPEN) -> Task:
    task = TaskFactory(case=case, due_date=due)
    Task.objects.filter(pk=task.pk).update(status=status)
    task.refresh_from_db()
    return task


def _service(case, service_type: str = "legal_aid", status: str = "planned", **fields):
    return ServiceItem.objects.create(
        case=case,
        service_type=service_type,
        status=status,
        created_by=case.created_by,
        **fields,
    )


def _permit(case, expires: datetime.date | None, status: str = "completed", **fields):
    return _service(
        case, service_type="residence_permit", status=status, permit_expires_on=expires, **fields
    )


# --- cases -----------------------------------------------------------------------------


def test_open_and_closed_split_the_cases_and_a_closure_request_is_still_open(agency_a):
    open_case = _case_in(agency_a, status=CaseStatus.OPEN)
    requested = _case_in(agency_a, status=CaseStatus.CLOSURE_REQUESTED)
    closed = _case_in(agency_a, status=CaseStatus.CLOSED)
    assert set(Case.objects.open()) == {open_case, requested}
    assert set(Case.objects.closed()) == {closed}


def test_awaiting_decision_is_a_first_decision_or_a_review_on_an_open_case(agency_a):
    _I = IdentificationStatus
    awaiting = _case_in(agency_a, identification_status=_I.AWAITING_DECISION)
    review = _case_in(
        agency_a, identification_status=_I.REVIEW_REQUESTED, status=CaseStatus.CLOSURE_REQUESTED
    )
    _case_in(agency_a, identification_status=_I.AWAITING_DECISION, status=CaseStatus.CLOSED)
    for status in (_I.NOT_SCREENED, _I.SCREENING, _I.IDENTIFIED, _I.NOT_IDENTIFIED):
        _case_in(agency_a, identification_status=status)
    assert set(Case.objects.awaiting_decision()) == {awaiting, review}


def test_case_level_rules_follow_the_task_and_permit_rules(agency_a):
    today = _today()
    late, on_time, permit, expired, far = (CaseFactory(agency=agency_a) for _ in range(5))
    _task(late, today - DAY)
    _task(on_time, today)
    _permit(permit, today + 10 * DAY)
    _permit(expired, today - DAY)
    _permit(far, today + 60 * DAY)
    assert set(Case.objects.with_overdue_tasks(today)) == {late}
    assert set(Case.objects.with_expiring_permits(today)) == {permit, expired}
    assert set(Case.objects.with_expired_permits(today)) == {expired}


def test_case_flags_mark_overdue_tasks_like_the_overdue_rule(agency_a):
    late, on_time = CaseFactory(agency=agency_a), CaseFactory(agency=agency_a)
    _task(late, _today() - DAY)
    _task(on_time, _today())
    flags = {c.pk: c.has_overdue_tasks for c in Case.objects.with_flags()}
    assert flags == {late.pk: True, on_time.pk: False}


def test_closure_is_blocked_by_an_open_service_only(case):
    blocker = "A protection service is still planned or in progress."
    _service(case, status="completed")
    _service(case, status="cancelled")
    assert blocker not in case.closure_blockers()
    _service(case, status="in_progress")
    assert blocker in case.closure_blockers()


# --- tasks -----------------------------------------------------------------------------


def test_a_task_is_overdue_from_the_day_after_its_due_date_while_open(case):
    today = _today()
    yesterday = _task(case, today - DAY)
    _task(case, today)
    _task(case, today - DAY, status=Task.Status.DONE)
    _task(case, today - DAY, status=Task.Status.CANCELLED)
    assert list(Task.objects.overdue(today)) == [yesterday]
    assert list(Task.objects.overdue()) == [yesterday]  # today defaults to the local date
    assert not Task.objects.overdue(today - DAY).exists()


def test_upcoming_tasks_run_from_today_to_the_window_end_inclusive(case):
    today = _today()
    _task(case, today - DAY)
    first = _task(case, today)
    last = _task(case, today + UPCOMING_DAYS * DAY)
    _task(case, today + (UPCOMING_DAYS + 1) * DAY)
    _task(case, today + DAY, status=Task.Status.DONE)
    assert list(Task.objects.upcoming(today)) == [first, last]
    assert list(Task.objects.upcoming(today, days=0)) == [first]


# --- services and permits ---------------------------------------------------------------


def test_a_service_is_overdue_when_open_and_due_before_today(case):
    today = _today()
    late = _service(case, status="in_progress", due_date=today - DAY)
    _service(case, status="planned", due_date=today)
    _service(case, status="completed", due_date=today - DAY)
    _service(case, status="planned")  # no due date
    assert set(ServiceItem.objects.open()) == set(ServiceItem.objects.exclude(status="completed"))
    assert list(ServiceItem.objects.overdue(today)) == [late]


def test_permits_are_permit_services_not_cancelled_or_declined(case):
    held = _permit(case, None)
    work = _service(case, service_type="work_permit", status="planned")
    _permit(case, None, status="cancelled")
    _permit(case, None, status="declined")
    _service(case, service_type="shelter")
    assert set(ServiceItem.objects.permits()) == {held, work}


def test_expiring_permits_include_the_expired_and_end_at_the_warning_window(case):
    today = _today()
    long_expired = _permit(case, today - 400 * DAY)
    yesterday = _permit(case, today - DAY)
    expires_today = _permit(case, today)
    last_day = _permit(case, today + PERMIT_WARNING_DAYS * DAY)
    _permit(case, today + (PERMIT_WARNING_DAYS + 1) * DAY)
    _permit(case, today - DAY, status="cancelled")
    _permit(case, None)
    _service(case, service_type="shelter", permit_expires_on=today - DAY)
    expiring = set(ServiceItem.objects.expiring_permits(today))
    assert expiring == {long_expired, yesterday, expires_today, last_day}
    assert set(ServiceItem.objects.expired_permits(today)) == {long_expired, yesterday}


# --- row-level twins agree with the QuerySet rules ---------------------------------------


def test_task_is_overdue_agrees_with_the_overdue_rule(case):
    today = _today()
    for status in Task.Status.values:
        for due in (today - DAY, today, today + DAY):
            _task(case, due, status=status)
    overdue = set(Task.objects.overdue(today))
    assert {t for t in Task.objects.all() if t.is_overdue} == overdue
    assert overdue


def test_works_on_agrees_with_the_cases_the_user_works(
    agency_a, caseworker, other_caseworker, supervisor, agency_admin
):
    """Who sees a person's name where work happens: `Case.works_on` on a case's page,
    `assigned_to` for a page of search results; both forms of the rule say the same."""
    cases = [
        CaseFactory(agency=agency_a, caseworkers=[caseworker]),
        CaseFactory(agency=agency_a, caseworkers=[caseworker, other_caseworker]),
        CaseFactory(agency=agency_a, supervisor=supervisor),
        CaseFactory(agency=agency_a, supervisor=supervisor, caseworkers=[other_caseworker]),
        CaseFactory(agency=agency_a),
    ]
    for user in (caseworker, other_caseworker, supervisor, agency_admin):
        by_case = {case.pk for case in cases if case.works_on(user)}
        for per_row in (False, True):
            worked = Case.objects.filter(pk__in=[c.pk for c in cases]).assigned_to(
                user, per_row=per_row
            )
            assert set(worked.values_list("pk", flat=True)) == by_case, (user, per_row)
        each = Case.objects.filter(pk__in=[c.pk for c in cases]).worked_by_each(user)
        assert {case.pk for part in each for case in part} == by_case, user
    assert any(case.works_on(supervisor) for case in cases)


def test_the_cases_copy_of_their_earliest_permit_expiry_follows_every_write(agency_a, supervisor):
    """The case rules read each case's copy of its earliest permit expiry; every write of
    a permit rewrites it (created, its expiry edited, cancelled, planned again, made
    another service), so they always keep the cases the permit rules keep."""
    today = _today()
    first, second = CaseFactory(agency=agency_a), CaseFactory(agency=agency_a)

    def agree() -> set[Case]:
        for case_rule, permit_rule in (
            (Case.objects.with_expired_permits, ServiceItem.objects.expired_permits),
            (Case.objects.with_expiring_permits, ServiceItem.objects.expiring_permits),
        ):
            assert set(case_rule(today)) == {permit.case for permit in permit_rule(today)}
        return set(Case.objects.with_expired_permits(today))

    _permit(first, today + 60 * DAY)
    assert agree() == set()
    expired = _permit(first, today - DAY, status="in_progress")
    _permit(second, today + DAY)
    assert agree() == {first}
    assert set(Case.objects.with_expiring_permits(today)) == {first, second}
    expired.permit_expires_on = today + 5 * DAY
    services.save_service(expired, actor=supervisor)
    assert agree() == set()
    expired.permit_expires_on = today - 3 * DAY
    services.save_service(expired, actor=supervisor)
    assert agree() == {first}
    services.transition_service(expired, "cancelled", actor=supervisor)
    assert agree() == set()
    services.transition_service(ServiceItem.objects.get(pk=expired.pk), "planned", actor=supervisor)
    assert agree() == {first}
    expired.refresh_from_db()
    expired.service_type = "shelter"
    services.save_service(expired, actor=supervisor)
    assert agree() == set()
    assert Case.objects.get(pk=first.pk).first_permit_expiry == today + 60 * DAY


def test_a_case_saved_from_an_earlier_read_keeps_its_permits_copy(agency_a):
    """A case read before one of its permits was written, then saved, writes its other
    columns and leaves the copy to its permits: the expired permit still counts."""
    case = CaseFactory(agency=agency_a)
    earlier = Case.objects.get(pk=case.pk)
    _permit(case, _today() - DAY)
    earlier.risk_level = "high"
    earlier.save()
    assert set(Case.objects.with_expired_permits(_today())) == {case}
    assert Case.objects.get(pk=case.pk).risk_level == "high"


def test_is_permit_expired_agrees_with_the_expired_permits_rule(case):
    today = _today()
    for service_type in ("residence_permit", "work_permit", "shelter"):
        for status in ServiceItem.Status.values:
            for expires in (None, today - DAY, today, today + DAY):
                _service(case, service_type, status, permit_expires_on=expires)
    expired = set(ServiceItem.objects.expired_permits(today))
    assert {s for s in ServiceItem.objects.all() if s.is_permit_expired} == expired
    assert expired


def test_referral_is_overdue_agrees_with_the_overdue_response_rule(case):
    today = _today()
    for status in Referral.Status.values:
        for respond_by in (None, today - DAY, today):
            for external in (False, True):
                extra = {"to_agency": None, "external_name": "Elsewhere"} if external else {}
                referral = ReferralFactory(case=case, respond_by=respond_by, **extra)
                Referral.objects.filter(pk=referral.pk).update(status=status)
    overdue = set(Referral.objects.overdue_response(today))
    assert {r for r in Referral.objects.all() if r.is_overdue(today)} == overdue
    assert overdue


def test_mla_is_overdue_agrees_with_the_overdue_rule(agency_a):
    today = _today()
    for status in MLARequest.Status.values:
        for reply_due in (None, today - DAY, today):
            mla = MLARequestFactory(agency=agency_a, reply_due=reply_due)
            MLARequest.objects.filter(pk=mla.pk).update(status=status)
    overdue = set(MLARequest.objects.overdue(today))
    assert {m for m in MLARequest.objects.all() if m.is_overdue(today)} == overdue
    assert overdue


# --- one home per rule -----------------------------------------------------------------

# Lookups and comparisons that spell a named rule. They may appear only where the rule
# lives: cases/models.py and cooperation/models.py (QuerySet methods and row twins).
RULE_SPELLINGS = re.compile(
    r"due_date__(lt|lte|gt|gte)\b|permit_expires_on__|reply_due__|respond_by__"
    r"|identification_status__in|\bstatus=CaseStatus\.CLOSED\b|status=Task\.Status\.OPEN"
    r"|status__in=\[?ServiceItem|[\"']planned[\"'],\s*[\"']in_progress"
)
TEMPLATE_SPELLINGS = re.compile(r"(due_date|permit_expires_on|respond_by|reply_due)\s*[<>]")
RULE_HOMES = {"cases/models.py", "cooperation/models.py"}
APPS = ("accounts", "cases", "victims", "cooperation", "partners", "reports", "config")


def test_no_named_rule_is_spelled_outside_its_home():
    base = Path(settings.BASE_DIR)
    found = []
    for app in APPS:
        for path in (base / app).rglob("*.py"):
            relative = path.relative_to(base).as_posix()
            if relative in RULE_HOMES or "/migrations/" in relative or relative.endswith("demo.py"):
                continue
            found += [
                f"{relative}: {m.group(0)}" for m in RULE_SPELLINGS.finditer(path.read_text())
            ]
    for path in (base / "templates").rglob("*.html"):
        relative = path.relative_to(base).as_posix()
        found += [
            f"{relative}: {m.group(0)}" for m in TEMPLATE_SPELLINGS.finditer(path.read_text())
        ]
    assert not found, "use the QuerySet method (or its row-level twin) instead: " + ", ".join(found)
