"""The audit trail's monthly partitions (PostgreSQL): created ahead, never in the way.

An insert for a month without a partition lands in the DEFAULT one; the worker and
`manage.py audit_partitions` create months ahead, idempotently; the append-only and
TRUNCATE triggers and the runtime role's limits hold on every partition.
"""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import partitions
from audit.models import AuditEvent
from audit.services import record_event
from notifications.tasks import create_audit_partitions
from tests.test_audit_tamper import _as_runtime, _verify, runtime_role  # noqa: F401

pytestmark = pytest.mark.django_db

FAR = datetime.datetime(2041, 3, 15, 12, tzinfo=datetime.UTC)


def _written_at(moment: datetime.datetime):
    """Audit rows written meanwhile carry `moment` (the field's default is bound at import)."""
    field = AuditEvent._meta.get_field("occurred_at")
    return mock.patch.object(field, "_get_default", lambda: moment)


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event.pk]
        )
        return cursor.fetchone()[0]


def _triggers(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


def test_sqlite_keeps_one_table_and_the_command_says_so():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert partitions.is_partitioned(connection) is False
    out = StringIO()
    call_command("audit_partitions", stdout=out)
    assert "not partitioned" in out.getvalue()


@pytest.mark.postgres
def test_the_trail_is_partitioned_by_month_a_year_ahead_with_a_default():
    assert partitions.is_partitioned(connection)
    present = partitions.existing_partitions(connection)
    now = timezone.now()
    ahead = partitions.months(now, partitions.month_start(now).replace(year=now.year + 1))
    assert {partitions.partition_name(month) for month in ahead} <= present
    assert partitions.DEFAULT_PARTITION in present


@pytest.mark.postgres
def test_a_row_written_now_lands_in_this_months_partition(caseworker):
    event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    assert _partition_of(event) == partitions.partition_name(partitions.month_start(timezone.now()))


@pytest.mark.postgres
def test_a_month_without_a_partition_goes_to_the_default_and_still_verifies(caseworker):
    record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    with _written_at(FAR):
        far = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    assert _partition_of(far) == partitions.DEFAULT_PARTITION
    assert "2 rows" in _verify()
    # That month cannot be carved out of the default any more: skipped, not failed.
    report = partitions.ensure_partitions(connection, months_ahead=0, today=FAR)
    assert report.skipped == [partitions.partition_name(partitions.month_start(FAR))]
    err = StringIO()
    with mock.patch("django.utils.timezone.now", return_value=FAR):
        call_command("audit_partitions", "--months", "1", stdout=StringIO(), stderr=err)
    assert "already has rows in audit_auditevent_default" in err.getvalue()


@pytest.mark.postgres
def test_the_command_and_the_worker_create_months_ahead_idempotently(caseworker):
    later = FAR.replace(year=2039)
    with mock.patch("django.utils.timezone.now", return_value=later), _written_at(later):
        out = StringIO()
        call_command("audit_partitions", "--months", "2", stdout=out)
        assert "3 created" in out.getvalue()
        out = StringIO()
        call_command("audit_partitions", "--months", "2", stdout=out)
        assert "0 created, 3 already there" in out.getvalue()
        assert create_audit_partitions.call_local() == 12 - 2
        event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    name = partitions.partition_name(partitions.month_start(later))
    assert _partition_of(event) == name
    # The new partition refuses TRUNCATE itself and inherits the append-only trigger.
    assert _triggers(name) == {"audit_event_no_truncate", "audit_event_append_only"}


@pytest.mark.postgres
def test_no_partition_can_be_rewritten_or_truncated(runtime_role, caseworker):  # noqa: F811
    event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    partition = _partition_of(event)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {partition} SET object_id = '999'")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"GRANT TRUNCATE ON {partition} TO {runtime_role}")
    with pytest.raises(DatabaseError, match="append-only"):
        _as_runtime(runtime_role, f"TRUNCATE {partition}")
    # The runtime role reaches rows through the parent only.
    with pytest.raises(DatabaseError, match="permission denied"):
        _as_runtime(runtime_role, f"SELECT * FROM {partition}")  # noqa: S608
    assert _as_runtime(runtime_role, "SELECT * FROM audit_auditevent") == 1


@pytest.mark.postgres
def test_the_primary_key_includes_the_month_and_ids_stay_unique(caseworker):
    events = [
        record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
        for _ in range(3)
    ]
    assert len({event.pk for event in events}) == 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'audit_auditevent'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, occurred_at)"
    assert AuditEvent.objects.get(pk=events[1].pk) == events[1]


@pytest.mark.postgres
def test_split_default_moves_old_history_into_its_months_and_the_chain_holds(caseworker):
    old_month = datetime.datetime(2019, 5, 20, 8, tzinfo=datetime.UTC)
    with _written_at(old_month):
        first = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    with _written_at(FAR):
        far = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    assert _partition_of(first) == partitions.DEFAULT_PARTITION
    out = StringIO()
    call_command("audit_partitions", "--split-default", stdout=out)
    assert "Default partition split: 2 months created." in out.getvalue()
    assert _partition_of(first) == "audit_auditevent_y2019m05"
    assert _partition_of(far) == "audit_auditevent_y2041m03"
    assert partitions.DEFAULT_PARTITION in partitions.existing_partitions(connection)
    assert _triggers(partitions.DEFAULT_PARTITION) == {
        "audit_event_no_truncate",
        "audit_event_append_only",
    }
    assert "2 rows" in _verify()
    assert partitions.split_default(connection) == []


@pytest.mark.postgres
def test_the_worker_without_the_right_to_create_tables_only_warns(runtime_role, caplog):  # noqa: F811
    later = FAR.replace(year=2039)
    with mock.patch("django.utils.timezone.now", return_value=later), connection.cursor() as c:
        c.execute(f"SET ROLE {runtime_role}")
        try:
            assert create_audit_partitions.call_local() == 0
        finally:
            c.execute("RESET ROLE")
    assert "run manage.py audit_partitions" in caplog.text
