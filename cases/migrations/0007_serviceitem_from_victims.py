
import crypto
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep permission and content-type rows: the model changed app, not identity."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="cases", model="serviceitem").exists():
        content_type.objects.filter(app_label="victims", model="serviceitem").update(
            app_label="cases"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_defendant_outcome'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('partners', '0003_move_referrals_and_mla_to_cooperation'),
        # The table victims_serviceitem is built by victims' migrations up to 0005.
        ('victims', '0005_person_photo'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # ServiceItem moved here from victims; the table victims_serviceitem is kept.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ServiceItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('service_type', models.CharField(choices=[('shelter', 'Shelter placement'), ('medical', 'Medical care'), ('counselling', 'Psychological counselling'), ('legal_aid', 'Legal aid'), ('interpretation', 'Interpretation'), ('accompaniment', 'Accompaniment at interviews and in court'), ('living_allowance', 'Living allowance'), ('vocational_training', 'Vocational training'), ('residence_permit', 'Temporary residence permit'), ('work_permit', 'Work permit'), ('repatriation', 'Repatriation'), ('resettlement', 'Resettlement and follow-up'), ('compensation', 'Compensation claim'), ('investigation', 'Investigation'), ('prosecution', 'Prosecution'), ('hotline', 'Hotline'), ('outreach', 'Outreach and prevention')], max_length=32, verbose_name='service')),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('declined', 'Declined'), ('cancelled', 'Cancelled')], default='planned', max_length=16, verbose_name='status')),
                        ('start_date', models.DateField(blank=True, null=True, verbose_name='start date')),
                        ('end_date', models.DateField(blank=True, null=True, verbose_name='end date')),
                        ('due_date', models.DateField(blank=True, null=True, verbose_name='due date')),
                        ('outcome', models.TextField(blank=True, max_length=4000, verbose_name='outcome')),
                        ('shelter_location', crypto.EncryptedTextField(blank=True, help_text='Sensitive: shown only to the caseworker and the supervisor.', max_length=500, verbose_name='shelter location')),
                        ('language', models.CharField(blank=True, max_length=100, verbose_name='language')),
                        ('interpreter', models.CharField(blank=True, max_length=200, verbose_name='interpreter')),
                        ('hearing', models.CharField(blank=True, max_length=200, verbose_name='for which interview or hearing')),
                        ('permit_number', crypto.EncryptedTextField(blank=True, max_length=100, verbose_name='permit number')),
                        ('permit_issued_on', models.DateField(blank=True, null=True, verbose_name='permit issued')),
                        ('permit_expires_on', models.DateField(blank=True, null=True, verbose_name='permit expiry')),
                        ('embassy_contact', models.CharField(blank=True, max_length=200, verbose_name='embassy contact')),
                        ('travel_document', models.CharField(blank=True, max_length=200, verbose_name='travel document')),
                        ('receiving_organisation', models.CharField(blank=True, max_length=200, verbose_name='receiving organisation abroad')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_items', to='cases.case', verbose_name='case')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('provider', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='partners.agency', verbose_name='provider agency')),
                    ],
                    options={
                        'verbose_name': 'service',
                        'verbose_name_plural': 'services',
                        'db_table': 'victims_serviceitem',
                        'ordering': ['case', 'created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
