"""Shared criminal proceedings and protection in court (issue 15), step 1 of 3: the new
tables and columns, nullable where old rows get their values in 0016."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import crypto


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_criminal_matters_old_columns"),
        ("partners", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The old text frees the name `charges` for the Charge rows (0016 moves it there).
        migrations.RenameField(model_name="defendant", old_name="charges", new_name="charges_text"),
        migrations.AddField(
            model_name="legalproceeding",
            name="agency",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="legal_proceedings",
                to="partners.agency",
                verbose_name="owning agency",
            ),
        ),
        migrations.AddField(
            model_name="legalproceeding",
            name="stage",
            field=models.CharField(
                choices=[
                    ("investigation", "Under investigation"),
                    ("indicted", "Prosecuted (indicted)"),
                    ("trial", "At trial"),
                    ("judged", "Judged (not final)"),
                    ("final", "Final judgment"),
                    ("closed_no_indictment", "Closed without indictment"),
                ],
                default="investigation",
                editable=False,
                max_length=32,
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="legalproceeding",
            name="exploitation_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("sexual", "Sexual exploitation"),
                    ("labour", "Labour exploitation"),
                    ("sexual_and_labour", "Sexual and labour exploitation"),
                    ("forced_criminality", "Forced criminality"),
                ],
                max_length=32,
                verbose_name="exploitation prosecuted",
            ),
        ),
        migrations.AlterField(
            model_name="legalproceeding",
            name="case",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="cases.case",
                verbose_name="case",
            ),
        ),
        migrations.CreateModel(
            name="ProceedingCase",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "person_role",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "None yet"),
                            ("complainant", "Complainant"),
                            ("witness", "Witness"),
                            ("complainant_witness", "Complainant and witness"),
                        ],
                        max_length=32,
                        verbose_name="the person's role",
                    ),
                ),
                (
                    "linked_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="linked"
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="proceeding_links",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "linked_by",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="linked by",
                    ),
                ),
                (
                    "proceeding",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links",
                        to="cases.legalproceeding",
                        verbose_name="proceeding",
                    ),
                ),
            ],
            options={
                "verbose_name": "case in a proceeding",
                "verbose_name_plural": "cases in proceedings",
                "ordering": ["linked_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("proceeding", "case"), name="cases_proceedingcase_unique"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="legalproceeding",
            name="cases",
            field=models.ManyToManyField(
                related_name="proceedings",
                through="cases.ProceedingCase",
                to="cases.case",
                verbose_name="cases",
            ),
        ),
        migrations.CreateModel(
            name="ProceedingTransition",
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
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "proceeding",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="transitions",
                        to="cases.legalproceeding",
                        verbose_name="proceeding",
                    ),
                ),
            ],
            options={
                "verbose_name": "proceeding stage change",
                "verbose_name_plural": "proceeding stage changes",
                "ordering": ["-occurred_at", "-pk"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Charge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "statute",
                    models.CharField(
                        choices=[
                            ("htpa_31", "HTPA art. 31 (sexual exploitation)"),
                            ("htpa_32", "HTPA art. 32 (labour exploitation)"),
                            ("htpa_33", "HTPA art. 33 (organ removal)"),
                            ("htpa_34", "HTPA art. 34"),
                            ("cc_231", "Criminal Code art. 231 (procuring sexual acts for gain)"),
                            ("cc_296", "Criminal Code art. 296 (enslavement)"),
                            ("cc_296_1", "Criminal Code art. 296-1 (trading in persons)"),
                            ("cc_302", "Criminal Code art. 302 (deprivation of liberty)"),
                            ("cc_339", "Criminal Code art. 339 (fraud)"),
                            ("cc_339_4", "Criminal Code art. 339-4 (aggravated fraud)"),
                            ("ocpa_3", "Organized Crime Prevention Act art. 3"),
                            ("mlca", "Money Laundering Control Act"),
                            ("other", "Other"),
                        ],
                        max_length=16,
                        verbose_name="charge",
                    ),
                ),
                (
                    "other_text",
                    crypto.EncryptedTextField(
                        blank=True,
                        help_text="For “Other”: the offence.",
                        max_length=4000,
                        verbose_name="other charge",
                    ),
                ),
                (
                    "defendant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="charges",
                        to="cases.defendant",
                        verbose_name="defendant",
                    ),
                ),
            ],
            options={
                "verbose_name": "charge",
                "verbose_name_plural": "charges",
                "ordering": ["pk"],
            },
        ),
        migrations.CreateModel(
            name="ChargeOutcome",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "instance",
                    models.PositiveSmallIntegerField(
                        choices=[(1, "District court"), (2, "High court"), (3, "Supreme court")],
                        default=1,
                        verbose_name="instance",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("convicted", "Convicted"),
                            ("acquitted", "Acquitted"),
                            ("dismissed", "Dismissed or not indicted"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="outcome",
                    ),
                ),
                (
                    "sentence_months",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="sentence (months)"
                    ),
                ),
                (
                    "fine",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="fine (NT$)"),
                ),
                ("decided_on", models.DateField(blank=True, null=True, verbose_name="decided on")),
                (
                    "charge",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outcomes",
                        to="cases.charge",
                        verbose_name="charge",
                    ),
                ),
            ],
            options={
                "verbose_name": "charge outcome",
                "verbose_name_plural": "charge outcomes",
                "ordering": ["instance", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("charge", "instance"), name="cases_chargeoutcome_unique_instance"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="hearing",
            name="case",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hearings",
                to="cases.case",
                verbose_name="case of the person attending",
            ),
        ),
        migrations.AddField(
            model_name="hearing",
            name="starts_at",
            field=models.DateTimeField(null=True, verbose_name="date and time"),
        ),
        migrations.AddField(
            model_name="hearing",
            name="place",
            field=crypto.EncryptedCharField(
                blank=True, max_length=200, verbose_name="court and room"
            ),
        ),
        migrations.AddField(
            model_name="hearing",
            name="instance",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "District court"), (2, "High court"), (3, "Supreme court")],
                default=1,
                verbose_name="instance",
            ),
        ),
        migrations.AddField(
            model_name="hearing",
            name="person_role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "None yet"),
                    ("complainant", "Complainant"),
                    ("witness", "Witness"),
                    ("complainant_witness", "Complainant and witness"),
                ],
                max_length=32,
                verbose_name="the person's role",
            ),
        ),
        migrations.AddField(
            model_name="hearing",
            name="preparation_task",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="hearing",
                to="cases.task",
                verbose_name="preparation task",
            ),
        ),
        migrations.AlterField(
            model_name="hearing",
            name="date",
            field=models.DateField(null=True, verbose_name="date"),
        ),
        migrations.AlterModelOptions(
            name="hearing",
            options={
                "ordering": ["starts_at", "pk"],
                "verbose_name": "hearing",
                "verbose_name_plural": "hearings",
            },
        ),
        migrations.CreateModel(
            name="ProtectiveMeasure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("separate_waiting", "Separate waiting area"),
                            ("video_link", "Testimony by video link"),
                            ("screen", "Testimony behind a screen"),
                            ("closed_hearing", "Closed hearing"),
                            ("interpreter", "Interpreter"),
                            ("social_worker", "Social worker accompaniment"),
                            ("identity_shielding", "Identity shielding"),
                        ],
                        max_length=32,
                        verbose_name="measure",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True, max_length=100, verbose_name="interpreter language"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Requested"),
                            ("granted", "Granted"),
                            ("refused", "Refused"),
                        ],
                        default="requested",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "decided_by",
                    crypto.EncryptedCharField(
                        blank=True,
                        help_text="E.g. the judge or prosecutor.",
                        max_length=200,
                        verbose_name="decided by",
                    ),
                ),
                ("decided_on", models.DateField(blank=True, null=True, verbose_name="decided on")),
                (
                    "hearing",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="measures",
                        to="cases.hearing",
                        verbose_name="hearing",
                    ),
                ),
            ],
            options={
                "verbose_name": "protective measure",
                "verbose_name_plural": "protective measures",
                "ordering": ["pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("hearing", "kind"), name="cases_measure_unique_kind"
                    )
                ],
            },
        ),
    ]
