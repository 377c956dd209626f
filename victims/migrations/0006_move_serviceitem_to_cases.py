
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('victims', '0005_person_photo'),
        ('cases', '0007_serviceitem_from_victims'),
    ]

    operations = [
        # ServiceItem moved to the cases app (protection track); its table stays.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='ServiceItem',
                ),
            ],
            database_operations=[],
        ),
    ]
