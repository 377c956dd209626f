"""The audit trail's monthly partitions on PostgreSQL (SQLite keeps one table).

`audit_auditevent` is partitioned by RANGE (occurred_at), one partition per calendar
month in UTC (`audit_auditevent_y2026m12` holds [2026-12-01, 2027-01-01)), plus a
DEFAULT partition: a row for a month that has no partition yet lands there, so an
insert never fails for want of a partition. `ensure_partitions` creates the current
month's and the next `months_ahead` ones; the worker runs it monthly
(`notifications.tasks`) and `manage.py audit_partitions` runs it by hand. Both are
idempotent.

A month whose rows already sit in the DEFAULT partition (the job did not run for a
year, a row was written with a far-future time, or history was loaded into a freshly
migrated database) is skipped with a warning instead of failing: PostgreSQL refuses
to carve a partition out of rows in the default one. Those rows stay readable and
chained where they are; `split_default` (`audit_partitions --split-default`, as the
owner, in a quiet hour: it locks the trail) moves them into partitions of their own.

Creating tables needs the schema owner: the runtime role cannot, so where the worker
serves as the runtime role its nightly run only logs a warning, and
`manage.py audit_partitions` must run from the owner's cron instead.

Each partition gets the TRUNCATE-refusing trigger too (statement triggers are not
inherited); the row trigger refusing UPDATE and DELETE is inherited from the parent.
Partitions get no grants of their own: the runtime role reads and writes through the
parent only, which is where `grant_runtime_role` grants.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

TABLE = "audit_auditevent"
DEFAULT_PARTITION = f"{TABLE}_default"
TRUNCATE_TRIGGER = (
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate()"
)


def month_start(moment: datetime.datetime | datetime.date) -> datetime.datetime:
    """The first instant (UTC) of the month `moment` falls in."""
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(datetime.UTC)
    return datetime.datetime(moment.year, moment.month, 1, tzinfo=datetime.UTC)


def next_month(start: datetime.datetime) -> datetime.datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def partition_name(start: datetime.datetime) -> str:
    return f"{TABLE}_y{start.year:04d}m{start.month:02d}"


def is_partitioned(connection: BaseDatabaseWrapper) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind = 'p' FROM pg_class c WHERE c.oid = to_regclass(%s)", [TABLE]
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def existing_partitions(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        return {name for (name,) in cursor.fetchall()}


def create_partition_sql(start: datetime.datetime) -> list[str]:
    """The statements that create one month's partition (with its TRUNCATE trigger)."""
    name = partition_name(start)
    end = next_month(start)
    return [
        f"CREATE TABLE {name} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')",
        TRUNCATE_TRIGGER.format(table=name),
    ]


def create_default_partition_sql() -> list[str]:
    return [
        f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT",
        TRUNCATE_TRIGGER.format(table=DEFAULT_PARTITION),
    ]


def months(first: datetime.datetime, last: datetime.datetime) -> list[datetime.datetime]:
    """Every month start from `first`'s month to `last`'s month, both included."""
    start, stop = month_start(first), month_start(last)
    result = []
    while start <= stop:
        result.append(start)
        start = next_month(start)
    return result


@dataclass
class PartitionReport:
    created: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    # Months whose rows already sit in the DEFAULT partition: left there.
    skipped: list[str] = field(default_factory=list)


def ensure_partitions(
    connection: BaseDatabaseWrapper,
    *,
    months_ahead: int = 12,
    today: datetime.datetime | None = None,
) -> PartitionReport:
    """Create this month's partition and the next `months_ahead` ones that are missing.

    Idempotent; a no-op (empty report) on SQLite or an unpartitioned table. Each month
    is created in its own short transaction, waiting at most 10 s for the lock on the
    parent (CREATE … PARTITION OF blocks audit inserts for that moment).
    """
    report = PartitionReport()
    if not is_partitioned(connection):
        return report
    first = month_start(today or timezone.now())
    wanted = months(first, first)
    for _ in range(months_ahead):
        wanted.append(next_month(wanted[-1]))
    present = existing_partitions(connection)
    for start in wanted:
        name = partition_name(start)
        if name in present:
            report.present.append(name)
            continue
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} "  # noqa: S608 (constants)
                "WHERE occurred_at >= %s AND occurred_at < %s)",
                [start, next_month(start)],
            )
            if cursor.fetchone()[0]:
                report.skipped.append(name)
                continue
            for statement in create_partition_sql(start):
                cursor.execute(statement)
        report.created.append(name)
    return report


def split_default(connection: BaseDatabaseWrapper) -> list[str]:
    """Move the DEFAULT partition's rows into partitions of their months; their names.

    One transaction under an exclusive lock on the trail: the default partition is
    detached, a partition created for each month it holds, its rows copied through the
    parent (ids, positions and hashes untouched: every chain still verifies), the old
    table dropped and an empty default attached again. A no-op without such rows.
    """
    if not is_partitioned(connection):
        return []
    old = f"{DEFAULT_PARTITION}_old"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Pending deferred checks (rows written earlier in this transaction) block DROP.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        months_sql = f"SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') FROM {DEFAULT_PARTITION}"  # noqa: E501, S608 (constants)
        cursor.execute(months_sql)
        found = sorted({month_start(m.replace(tzinfo=datetime.UTC)) for (m,) in cursor.fetchall()})
        present = existing_partitions(connection)
        new = [start for start in found if partition_name(start) not in present]
        if not found:
            return []
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT_PARTITION}")
        cursor.execute(f"ALTER TABLE {DEFAULT_PARTITION} RENAME TO {old}")
        for start in new:
            for statement in create_partition_sql(start):
                cursor.execute(statement)
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")  # noqa: S608 (constants)
        cursor.execute(f"DROP TABLE {old}")
        for statement in create_default_partition_sql():
            cursor.execute(statement)
        cursor.execute(f"ANALYZE {TABLE}")
    return [partition_name(start) for start in new]
