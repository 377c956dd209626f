from django.db import migrations, models


def classify_automatic_tasks(apps, schema_editor):
    """Automatic tasks made before `kind` existed: tell them apart by their English title."""
    Task = apps.get_model("cases", "Task")
    automatic = Task.objects.filter(auto_created=True)
    automatic.filter(title="Identification decision awaited").update(kind="decision_awaited")
    automatic.filter(title__startswith="Prepare the person for the hearing").update(
        kind="hearing_preparation"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_intake_date_nullable_for_imports"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="kind",
            field=models.CharField(
                choices=[
                    ("manual", "Added by staff"),
                    ("decision_awaited", "Identification decision awaited"),
                    ("hearing_preparation", "Hearing preparation"),
                ],
                default="manual",
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(classify_automatic_tasks, migrations.RunPython.noop),
    ]
