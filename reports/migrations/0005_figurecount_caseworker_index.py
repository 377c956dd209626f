from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_figurecount_prev_month")]

    operations = [
        migrations.AddIndex(
            model_name="figurecount",
            index=models.Index(
                fields=["agency", "figure", "caseworker"], name="reports_figure_caseworker"
            ),
        ),
    ]
