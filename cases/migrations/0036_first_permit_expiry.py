"""The case's copy of its earliest permit expiry (Case.first_permit_expiry), filled from
the permits it holds, and the index the case list's permit filters walk (issue 12)."""

from django.db import migrations, models

# As cases.models has them today (PERMIT_TYPES, ServiceItemQuerySet.permits).
PERMIT_TYPES = ["residence_permit", "work_permit"]
NOT_HELD = ["cancelled", "declined"]


def copy_permit_expiry(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    ServiceItem = apps.get_model("cases", "ServiceItem")
    held = ServiceItem.objects.filter(
        service_type__in=PERMIT_TYPES, permit_expires_on__isnull=False
    ).exclude(status__in=NOT_HELD)
    first = (
        held.filter(case_id=models.OuterRef("pk"))
        .order_by("permit_expires_on")
        .values("permit_expires_on")[:1]
    )
    Case.objects.filter(pk__in=held.values("case_id")).update(
        first_permit_expiry=models.Subquery(first)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0035_supervisor_open_in_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="first_permit_expiry",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="earliest permit expiry"
            ),
        ),
        migrations.RunPython(copy_permit_expiry, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("archived_at__isnull", True), ("first_permit_expiry__isnull", False)
                ),
                fields=["agency", "-intake_date", "-id"],
                include=("first_permit_expiry",),
                name="cases_case_agency_permits",
            ),
        ),
    ]
