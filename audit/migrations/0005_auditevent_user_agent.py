# Written by hand (the tree did not load while another change was in progress); it is
# what `makemigrations audit` generates for the new field.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_second_factor'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='user_agent',
            field=models.CharField(blank=True, max_length=256, verbose_name='user agent'),
        ),
    ]
