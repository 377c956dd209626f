"""The person's own criminal matters, whole (issue 15): a stage (its own graph and
history), the request for non-punishment (who asked), the authority's decision (who,
when, reference) and the charges as rows with an outcome each.

The free-text `charges` and the single `outcome` of each existing matter become one
charge row ("other offence", the text as written, the outcome carried over); the old
columns are dropped by the next migration (0014), outside this transaction.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import crypto

# Old single outcome -> the outcome of the charge row (and back).
OUTCOMES = {
    "pending": "pending",
    "immunity": "exempted",
    "reduced": "reduced",
    "refused": "refused",
}
BACK = {
    "pending": "pending",
    "exempted": "immunity",
    "not_prosecuted": "immunity",
    "acquitted": "immunity",
    "reduced": "reduced",
    "refused": "refused",
}


def charges_to_rows(apps, schema_editor):
    Matter = apps.get_model("cases", "CriminalExposure")
    Charge = apps.get_model("cases", "CriminalMatterCharge")
    for matter in Matter.objects.order_by("pk").iterator():
        if not matter.charges_text and matter.outcome == "pending":
            continue
        Charge.objects.create(
            matter=matter,
            offence="other",
            description=matter.charges_text or "",
            outcome=OUTCOMES.get(matter.outcome, "pending"),
        )


def rows_to_charges(apps, schema_editor):
    Matter = apps.get_model("cases", "CriminalExposure")
    Charge = apps.get_model("cases", "CriminalMatterCharge")
    for matter in Matter.objects.order_by("pk").iterator():
        rows = list(Charge.objects.filter(matter=matter).order_by("pk"))
        if rows:
            matter.charges_text = "\n".join(r.description for r in rows if r.description)[:4000]
            matter.outcome = BACK.get(rows[0].outcome, "pending")
            matter.save(update_fields=["charges_text", "outcome"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_default_supervisor_and_auto_task_assignee"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name="criminalexposure", old_name="charges", new_name="charges_text"
        ),
        migrations.AddField(
            model_name="criminalexposure",
            name="decided_on",
            field=models.DateField(blank=True, null=True, verbose_name="decision date"),
        ),
        migrations.AddField(
            model_name="criminalexposure",
            name="decision_authority",
            field=models.CharField(
                blank=True,
                choices=[
                    ("prosecutor", "Prosecutor's office"),
                    ("court", "Court"),
                    ("police", "Police"),
                    ("immigration", "Immigration agency"),
                    ("other", "Other authority"),
                ],
                max_length=16,
                verbose_name="deciding authority",
            ),
        ),
        migrations.AddField(
            model_name="criminalexposure",
            name="decision_reference",
            field=crypto.EncryptedCharField(
                blank=True,
                help_text="The number of the decision, e.g. the non-prosecution order or judgment.",
                max_length=200,
                verbose_name="decision reference",
            ),
        ),
        migrations.AddField(
            model_name="criminalexposure",
            name="requested_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("person", "The person"),
                    ("lawyer", "Their lawyer"),
                    ("ngo", "An NGO or shelter"),
                    ("prosecutor", "The prosecutor"),
                    ("court", "The court of its own motion"),
                    ("other", "Other"),
                ],
                max_length=16,
                verbose_name="non-punishment requested by",
            ),
        ),
        migrations.AddField(
            model_name="criminalexposure",
            name="stage",
            field=models.CharField(
                choices=[
                    ("investigation", "Under investigation"),
                    ("prosecution", "Prosecuted (indicted)"),
                    ("trial", "At trial"),
                    ("judgment", "Judgment"),
                    ("appeal", "Appeal"),
                    ("closed", "Closed"),
                ],
                default="investigation",
                editable=False,
                max_length=16,
                verbose_name="stage",
            ),
        ),
        migrations.AlterModelOptions(
            name="criminalexposure",
            options={
                "ordering": ["pk"],
                "verbose_name": "criminal matter against the person (non-punishment)",
                "verbose_name_plural": "criminal matters against the person (non-punishment)",
            },
        ),
        migrations.CreateModel(
            name="CriminalMatterCharge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "offence",
                    models.CharField(
                        choices=[
                            ("fraud", "Fraud (e.g. telecom or online scams)"),
                            ("money_laundering", "Money laundering or lending accounts"),
                            ("drugs", "Drug offences"),
                            ("immigration", "Illegal entry, stay or work"),
                            ("documents", "False documents"),
                            ("theft", "Theft or robbery"),
                            ("organised_crime", "Taking part in a criminal organisation"),
                            ("prostitution", "Prostitution-related offences"),
                            ("other", "Other offence"),
                        ],
                        max_length=32,
                        verbose_name="offence",
                    ),
                ),
                (
                    "description",
                    crypto.EncryptedTextField(
                        blank=True,
                        help_text="The article and wording, e.g. Criminal Code art. 339-4.",
                        max_length=4000,
                        verbose_name="charge as written",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("not_prosecuted", "Not prosecuted"),
                            ("acquitted", "Acquitted"),
                            ("exempted", "Sentence exempted"),
                            ("reduced", "Sentence reduced"),
                            ("refused", "Non-punishment refused"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="outcome",
                    ),
                ),
            ],
            options={
                "verbose_name": "charge against the person",
                "verbose_name_plural": "charges against the person",
                "ordering": ["pk"],
            },
        ),
        migrations.AddField(
            model_name="criminalmattercharge",
            name="matter",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="charges",
                to="cases.criminalexposure",
                verbose_name="criminal matter",
            ),
        ),
        migrations.CreateModel(
            name="CriminalMatterTransition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("from_status", models.CharField(max_length=32, verbose_name="from")),
                ("to_status", models.CharField(max_length=32, verbose_name="to")),
                (
                    "note",
                    crypto.EncryptedTextField(blank=True, max_length=4000, verbose_name="note"),
                ),
                (
                    "occurred_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
                ),
            ],
            options={
                "verbose_name": "criminal matter stage change",
                "verbose_name_plural": "criminal matter stage changes",
                "ordering": ["-occurred_at", "-pk"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="criminalmattertransition",
            name="actor",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="criminalmattertransition",
            name="matter",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="transitions",
                to="cases.criminalexposure",
                verbose_name="criminal matter",
            ),
        ),
        migrations.RunPython(charges_to_rows, rows_to_charges),
    ]
