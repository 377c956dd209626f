
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0002_referrals_agreements_mla_activities'),
    ]

    operations = [
        # Referrals and MLA requests moved to the cooperation app; their tables stay.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='referral',
                    name='assigned_to',
                ),
                migrations.RemoveField(
                    model_name='referral',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='referral',
                    name='consent_override_by',
                ),
                migrations.RemoveField(
                    model_name='referral',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='referral',
                    name='from_agency',
                ),
                migrations.RemoveField(
                    model_name='referral',
                    name='responded_by',
                ),
                migrations.RemoveField(
                    model_name='referral',
                    name='to_agency',
                ),
                migrations.RemoveField(
                    model_name='referral',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='referralupdate',
                    name='referral',
                ),
                migrations.RemoveField(
                    model_name='referraltransition',
                    name='referral',
                ),
                migrations.RemoveField(
                    model_name='referraltransition',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='referralupdate',
                    name='author',
                ),
                migrations.DeleteModel(
                    name='MLARequest',
                ),
                migrations.DeleteModel(
                    name='Referral',
                ),
                migrations.DeleteModel(
                    name='ReferralTransition',
                ),
                migrations.DeleteModel(
                    name='ReferralUpdate',
                ),
            ],
            database_operations=[],
        ),
    ]
