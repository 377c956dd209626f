"""The audit trail, partitioned by month on PostgreSQL; new indexes for keyset paging.

PostgreSQL: the table is rebuilt as `PARTITION BY RANGE (occurred_at)` with one
partition per month present in the rows, the current month and the next 12, and a
DEFAULT partition (audit.partitions). In one transaction, under an exclusive lock:
the old table is renamed, the partitioned parent created with the same columns,
checks and defaults, every row copied (ids, hashes and chain positions untouched, so
every chain still verifies), the old table dropped, then the keys, indexes, foreign
keys, grants and the append-only and TRUNCATE triggers are put back.

- The primary key is (id, occurred_at): a partitioned table's unique keys must include
  the partition key. Django still sees `id` as the primary key; ids come from one
  sequence (owned by the column) and no table references an audit row.
- The two "one row per chain position" unique indexes become plain indexes with the
  same names, for the same reason: `record_event` numbers rows under the chain head's
  row lock and `verify_audit` reports a position taken twice.
- Time is indexed by a BRIN index (`audit_occurred_at_brin`, tiny, for ranges) instead
  of a btree; the viewer's and `for_object`'s orders by the two composite indexes.
- The runtime role's grants on the old table are re-granted on the new parent.

Other databases (SQLite) only get the index changes. The reverse rebuilds the plain
table with its former indexes and unique positions.
"""

import datetime

from django.db import migrations, models
from django.db.migrations.operations.base import Operation
from django.utils import timezone

from audit import partitions

TABLE = partitions.TABLE
NEW_INDEXES = [
    models.Index(fields=["agency", "-occurred_at", "-id"], name="audit_agency_time_idx"),
    models.Index(fields=["object_type", "object_id", "-occurred_at"], name="audit_object_time_idx"),
]
OLD_INDEXES = [
    models.Index(fields=["object_type", "object_id"], name="audit_audit_object__0e78a5_idx"),
    models.Index(fields=["agency", "occurred_at"], name="audit_audit_agency__d67507_idx"),
]
UNIQUE_POSITIONS = {"audit_event_one_row_per_agency_seq", "audit_event_one_row_per_platform_seq"}
BRIN = f"CREATE INDEX audit_occurred_at_brin ON {TABLE} USING brin (occurred_at)"
TRIGGERS = [
    f"CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    partitions.TRUNCATE_TRIGGER.format(table=TABLE),
]


class UnlessPostgreSQL(Operation):
    """`operation` in the migration state everywhere, in the database only off PostgreSQL."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (PostgreSQL: by the partitioning)"


def _table_parts(cursor, table):
    """What the rebuild must carry over: foreign keys, index definitions, grants."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY c.relname",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT g.rolname, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "JOIN pg_roles g ON g.oid = a.grantee "
        "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
        [table],
    )
    grants = cursor.fetchall()
    return foreign_keys, indexes, grants


def _restore(cursor, schema_editor, foreign_keys, grants):
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
    quote = schema_editor.quote_name
    for role, privilege in grants:
        cursor.execute(f"GRANT {privilege} ON TABLE {TABLE} TO {quote(role)}")
    for trigger in TRIGGERS:
        cursor.execute(trigger)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("audit", "AuditEvent")
    old = f"{TABLE}_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        foreign_keys, indexes, grants = _table_parts(cursor, TABLE)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
            "PARTITION BY RANGE (occurred_at)"
        )
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') FROM {old}"
        )
        present = {partitions.month_start(month.replace(tzinfo=datetime.UTC)) for (month,) in cursor}
        now = timezone.now()
        ahead = partitions.months(now, partitions.month_start(now).replace(year=now.year + 1))
        statements = [
            statement
            for month in sorted(present | set(ahead))
            for statement in partitions.create_partition_sql(month)
        ]
        for statement in [*statements, *partitions.create_default_partition_sql()]:
            cursor.execute(statement)
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")  # noqa: S608
        cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {old}")  # noqa: S608
        next_id = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {old}")
        cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        cursor.execute(f"SELECT setval('{TABLE}_id_seq', %s, false)", [next_id])
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at)"
        )
        dropped = {index.name for index in OLD_INDEXES}
        for name, definition in indexes:
            if name in dropped or definition.endswith("(occurred_at)"):
                continue
            cursor.execute(definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX", 1))
        for index in NEW_INDEXES:
            schema_editor.add_index(model, index)
        cursor.execute(BRIN)
        _restore(cursor, schema_editor, foreign_keys, grants)
        cursor.execute(f"ANALYZE {TABLE}")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("audit", "AuditEvent")
    old = f"{TABLE}_partitioned"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        foreign_keys, indexes, grants = _table_parts(cursor, TABLE)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING CONSTRAINTS)")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")  # noqa: S608
        cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {old}")  # noqa: S608
        next_id = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {old}")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), %s, false)", [next_id])
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        added = {index.name for index in NEW_INDEXES} | {"audit_occurred_at_brin"}
        for name, definition in indexes:
            if name in added:
                continue
            definition = definition.replace(" ON ONLY ", " ON ", 1)
            if name in UNIQUE_POSITIONS:
                definition = definition.replace("CREATE INDEX", "CREATE UNIQUE INDEX", 1)
            cursor.execute(definition)
        occurred_at = schema_editor._create_index_name(TABLE, ["occurred_at"], suffix="")
        cursor.execute(f"CREATE INDEX {occurred_at} ON {TABLE} (occurred_at)")
        for index in OLD_INDEXES:
            schema_editor.add_index(model, index)
        _restore(cursor, schema_editor, foreign_keys, grants)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0009_search_action"),
    ]

    operations = [
        UnlessPostgreSQL(
            migrations.RemoveIndex(model_name="auditevent", name="audit_audit_object__0e78a5_idx")
        ),
        UnlessPostgreSQL(
            migrations.RemoveIndex(model_name="auditevent", name="audit_audit_agency__d67507_idx")
        ),
        UnlessPostgreSQL(
            migrations.AlterField(
                model_name="auditevent",
                name="occurred_at",
                field=models.DateTimeField(default=timezone.now, verbose_name="when"),
            )
        ),
        *[
            UnlessPostgreSQL(migrations.AddIndex(model_name="auditevent", index=index))
            for index in NEW_INDEXES
        ],
        migrations.RunPython(partition, unpartition),
    ]
