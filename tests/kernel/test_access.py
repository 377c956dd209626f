"""access: a record is looked up from what the user may see; outsiders get an audited 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from access import get_visible_or_404
from audit.models import AuditEvent
from cases.models import Case
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(agency_a, caseworker) -> Case:
    """A case of agency A assigned to `caseworker`."""
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


def test_a_user_gets_a_record_they_may_see(case, caseworker, supervisor):
    assert get_visible_or_404(Case, caseworker, pk=case.pk) == case
    assert get_visible_or_404(Case, supervisor, pk=case.pk) == case
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_caseworker", "platform_admin"])
def test_an_outsider_gets_404_and_an_audit_row(request, case, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(Http404):
        get_visible_or_404(Case, user, pk=case.pk)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        AuditEvent.Action.OUT_OF_SCOPE,
        user,
        "cases.case",
        str(case.pk),
    )


def test_a_missing_record_answers_like_an_unseen_one(caseworker):
    with pytest.raises(Http404):
        get_visible_or_404(Case, caseworker, pk=987654)
    assert AuditEvent.objects.get().object_id == "987654"


def test_a_narrowing_queryset_keeps_the_scope(
    case, caseworker, outsider, django_assert_num_queries
):
    shaped = Case.objects.select_related("person", "agency")
    with django_assert_num_queries(1):
        found = get_visible_or_404(Case, caseworker, queryset=shaped, pk=case.pk)
        assert found.person.pk == case.person_id
    with pytest.raises(Http404):
        get_visible_or_404(Case, outsider, queryset=shaped, pk=case.pk)


def test_a_narrowing_queryset_can_exclude_a_visible_record(case, caseworker):
    with pytest.raises(Http404):
        get_visible_or_404(Case, caseworker, queryset=Case.objects.exclude(pk=case.pk), pk=case.pk)


def test_a_model_without_visible_to_is_a_programming_error(caseworker):
    with pytest.raises(ImproperlyConfigured, match="visible_to"):
        get_visible_or_404(Group, caseworker, pk=1)
