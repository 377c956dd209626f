"""A decision's agency (its case's), for whole-agency lists at national scale (issue 12).

Added nullable, filled from each decision's case in one statement, then required; the
supervisor inbox's open reviews are indexed per agency, oldest request first.
"""

import django.db.models.deletion
from django.db import migrations, models

FILL = (
    "UPDATE victims_identificationdecision SET agency_id = "
    "(SELECT cases_case.agency_id FROM cases_case "
    "WHERE cases_case.id = victims_identificationdecision.case_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0013_lookup_phonetic_blocking_index"),
        ("cases", "0022_service_agency"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="identificationdecision",
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
            model_name="identificationdecision",
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
            model_name="identificationdecision",
            index=models.Index(
                condition=models.Q(("review_outcome", ""), ("review_requested_on__isnull", False)),
                fields=["agency", "review_requested_on", "id"],
                name="victims_decision_review_open",
            ),
        ),
    ]
