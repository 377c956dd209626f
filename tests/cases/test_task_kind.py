"""The task a step creates is closed by the step that ends the wait."""

from __future__ import annotations

import pytest

from cases.models import IdentificationStatus, Task, Track
from cases.services import transition_track
from victims.models import IdentificationDecision
from victims.services import record_identification_decision

pytestmark = pytest.mark.django_db


def _await_decision(case, actor):
    transition_track(case, Track.IDENTIFICATION, IdentificationStatus.SCREENING, actor=actor)
    transition_track(
        case, Track.IDENTIFICATION, IdentificationStatus.AWAITING_DECISION, actor=actor
    )
    return Task.objects.get(case=case, kind=Task.Kind.DECISION_AWAITED)


def test_recording_the_decision_closes_the_awaited_task(case, caseworker):
    task = _await_decision(case, caseworker)
    assert task.status == Task.Status.OPEN and task.auto_created
    record_identification_decision(
        IdentificationDecision(
            case=case, authority="police", decided_on="2026-11-01", outcome="identified"
        ),
        actor=caseworker,
    )
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_other_open_tasks_of_the_case_stay_open(case, caseworker):
    manual = Task.objects.create(
        case=case, title="Call back", due_date="2026-12-01", created_by=caseworker
    )
    _await_decision(case, caseworker)
    record_identification_decision(
        IdentificationDecision(
            case=case, authority="police", decided_on="2026-11-01", outcome="identified"
        ),
        actor=caseworker,
    )
    manual.refresh_from_db()
    assert manual.status == Task.Status.OPEN and manual.kind == Task.Kind.MANUAL
