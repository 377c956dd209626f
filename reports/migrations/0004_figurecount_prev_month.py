from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_dashboard_figures")]

    operations = [
        migrations.AddField(
            model_name="figurecount",
            name="prev_month",
            field=models.DateField(blank=True, null=True, verbose_name="previous month"),
        ),
    ]
