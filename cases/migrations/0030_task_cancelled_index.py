"""The task list filtered on cancelled tasks reads them from their own index (issue 12)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0029_task_case_copies"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("status", "cancelled")),
                fields=["due_date", "id"],
                name="cases_task_cancelled_due",
            ),
        ),
    ]
