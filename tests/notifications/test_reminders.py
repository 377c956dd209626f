"""The worker's reminders: each deadline kind at its thresholds, each sent once."""

import datetime

import pytest

from cases.models import Task
from cooperation.models import Referral
from notifications import services, tasks
from notifications.models import Kind, Notification, Threshold
from tests.factories import MLARequestFactory, ReferralFactory, TaskFactory, UserFactory
from tests.notifications.conftest import NOW, TODAY, permit

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def _sent(kind: str) -> set[tuple[int, str]]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", "threshold"))


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [
        (30, Threshold.DAYS_30),
        (8, Threshold.DAYS_30),
        (7, Threshold.DAYS_7),
        (2, Threshold.DAYS_7),
        (1, Threshold.DAYS_1),
        (0, Threshold.DAYS_1),
        (-1, Threshold.EXPIRED),
    ],
)
def test_permit_reminder_goes_to_the_case_team_at_the_nearest_threshold(
    case_of, caseworker, supervisor, days_left, threshold
):
    permit(case_of(), _days(days_left))

    services.send_due_reminders(NOW)

    assert _sent(Kind.PERMIT) == {(caseworker.pk, threshold), (supervisor.pk, threshold)}


def test_permit_far_from_expiry_is_not_reminded(case_of):
    permit(case_of(), _days(31))

    assert services.send_due_reminders(NOW) == 0


def test_each_permit_threshold_is_sent_once_as_time_moves_on(case_of, caseworker):
    item = permit(case_of(), _days(30))
    for day in range(0, 40):
        services.send_due_reminders(NOW + datetime.timedelta(days=day))

    mine = Notification.objects.filter(recipient=caseworker, record_id=item.pk)
    assert sorted(mine.values_list("threshold", flat=True)) == sorted(
        [Threshold.DAYS_30, Threshold.DAYS_7, Threshold.DAYS_1, Threshold.EXPIRED]
    )


def test_running_twice_writes_one_notification(case_of, caseworker):
    permit(case_of(), _days(7))

    assert services.send_due_reminders(NOW) == 2
    assert services.send_due_reminders(NOW) == 0
    assert Notification.objects.filter(recipient=caseworker).count() == 1


def test_a_restarted_worker_sends_nothing_twice(case_of, caseworker):
    """The state is in the database: a fresh import of the task module repeats nothing."""
    import importlib

    permit(case_of(), _days(7))
    tasks.send_reminders.call_local(NOW)
    importlib.reload(services)  # whatever a process held in memory is gone
    tasks.send_reminders.call_local(NOW)

    assert Notification.objects.filter(recipient=caseworker).count() == 1


def test_a_renewed_permit_is_reminded_again(case_of, caseworker):
    item = permit(case_of(), _days(7))
    services.send_due_reminders(NOW)
    item.permit_expires_on = _days(5)
    item.save()

    services.send_due_reminders(NOW)

    assert Notification.objects.filter(recipient=caseworker).count() == 2


def test_referral_response_due_and_overdue_reach_the_receiving_supervisors(case_of, agency_b):
    receiver = UserFactory(agency=agency_b, role="supervisor")
    UserFactory(agency=agency_b, role="caseworker")
    due = ReferralFactory(case=case_of(), to_agency=agency_b, respond_by=_days(1))
    late = ReferralFactory(case=case_of(), to_agency=agency_b, respond_by=_days(-2))
    ReferralFactory(case=case_of(), to_agency=agency_b, respond_by=_days(5))

    services.send_due_reminders(NOW)

    rows = Notification.objects.filter(kind=Kind.REFERRAL_RESPONSE)
    assert set(rows.values_list("recipient_id", "record_id", "threshold")) == {
        (receiver.pk, due.pk, Threshold.DUE),
        (receiver.pk, late.pk, Threshold.OVERDUE),
    }


def test_answered_referral_is_not_reminded(case_of, agency_b):
    UserFactory(agency=agency_b, role="supervisor")
    ReferralFactory(
        case=case_of(), to_agency=agency_b, respond_by=_days(-2), status=Referral.Status.ACCEPTED
    )

    assert services.send_due_reminders(NOW) == 0


def test_tasks_reach_their_assignee_due_and_overdue(case_of, caseworker, other_caseworker):
    case = case_of()
    due = TaskFactory(case=case, due_date=_days(1), assignee=other_caseworker)
    late = TaskFactory(case=case, due_date=_days(-1), assignee=other_caseworker)
    TaskFactory(case=case, due_date=_days(5), assignee=other_caseworker)

    services.send_due_reminders(NOW)

    assert set(Notification.objects.values_list("recipient_id", "record_id", "threshold")) == {
        (other_caseworker.pk, due.pk, Threshold.DUE),
        (other_caseworker.pk, late.pk, Threshold.OVERDUE),
    }


def test_an_unassigned_task_reaches_the_case_team(case_of, caseworker, supervisor):
    TaskFactory(case=case_of(), due_date=_days(0))

    services.send_due_reminders(NOW)

    assert _sent(Kind.TASK) == {(caseworker.pk, Threshold.DUE), (supervisor.pk, Threshold.DUE)}


def test_hearing_preparation_is_its_own_reminder(case_of, caseworker):
    TaskFactory(
        case=case_of(), due_date=_days(1), kind=Task.Kind.HEARING_PREPARATION, assignee=caseworker
    )

    services.send_due_reminders(NOW)

    assert _sent(Kind.HEARING_PREPARATION) == {(caseworker.pk, Threshold.DUE)}


def test_decision_reminder_only_while_the_case_awaits_it(case_of, caseworker):
    awaiting = case_of(identification_status="awaiting_decision")
    decided = case_of(identification_status="identified")
    for case in (awaiting, decided):
        TaskFactory(
            case=case, due_date=_days(-1), kind=Task.Kind.DECISION_AWAITED, assignee=caseworker
        )

    services.send_due_reminders(NOW)

    assert list(Notification.objects.values_list("kind", "case_id", "threshold")) == [
        (Kind.DECISION, awaiting.pk, Threshold.OVERDUE)
    ]


def test_review_requested_is_reminded_once_per_request(case_of, caseworker):
    from victims.models import IdentificationDecision

    case = case_of(identification_status="review_requested")
    IdentificationDecision.objects.create(
        case=case,
        authority="police",
        decided_on=_days(-20),
        outcome="not_identified",
        review_requested_on=_days(-3),
        recorded_by=caseworker,
    )

    services.send_due_reminders(NOW)
    services.send_due_reminders(NOW)

    assert list(
        Notification.objects.filter(recipient=caseworker).values_list("kind", "due_on")
    ) == [(Kind.REVIEW, _days(-3))]


def test_overdue_mla_reply_reaches_the_case_team(case_of, caseworker, supervisor):
    case = case_of()
    mla = MLARequestFactory(agency=case.agency, case=case, reply_due=_days(-1), status="sent")
    MLARequestFactory(agency=case.agency, case=case, reply_due=_days(3), status="sent")

    services.send_due_reminders(NOW)

    assert set(Notification.objects.values_list("recipient_id", "record_id")) == {
        (caseworker.pk, mla.pk),
        (supervisor.pk, mla.pk),
    }
