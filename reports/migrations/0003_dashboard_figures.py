import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_agency_is_coordinating"),
        ("reports", "0002_decisions_for_imported_cases"),
    ]

    operations = [
        migrations.CreateModel(
            name="FigureCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("figure", models.CharField(max_length=32, verbose_name="figure")),
                (
                    "month",
                    models.DateField(blank=True, null=True, verbose_name="month of intake"),
                ),
                (
                    "exploitation",
                    models.CharField(max_length=32, verbose_name="exploitation filter"),
                ),
                (
                    "caseworker",
                    models.PositiveIntegerField(default=0, verbose_name="caseworker filter"),
                ),
                ("value", models.CharField(blank=True, max_length=64, verbose_name="value")),
                ("n", models.PositiveIntegerField(verbose_name="count")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.agency",
                        verbose_name="agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "figure count",
                "verbose_name_plural": "figure counts",
                "indexes": [
                    models.Index(
                        fields=["agency", "caseworker", "exploitation", "figure"],
                        name="reports_figure_filters",
                    ),
                    models.Index(
                        fields=["agency", "figure", "exploitation"], name="reports_figure_by"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="FigureRefresh",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("refreshed_at", models.DateTimeField(verbose_name="refreshed")),
                ("as_of", models.DateField(verbose_name="figures as of")),
                (
                    "agency",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.agency",
                        verbose_name="agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "figure refresh",
                "verbose_name_plural": "figure refreshes",
            },
        ),
    ]
