"""Tasks and protection services: each status graph has one writer, a history row per
move, and refuses every pair the graph does not allow with nothing written."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.forms import ServiceForm
from cases.models import (
    SERVICE_GRAPH,
    TASK_GRAPH,
    ServiceItem,
    ServiceTransition,
    Task,
    TaskTransition,
)
from tests.factories import TaskFactory
from workflow import TransitionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(case) -> Task:
    return TaskFactory(case=case)


@pytest.fixture
def service(case, caseworker) -> ServiceItem:
    return services.save_service(ServiceItem(case=case, service_type="shelter"), actor=caseworker)


@pytest.mark.parametrize(("from_status", "to_status"), list(TASK_GRAPH.pairs()))
def test_every_task_pair_moves_only_when_the_graph_allows_it(
    task, caseworker, from_status, to_status
):
    Task.objects.filter(pk=task.pk).update(status=from_status)
    if TASK_GRAPH.allows(from_status, to_status):
        move = services.transition_task(task, to_status, actor=caseworker, note="why")
        assert (move.from_status, move.to_status, move.note) == (from_status, to_status, "why")
        task.refresh_from_db()
        assert task.status == to_status
        assert AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION).count() == 1
    else:
        with pytest.raises(TransitionError):
            services.transition_task(task, to_status, actor=caseworker)
        task.refresh_from_db()
        assert task.status == from_status
        assert not TaskTransition.objects.exists()


@pytest.mark.parametrize(("from_status", "to_status"), list(SERVICE_GRAPH.pairs()))
def test_every_service_pair_moves_only_when_the_graph_allows_it(
    service, caseworker, from_status, to_status
):
    ServiceItem.objects.filter(pk=service.pk).update(status=from_status)
    if SERVICE_GRAPH.allows(from_status, to_status):
        move = services.transition_service(service, to_status, actor=caseworker)
        assert (move.from_status, move.to_status, move.actor) == (
            from_status,
            to_status,
            caseworker,
        )
        service.refresh_from_db()
        assert service.status == to_status
    else:
        with pytest.raises(TransitionError):
            services.transition_service(service, to_status, actor=caseworker)
        service.refresh_from_db()
        assert service.status == from_status
        assert not ServiceTransition.objects.exists()


def test_a_new_service_starts_planned_and_starts_the_protection_track(case, caseworker):
    service = services.save_service(
        ServiceItem(case=case, service_type="medical", status="completed"), actor=caseworker
    )
    assert service.status == "planned"
    case.refresh_from_db()
    assert case.protection_status == "in_progress"


def test_saving_a_services_details_never_writes_its_status(service, caseworker):
    stale = ServiceItem.objects.get(pk=service.pk)
    services.transition_service(service, "in_progress", actor=caseworker)
    stale.outcome = "Placed in the shelter"
    services.save_service(stale, actor=caseworker)
    service.refresh_from_db()
    assert (service.status, service.outcome) == ("in_progress", "Placed in the shelter")


def test_the_service_form_has_no_status_field():
    assert "status" not in ServiceForm(sees_sensitive=True).fields


def test_caseworker_moves_a_service_from_its_page(login, case, service, caseworker):
    client = login(caseworker)
    page = client.get(reverse("cases:service_edit", args=[case.pk, service.pk]))
    assert page.context["moves"] == [
        ("in_progress", "In progress"),
        ("declined", "Declined"),
        ("cancelled", "Cancelled"),
    ]
    url = reverse("cases:service_transition", args=[case.pk, service.pk])
    assert client.post(url, {"to_status": "in_progress", "note": "Moved in"}).status_code == 302
    service.refresh_from_db()
    assert service.status == "in_progress"
    assert service.transitions.get().note == "Moved in"


def test_a_service_move_the_graph_refuses_is_a_message_not_a_change(
    login, case, service, caseworker
):
    url = reverse("cases:service_transition", args=[case.pk, service.pk])
    response = login(caseworker).post(url, {"to_status": "completed"}, follow=True)
    assert "cannot move from “Planned” to “Completed”" in response.content.decode()
    service.refresh_from_db()
    assert service.status == "planned"


def test_agency_admin_cannot_move_a_service(login, case, service, agency_admin):
    url = reverse("cases:service_transition", args=[case.pk, service.pk])
    assert login(agency_admin).post(url, {"to_status": "in_progress"}).status_code == 403


def test_outsider_gets_404_moving_a_service(login, case, service, outsider):
    url = reverse("cases:service_transition", args=[case.pk, service.pk])
    assert login(outsider).post(url, {"to_status": "in_progress"}).status_code == 404
    service.refresh_from_db()
    assert service.status == "planned"


def test_outsider_gets_404_moving_a_task(login, case, task, outsider):
    url = reverse("cases:task_status", args=[case.pk, task.pk])
    assert login(outsider).post(url, {"to_status": "done"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_a_done_task_is_opened_again_from_the_case_page(login, case, task, caseworker):
    services.transition_task(task, "done", actor=caseworker)
    url = reverse("cases:task_status", args=[case.pk, task.pk])
    login(caseworker).post(url, {"to_status": "open", "note": "Not finished"})
    task.refresh_from_db()
    assert task.status == "open"
    assert list(task.transitions.values_list("to_status", flat=True)) == ["open", "done"]
