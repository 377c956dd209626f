"""The coordinating agency (a platform setting) and its national coordinator accounts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.models import User
from audit.models import AuditEvent
from partners.models import Agency
from policy import Role
from tests.partners.test_agencies import _agency_post

pytestmark = pytest.mark.django_db


def _coordinator_post(agency: Agency) -> dict:
    return {
        "email": "national@example.org",
        "full_name": "Nat Coordinator",
        "role": Role.COORDINATOR,
        "agency": agency.pk,
    }


def _mark(client, agency: Agency, coordinating: bool):
    data = _agency_post(
        name=agency.name,
        code=agency.code,
        version=agency.version,
        is_coordinating="on" if coordinating else "",
    )
    if not coordinating:
        del data["is_coordinating"]
    return client.post(reverse("partners:agency_edit", args=[agency.pk]), data)


def test_a_platform_admin_marks_the_coordinating_agency_on_its_form_audited(
    login, platform_admin, agency_a
):
    response = _mark(login(platform_admin), agency_a, True)
    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert agency_a.is_coordinating
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, object_id=str(agency_a.pk), actor=platform_admin
    ).exists()
    page = login(platform_admin).get(agency_a.get_absolute_url()).content.decode()
    assert "National coordinating agency" in page


def test_a_second_coordinating_agency_is_refused_with_a_field_error(
    login, platform_admin, agency_a, agency_b
):
    Agency.objects.filter(pk=agency_a.pk).update(is_coordinating=True)
    response = _mark(login(platform_admin), agency_b, True)
    assert response.status_code == 200
    assert "is_coordinating" in response.context["form"].errors
    assert agency_a.name in str(response.context["form"].errors["is_coordinating"])
    assert list(Agency.objects.coordinating()) == [agency_a]


def test_the_database_holds_at_most_one_coordinating_agency(agency_a, agency_b):
    Agency.objects.filter(pk=agency_a.pk).update(is_coordinating=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=agency_b.pk).update(is_coordinating=True)


def test_the_mark_stays_while_the_agency_has_active_coordinators(
    login, platform_admin, coordinator, agency_a
):
    agency_a.refresh_from_db()
    response = _mark(login(platform_admin), agency_a, False)
    assert response.status_code == 200
    assert "is_coordinating" in response.context["form"].errors
    assert Agency.objects.get(pk=agency_a.pk).is_coordinating


def test_a_platform_admin_creates_a_coordinator_in_the_coordinating_agency(
    login, platform_admin, agency_a
):
    Agency.objects.filter(pk=agency_a.pk).update(is_coordinating=True)
    response = login(platform_admin).post(
        reverse("accounts:staff_create"), _coordinator_post(agency_a)
    )
    assert response.status_code == 302
    user = User.objects.get(email="national@example.org")
    assert user.role == Role.COORDINATOR and user.agency == agency_a
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.INVITE, object_id=str(user.pk), actor=platform_admin
    ).exists()


def test_a_coordinator_outside_the_coordinating_agency_is_a_field_error(
    login, platform_admin, agency_a
):
    response = login(platform_admin).post(
        reverse("accounts:staff_create"), _coordinator_post(agency_a)
    )
    assert response.status_code == 200
    assert "coordinating agency" in str(response.context["form"].errors["role"])
    assert not User.objects.filter(email="national@example.org").exists()
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            actor=platform_admin,
            email="national@example.org",
            full_name="Nat",
            role=Role.COORDINATOR,
            agency=agency_a,
        )
    assert not User.objects.filter(email="national@example.org").exists()


def test_an_agency_admin_cannot_make_a_coordinator(login, agency_admin, agency_a):
    Agency.objects.filter(pk=agency_a.pk).update(is_coordinating=True)
    data = _coordinator_post(agency_a)
    del data["agency"]
    response = login(agency_admin).post(reverse("accounts:staff_create"), data)
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="national@example.org").exists()
