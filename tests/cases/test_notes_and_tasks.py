import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseNote, Task, Track
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_caseworker_adds_a_note(login, case, caseworker):
    response = login(caseworker).post(
        reverse("cases:note_add", args=[case.pk]), {"text": "Phoned the person"}
    )
    assert response.status_code == 302
    note = case.notes.get()
    assert (note.text, note.author) == ("Phoned the person", caseworker)


def test_a_correction_is_a_new_note_referring_to_the_old(login, case, caseworker):
    original = services.add_note(case, actor=caseworker, text="Met on Monday")
    login(caseworker).post(
        reverse("cases:note_add", args=[case.pk]),
        {"text": "It was Tuesday", "corrects": original.pk},
    )
    original.refresh_from_db()
    assert original.text == "Met on Monday"
    correction = CaseNote.objects.get(corrects=original)
    assert correction.text == "It was Tuesday"


def test_notes_cannot_be_edited_or_deleted_through_any_url(case):
    from cases import urls

    names = {pattern.name for pattern in urls.urlpatterns}
    assert not {"note_edit", "note_delete"} & names


def test_correction_must_refer_to_a_note_of_the_same_case(login, case, caseworker, agency_a):
    from tests.factories import CaseFactory

    elsewhere = services.add_note(CaseFactory(agency=agency_a), actor=caseworker, text="x")
    response = login(caseworker).post(
        reverse("cases:note_add", args=[case.pk]), {"text": "y", "corrects": elsewhere.pk}
    )
    assert response.status_code == 404
    assert not case.notes.exists()


def test_empty_note_is_refused_with_400(login, case, caseworker):
    response = login(caseworker).post(reverse("cases:note_add", args=[case.pk]), {"text": ""})
    assert response.status_code == 400
    assert not case.notes.exists()


def test_awaiting_identification_decision_creates_a_task_due_in_14_days(case, caseworker):
    services.transition_track(case, Track.IDENTIFICATION, "screening", actor=caseworker)
    assert not case.tasks.exists()
    services.transition_track(case, Track.IDENTIFICATION, "awaiting_decision", actor=caseworker)
    task = case.tasks.get()
    assert task.auto_created
    assert task.title == "Identification decision awaited"
    assert task.due_date == timezone.localdate() + datetime.timedelta(days=14)
    assert task.assignee == caseworker


def test_caseworker_adds_and_completes_a_task(login, case, caseworker):
    client = login(caseworker)
    client.post(
        reverse("cases:task_add", args=[case.pk]),
        {"title": "Book interpreter", "due_date": "2026-12-01", "assignee": caseworker.pk},
    )
    task = case.tasks.get()
    assert not task.auto_created
    client.post(reverse("cases:task_status", args=[case.pk, task.pk]), {"to_status": "done"})
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    move = task.transitions.get()
    assert (move.from_status, move.to_status, move.actor) == ("open", "done", caseworker)


def test_task_cannot_be_assigned_to_another_agency(login, case, caseworker, outsider):
    response = login(caseworker).post(
        reverse("cases:task_add", args=[case.pk]),
        {"title": "x", "due_date": "2026-12-01", "assignee": outsider.pk},
    )
    assert response.status_code == 400
    assert not case.tasks.exists()


def test_overdue_task_is_flagged_on_the_case_page(login, case, caseworker):
    TaskFactory(
        case=case, title="Renew permit", due_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    content = login(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Renew permit" in content
    assert "Overdue" in content
