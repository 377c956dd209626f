"""The supervisor inbox on My work, default supervisors and automatic task assignees."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from audit.models import AuditEvent
from cases import services
from cases.models import Case, CaseStatus, IdentificationStatus, Task, Track
from tests.factories import CaseFactory, PersonFactory, ReferralFactory, UserFactory
from victims.models import IdentificationDecision

pytestmark = pytest.mark.django_db


def _closure_requested(agency, **kwargs) -> Case:
    return CaseFactory(agency=agency, status=CaseStatus.CLOSURE_REQUESTED, **kwargs)


def _review_requested(case: Case, user) -> IdentificationDecision:
    return IdentificationDecision.objects.create(
        case=case,
        authority="police",
        decided_on=timezone.localdate() - datetime.timedelta(days=20),
        outcome="not_identified",
        review_requested_on=timezone.localdate() - datetime.timedelta(days=5),
        recorded_by=user,
    )


def _overridden(case: Case, supervisor):
    return ReferralFactory(case=case, consent_override_by=supervisor)


def _fill_inbox(agency, supervisor, agency_b) -> None:
    case = _closure_requested(agency)
    _review_requested(case, supervisor)
    _overridden(case, supervisor)
    ReferralFactory(case=CaseFactory(agency=agency_b), to_agency=agency)


def test_supervisor_sees_each_inbox_panel_with_its_count(login, supervisor, agency_a, agency_b):
    _fill_inbox(agency_a, supervisor, agency_b)
    _closure_requested(agency_a)
    CaseFactory(agency=agency_a)  # open: not in the inbox
    response = login(supervisor).get(reverse("cases:my_work"))
    assert response.context["closure_requests"].count == 2
    content = response.content.decode()
    assert "Supervisor inbox" in content
    assert "Closure requests" in content
    assert "Decision reviews awaiting an outcome" in content
    assert "Open referrals sent without consent" in content
    assert "Referrals awaiting our response" in content
    assert "?status=closure_requested" in content
    assert "consent_override=1" in content


def test_a_review_with_an_outcome_leaves_the_inbox(login, supervisor, agency_a):
    decision = _review_requested(CaseFactory(agency=agency_a), supervisor)
    decision.review_outcome = "identified"
    decision.save()
    content = login(supervisor).get(reverse("cases:my_work")).content.decode()
    assert "No review awaiting an outcome." in content


def test_caseworkers_have_no_supervisor_inbox(login, caseworker, supervisor, agency_a, agency_b):
    _fill_inbox(agency_a, supervisor, agency_b)
    response = login(caseworker).get(reverse("cases:my_work"))
    assert response.context["closure_requests"] is None
    assert "Supervisor inbox" not in response.content.decode()


def test_inbox_shows_nothing_of_another_agency(login, supervisor, agency_a, agency_b):
    boss_b = UserFactory(agency=agency_b, role="supervisor")
    _fill_inbox(agency_b, boss_b, agency_a)
    response = login(supervisor).get(reverse("cases:my_work"))
    assert response.context["closure_requests"].count == 0
    content = response.content.decode()
    assert "No review awaiting an outcome." in content
    assert "No open referral was sent without consent." in content


def test_referral_filter_lists_only_referrals_sent_without_consent(login, supervisor, agency_a):
    overridden = _overridden(CaseFactory(agency=agency_a), supervisor)
    ReferralFactory(case=CaseFactory(agency=agency_a))
    response = login(supervisor).get(
        reverse("cooperation:referral_list"), {"direction": "out", "consent_override": "1"}
    )
    assert [r.pk for r in response.context["page"].object_list] == [overridden.pk]


def _my_work_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:my_work")).status_code == 200
    return len(queries)


def test_inbox_query_count_is_the_same_at_1_and_30_rows(login, supervisor, agency_a, agency_b):
    client = login(supervisor)
    _fill_inbox(agency_a, supervisor, agency_b)
    one = _my_work_queries(client)
    for _ in range(29):
        _fill_inbox(agency_a, supervisor, agency_b)
    assert _my_work_queries(client) == one


# --- every case has a supervisor; every automatic task an assignee ----------------------


def test_new_case_gets_the_agency_default_supervisor(caseworker, supervisor, agency_a):
    agency_a.default_supervisor = supervisor
    agency_a.save()
    case = services.create_case(
        Case(person=PersonFactory(agency=agency_a), intake_date=timezone.localdate()),
        actor=caseworker,
    )
    assert case.supervisor == supervisor
    assert list(case.caseworkers.all()) == [caseworker]


def test_a_deactivated_default_supervisor_gets_no_new_case(caseworker, supervisor, agency_a):
    agency_a.default_supervisor = supervisor
    agency_a.save()
    supervisor.is_active = False
    supervisor.save()
    case = services.create_case(
        Case(person=PersonFactory(agency=agency_a), intake_date=timezone.localdate()),
        actor=caseworker,
    )
    assert case.supervisor is None


def test_agency_admin_makes_a_supervisor_the_default(login, agency_admin, supervisor, agency_a):
    response = login(agency_admin).post(
        reverse("accounts:staff_make_default_supervisor", args=[supervisor.pk])
    )
    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert agency_a.default_supervisor == supervisor
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, object_type="partners.agency", object_id=str(agency_a.pk)
    ).exists()


def test_a_caseworker_cannot_be_the_default_supervisor(login, agency_admin, caseworker, agency_a):
    login(agency_admin).post(
        reverse("accounts:staff_make_default_supervisor", args=[caseworker.pk])
    )
    agency_a.refresh_from_db()
    assert agency_a.default_supervisor is None


def test_another_agency_admin_gets_404_making_a_default(login, outsider_admin, supervisor):
    response = login(outsider_admin).post(
        reverse("accounts:staff_make_default_supervisor", args=[supervisor.pk])
    )
    assert response.status_code == 404


def test_default_supervisor_service_refuses_a_caseworker(caseworker, agency_admin):
    with pytest.raises(ValueError):
        account_services.make_default_supervisor(caseworker, actor=agency_admin)


def test_automatic_task_goes_to_the_first_caseworker(case, caseworker):
    _await_decision(case, caseworker)
    task = case.tasks.get(kind=Task.Kind.DECISION_AWAITED)
    assert task.auto_created and task.assignee == caseworker


def test_automatic_task_goes_to_the_supervisor_without_caseworkers(case, caseworker, supervisor):
    case.caseworkers.clear()
    _await_decision(case, supervisor)
    assert case.tasks.get(kind=Task.Kind.DECISION_AWAITED).assignee == supervisor


def _await_decision(case: Case, actor) -> None:
    services.transition_track(
        case, Track.IDENTIFICATION, IdentificationStatus.SCREENING, actor=actor
    )
    services.transition_track(
        case, Track.IDENTIFICATION, IdentificationStatus.AWAITING_DECISION, actor=actor
    )


def test_migration_fills_default_supervisor_case_supervisors_and_task_assignees(
    caseworker, agency_a
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "cases.migrations.0012_default_supervisor_and_auto_task_assignee"
    )
    UserFactory(agency=agency_a, role="supervisor", is_active=False)
    first = UserFactory(agency=agency_a, role="supervisor")
    UserFactory(agency=agency_a, role="supervisor")
    with_caseworker = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    without = CaseFactory(agency=agency_a)
    task = Task.objects.create(
        case=with_caseworker,
        kind=Task.Kind.DECISION_AWAITED,
        title="Identification decision awaited",
        due_date=timezone.localdate(),
        auto_created=True,
        created_by=caseworker,
    )
    other_task = Task.objects.create(
        case=without,
        kind=Task.Kind.DECISION_AWAITED,
        title="Identification decision awaited",
        due_date=timezone.localdate(),
        auto_created=True,
        created_by=caseworker,
    )
    migration.fill(apps, None)
    agency_a.refresh_from_db()
    assert agency_a.default_supervisor == first
    assert Case.objects.get(pk=without.pk).supervisor == first
    assert Task.objects.get(pk=task.pk).assignee == caseworker
    assert Task.objects.get(pk=other_task.pk).assignee == first
