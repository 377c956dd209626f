"""Drop the free-text charges and the single outcome of a criminal matter (0013 moved
them to charge rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_criminal_matters")]

    operations = [
        migrations.RemoveField(model_name="criminalexposure", name="charges_text"),
        migrations.RemoveField(model_name="criminalexposure", name="outcome"),
    ]
