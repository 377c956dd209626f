"""A service's agency (its case's), for whole-agency lists at national scale (issue 12).

Added nullable, filled from each service's case in one statement, then required; the
two partial indexes by expiry and due date lead with it.
"""

import django.db.models.deletion
from django.db import migrations, models

FILL = (
    "UPDATE victims_serviceitem SET agency_id = "
    "(SELECT cases_case.agency_id FROM cases_case WHERE cases_case.id = victims_serviceitem.case_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0021_scale_indexes_timeline_tasks"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="serviceitem",
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
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(
            model_name="serviceitem",
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
        migrations.RemoveIndex(model_name="serviceitem", name="cases_service_permit_expiry"),
        migrations.RemoveIndex(model_name="serviceitem", name="cases_service_open_due"),
        migrations.AddIndex(
            model_name="serviceitem",
            index=models.Index(
                condition=models.Q(("service_type__in", ["residence_permit", "work_permit"])),
                fields=["agency", "permit_expires_on", "id"],
                name="cases_service_agency_permit",
            ),
        ),
        migrations.AddIndex(
            model_name="serviceitem",
            index=models.Index(
                condition=models.Q(("status__in", ["planned", "in_progress"])),
                fields=["agency", "due_date", "id"],
                name="cases_service_agency_open_due",
            ),
        ),
    ]
