"""The task list filtered on recent intakes starts its walk of the due dates where the
matching tasks begin: the few tasks due before their case's intake date have their own
index (TaskQuerySet.of_cases_from, issue 12)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0030_task_cancelled_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("due_date__lt", models.F("case_intake_date"))),
                fields=["due_date"],
                include=("case", "agency", "case_intake_date"),
                name="cases_task_due_before_intake",
            ),
        ),
    ]
