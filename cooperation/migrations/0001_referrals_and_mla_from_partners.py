
import django.db.models.deletion
import django.utils.timezone
import django_countries.fields
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Keep permission and content-type rows: the models changed app, not identity."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("referral", "referraltransition", "referralupdate", "mlarequest"):
        if not content_type.objects.filter(app_label="cooperation", model=model).exists():
            content_type.objects.filter(app_label="partners", model=model).update(
                app_label="cooperation"
            )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0007_serviceitem_from_victims'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('partners', '0003_move_referrals_and_mla_to_cooperation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Referral, its history and updates, and MLARequest moved here from partners; tables kept.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MLARequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('direction', models.CharField(choices=[('outgoing', 'Sent to another country'), ('incoming', 'Received from another country')], max_length=16, verbose_name='direction')),
                        ('requesting_country', django_countries.fields.CountryField(max_length=2, verbose_name='requesting country')),
                        ('requesting_authority', models.CharField(max_length=200, verbose_name='requesting authority')),
                        ('requested_country', django_countries.fields.CountryField(max_length=2, verbose_name='requested country')),
                        ('requested_authority', models.CharField(max_length=200, verbose_name='requested authority')),
                        ('channel', models.CharField(choices=[('formal', 'Formal MLA request'), ('liaison', 'Liaison officer'), ('police', 'Police-to-police')], max_length=16, verbose_name='channel')),
                        ('requests', models.JSONField(default=list, verbose_name='what is asked')),
                        ('description', models.TextField(blank=True, max_length=4000, verbose_name='details')),
                        ('sent_on', models.DateField(verbose_name='date sent')),
                        ('reply_due', models.DateField(blank=True, null=True, verbose_name='reply due')),
                        ('replied_on', models.DateField(blank=True, null=True, verbose_name='reply received')),
                        ('status', models.CharField(choices=[('sent', 'Sent'), ('acknowledged', 'Acknowledged'), ('in_progress', 'In progress'), ('replied', 'Replied'), ('refused', 'Refused'), ('closed', 'Closed')], default='sent', max_length=16, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='mla_requests', to='partners.agency', verbose_name='handling agency')),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='mla_requests', to='cases.case', verbose_name='case')),
                        ('created_by', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('proceeding', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='mla_requests', to='cases.legalproceeding', verbose_name='legal proceeding')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
                    ],
                    options={
                        'verbose_name': 'mutual legal assistance request',
                        'verbose_name_plural': 'mutual legal assistance requests',
                        'db_table': 'partners_mlarequest',
                        'ordering': ['reply_due', '-sent_on', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Referral',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_name', models.CharField(blank=True, max_length=200, verbose_name='organisation not on Harbor')),
                        ('external_country', django_countries.fields.CountryField(blank=True, max_length=2, verbose_name='its country')),
                        ('external_contact', models.CharField(blank=True, max_length=300, verbose_name='its contact')),
                        ('purpose', models.CharField(choices=[('shelter', 'Shelter placement'), ('medical', 'Medical care'), ('counselling', 'Psychological counselling'), ('legal_aid', 'Legal aid'), ('interpretation', 'Interpretation'), ('accompaniment', 'Accompaniment at interviews and in court'), ('living_allowance', 'Living allowance'), ('vocational_training', 'Vocational training'), ('residence_permit', 'Temporary residence permit'), ('work_permit', 'Work permit'), ('repatriation', 'Repatriation'), ('resettlement', 'Resettlement and follow-up'), ('compensation', 'Compensation claim'), ('investigation', 'Investigation'), ('prosecution', 'Prosecution'), ('hotline', 'Hotline'), ('outreach', 'Outreach and prevention')], max_length=32, verbose_name='purpose')),
                        ('sections', models.JSONField(blank=True, default=list, verbose_name='sections shared')),
                        ('message', models.TextField(blank=True, help_text='What they need to know to decide. No names or contact details.', max_length=4000, verbose_name='message to the receiving agency')),
                        ('status', models.CharField(choices=[('sent', 'Sent, awaiting response'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('closed', 'Closed'), ('revoked', 'Revoked'), ('recorded', 'Recorded (external)')], default='sent', editable=False, max_length=16, verbose_name='status')),
                        ('sent_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='sent')),
                        ('respond_by', models.DateField(blank=True, null=True, verbose_name='respond by')),
                        ('responded_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='responded')),
                        ('decline_reason', models.CharField(blank=True, choices=[('no_capacity', 'No capacity'), ('outside_mandate', 'Outside our mandate'), ('not_reachable', 'Person not reachable'), ('other', 'Other')], max_length=32, verbose_name='reason for declining')),
                        ('decline_note', models.TextField(blank=True, max_length=4000, verbose_name='explanation')),
                        ('consent_override_reason', models.TextField(blank=True, max_length=4000, verbose_name='reason for sending without consent')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('assigned_to', models.ManyToManyField(blank=True, related_name='assigned_referrals', to=settings.AUTH_USER_MODEL, verbose_name='assigned staff')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='cases.case', verbose_name='case')),
                        ('consent_override_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='consent override by')),
                        ('created_by', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('from_agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals_out', to='partners.agency', verbose_name='referring agency')),
                        ('responded_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responded by')),
                        ('to_agency', models.ForeignKey(blank=True, help_text='Leave empty for an organisation that is not on Harbor.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='referrals_in', to='partners.agency', verbose_name='receiving agency')),
                        ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
                    ],
                    options={
                        'verbose_name': 'referral',
                        'verbose_name_plural': 'referrals',
                        'db_table': 'partners_referral',
                        'ordering': ['-sent_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ReferralTransition',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('from_status', models.CharField(choices=[('sent', 'Sent, awaiting response'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('closed', 'Closed'), ('revoked', 'Revoked'), ('recorded', 'Recorded (external)')], max_length=16, verbose_name='from')),
                        ('to_status', models.CharField(choices=[('sent', 'Sent, awaiting response'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('closed', 'Closed'), ('revoked', 'Revoked'), ('recorded', 'Recorded (external)')], max_length=16, verbose_name='to')),
                        ('note', models.TextField(blank=True, max_length=4000, verbose_name='note')),
                        ('occurred_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                        ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('referral', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='cooperation.referral', verbose_name='referral')),
                    ],
                    options={
                        'verbose_name': 'referral status change',
                        'verbose_name_plural': 'referral status changes',
                        'db_table': 'partners_referraltransition',
                        'ordering': ['-occurred_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ReferralUpdate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('occurred_on', models.DateField(default=django.utils.timezone.localdate, verbose_name='date')),
                        ('text', models.TextField(max_length=4000, verbose_name='update')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded')),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('referral', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='cooperation.referral', verbose_name='referral')),
                    ],
                    options={
                        'verbose_name': 'referral update',
                        'verbose_name_plural': 'referral updates',
                        'db_table': 'partners_referralupdate',
                        'ordering': ['-occurred_on', '-pk'],
                    },
                ),
                migrations.AddIndex(
                    model_name='referral',
                    index=models.Index(fields=['to_agency', 'status'], name='partners_re_to_agen_acfaa6_idx'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
