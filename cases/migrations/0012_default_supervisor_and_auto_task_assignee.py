"""Every case has a supervisor and every automatic task an assignee (issue 13).

Each agency's default supervisor becomes its first active supervisor (by account
number) where none is set; cases without a supervisor get their agency's default;
automatic tasks without an assignee go to the case's first caseworker, else its
supervisor — the rule `cases.services._create_auto_task` applies to new ones.
"""

from django.db import migrations


def fill(apps, schema_editor):
    Agency = apps.get_model("partners", "Agency")
    User = apps.get_model("accounts", "User")
    Case = apps.get_model("cases", "Case")
    Task = apps.get_model("cases", "Task")
    for agency in Agency.objects.filter(default_supervisor__isnull=True):
        first = (
            User.objects.filter(agency=agency, role="supervisor", is_active=True)
            .order_by("pk")
            .first()
        )
        if first is not None:
            agency.default_supervisor = first
            agency.save(update_fields=["default_supervisor"])
    for agency in Agency.objects.filter(default_supervisor__isnull=False):
        Case.objects.filter(agency=agency, supervisor__isnull=True).update(
            supervisor_id=agency.default_supervisor_id
        )
    tasks = Task.objects.filter(auto_created=True, assignee__isnull=True).select_related("case")
    for task in tasks.iterator():
        caseworker = task.case.caseworkers.order_by("pk").first()
        assignee_id = caseworker.pk if caseworker else task.case.supervisor_id
        if assignee_id is not None:
            Task.objects.filter(pk=task.pk).update(assignee_id=assignee_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_session_epoch"),
        ("cases", "0011_archive"),
        ("partners", "0004_agency_default_supervisor"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
