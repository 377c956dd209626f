"""The task's copies of its case's agency and intake date (Task.case_intake_date), filled
from the cases, and the task list's index holding them beside the due date (issue 12)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_from_cases(apps, schema_editor):
    """One statement for every task: UPDATE … FROM on PostgreSQL, correlated subqueries
    elsewhere (SQLite)."""
    if schema_editor.connection.vendor == "postgresql":
        # The new key's checks now, not at commit: the ALTER TABLE below may not follow
        # pending (deferred) trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        sql = (
            "UPDATE cases_task AS t SET agency_id = c.agency_id, "
            "case_intake_date = c.intake_date FROM cases_case AS c WHERE c.id = t.case_id"
        )
    else:
        sql = (
            "UPDATE cases_task SET "
            "agency_id = (SELECT c.agency_id FROM cases_case AS c WHERE c.id = cases_task.case_id), "
            "case_intake_date = "
            "(SELECT c.intake_date FROM cases_case AS c WHERE c.id = cases_task.case_id)"
        )
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0028_case_person_covering_index"),
        ("partners", "0006_activity_newest_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="task",
            name="cases_task_due",
        ),
        migrations.AddField(
            model_name="task",
            name="agency",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.agency",
                verbose_name="agency",
            ),
        ),
        migrations.AddField(
            model_name="task",
            name="case_intake_date",
            field=models.DateField(
                editable=False, null=True, verbose_name="intake date of the case"
            ),
        ),
        migrations.RunPython(copy_from_cases, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="task",
            name="agency",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.agency",
                verbose_name="agency",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["due_date", "id"],
                include=("case", "agency", "case_intake_date"),
                name="cases_task_due",
            ),
        ),
    ]
