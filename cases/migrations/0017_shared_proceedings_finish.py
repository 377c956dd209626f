"""Shared proceedings, step 3 of 3: every proceeding has its agency and every hearing its
case and time (0016); the proceeding's single case, the defendant's free-text charges and
single outcome, and the hearing's bare date go."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_shared_proceedings_data")]

    operations = [
        migrations.AlterField(
            model_name="legalproceeding",
            name="agency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="legal_proceedings",
                to="partners.agency",
                verbose_name="owning agency",
            ),
        ),
        migrations.RemoveField(model_name="legalproceeding", name="case"),
        migrations.AlterField(
            model_name="hearing",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hearings",
                to="cases.case",
                verbose_name="case of the person attending",
            ),
        ),
        migrations.AlterField(
            model_name="hearing",
            name="starts_at",
            field=models.DateTimeField(verbose_name="date and time"),
        ),
        migrations.RemoveField(model_name="hearing", name="date"),
        migrations.RemoveField(model_name="defendant", name="charges_text"),
        migrations.RemoveField(model_name="defendant", name="outcome"),
        migrations.RemoveField(model_name="defendant", name="judgment_date"),
    ]
