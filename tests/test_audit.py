"""The audit log is append-only and readable only by agency admins, for their agency."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record_event

pytestmark = pytest.mark.django_db


def test_an_audit_row_cannot_be_changed_or_deleted(caseworker):
    event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    event.action = AuditEvent.Action.UPDATE
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="login")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgres
def test_the_database_refuses_raw_updates_of_audit_rows(caseworker):
    event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'login' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_audit_rows_record_who_as_what_from_which_agency(caseworker):
    event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    assert event.agency_id == caseworker.agency_id
    assert event.role == "caseworker"
    assert event.object_type == "accounts.user"
    assert event.object_id == str(caseworker.pk)


def test_only_agency_admins_read_their_own_agencys_trail(
    caseworker, agency_admin, outsider, outsider_admin, platform_admin
):
    mine = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    theirs = record_event(actor=outsider, action=AuditEvent.Action.VIEW, target=outsider)
    assert list(AuditEvent.objects.readable_by(agency_admin)) == [mine]
    assert list(AuditEvent.objects.readable_by(outsider_admin)) == [theirs]
    assert not AuditEvent.objects.readable_by(caseworker).exists()
    assert not AuditEvent.objects.readable_by(platform_admin).exists()


def test_a_failing_audit_write_rolls_back_the_change(agency_admin, caseworker, monkeypatch):
    from accounts import services

    def broken_audit(**kwargs):
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr(services, "record_event", broken_audit)
    with pytest.raises(DatabaseError):
        services.set_staff_active(caseworker, actor=agency_admin, active=False)
    caseworker.refresh_from_db()
    assert caseworker.is_active
