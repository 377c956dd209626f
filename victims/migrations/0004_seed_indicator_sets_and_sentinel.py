"""Version 1 of the screening indicator sets, and the encryption sentinel.

Indicator sets are frozen here: a change of wording or weight is a new version
(a new migration), so old answers keep pointing at the questions that were asked.
Weights: 3 = strong indicator, 2 = medium, 1 = weak (after ILO/EU indicator lists).
Texts are stored in English and marked with gettext_noop: the catalogue translates
them when shown (IndicatorSet.display_title, Indicator.display_text).
"""

from django.db import migrations
from django.utils.translation import gettext_noop

SETS = {
    ("forced-labour", "forced_labour", gettext_noop("Forced labour")): [
        ("deceived-recruitment", gettext_noop("Deceived about the nature or conditions of the work"), 2),
        ("documents-withheld", gettext_noop("Identity or travel documents taken or withheld"), 3),
        ("debt-bondage", gettext_noop("Debt imposed or manipulated to keep the person working"), 3),
        ("wages-withheld", gettext_noop("Wages withheld or far below what was promised"), 2),
        ("movement-restricted", gettext_noop("Not free to leave the workplace or accommodation"), 3),
        ("violence-threats", gettext_noop("Physical violence or threats against the person"), 3),
        ("excessive-hours", gettext_noop("Excessive working hours or days without rest"), 1),
        ("isolation", gettext_noop("Isolated, no contact with family or outside world"), 2),
        ("degrading-conditions", gettext_noop("Degrading living or working conditions"), 1),
    ],
    ("sexual-exploitation", "sexual_exploitation", gettext_noop("Sexual exploitation")): [
        ("deceived-recruitment", gettext_noop("Recruited with a false promise of other work"), 2),
        ("forced-sex-work", gettext_noop("Forced or coerced into commercial sex"), 3),
        ("earnings-taken", gettext_noop("Earnings taken by someone else"), 2),
        ("documents-withheld", gettext_noop("Identity or travel documents taken or withheld"), 3),
        ("debt-bondage", gettext_noop("Debt imposed or manipulated"), 3),
        ("movement-restricted", gettext_noop("Not free to leave or move about alone"), 3),
        ("violence-threats", gettext_noop("Physical or sexual violence or threats"), 3),
        ("minor", gettext_noop("The person is under 18"), 3),
        ("controlled-communication", gettext_noop("Phone or communication controlled by others"), 1),
    ],
    (
        "forced-criminality-scam",
        "forced_criminality",
        gettext_noop("Forced criminality in scam operations"),
    ): [
        ("online-job-ad", gettext_noop("Recruited by an online job advertisement or message"), 2),
        ("deceived-about-job", gettext_noop("Deceived about the job, employer or country"), 2),
        ("passport-taken", gettext_noop("Passport or phone taken on arrival"), 3),
        ("held-in-compound", gettext_noop("Held in a guarded compound, not free to leave"), 3),
        ("forced-to-defraud", gettext_noop("Forced to defraud people (investment, romance, crypto scams)"), 3),
        ("quotas-punishment", gettext_noop("Punished for missing fraud quotas (beatings, fines)"), 3),
        ("debt-imposed", gettext_noop("Debt or 'ransom' imposed to leave"), 3),
        ("threats-to-family", gettext_noop("Threats to the person's family"), 2),
        ("sold-between-compounds", gettext_noop("Sold or transferred between compounds"), 3),
        ("smuggled-across-border", gettext_noop("Taken across a border irregularly"), 1),
    ],
}


def seed(apps, schema_editor):
    IndicatorSet = apps.get_model("victims", "IndicatorSet")
    Indicator = apps.get_model("victims", "Indicator")
    EncryptionSentinel = apps.get_model("victims", "EncryptionSentinel")
    for (code, kind, title), indicators in SETS.items():
        indicator_set, _created = IndicatorSet.objects.get_or_create(
            code=code, version=1, defaults={"title": title, "kind": kind, "is_current": True}
        )
        for position, (indicator_code, text, weight) in enumerate(indicators):
            Indicator.objects.get_or_create(
                indicator_set=indicator_set,
                code=indicator_code,
                defaults={"text": text, "weight": weight, "position": position},
            )
    if not EncryptionSentinel.objects.exists():
        # The field encrypts with the first configured key.
        EncryptionSentinel.objects.create(ciphertext="harbor-field-encryption-sentinel")


class Migration(migrations.Migration):
    dependencies = [("victims", "0003_person_identity_screening_services_consent")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
