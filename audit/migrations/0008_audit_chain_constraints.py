"""Every audit row now has its place: require it, keep it unique, and refuse TRUNCATE.

The BEFORE TRUNCATE trigger (PostgreSQL) stops any role that holds TRUNCATE on the
table, including its owner. It lets a superuser through: a superuser can disable
any trigger anyway, and `manage.py flush` (the test suite's transactional tests)
truncates every table.
"""

from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_no_truncate();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_seal_existing_events")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(editable=False, verbose_name="position in chain"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("agency__isnull", False)),
                fields=("agency", "chain_seq"),
                name="audit_event_one_row_per_agency_seq",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("agency__isnull", True)),
                fields=("chain_seq",),
                name="audit_event_one_row_per_platform_seq",
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
