"""A person's photo is encrypted under a data key of its own, wrapped by the field keys.

Photos stored as one Fernet token of the field keys are decrypted and encrypted again
in the file format of crypto.files; a photo that already holds a wrapped key is left
alone, so the migration can run twice. Backwards, they become field-key tokens again.
"""

from django.db import migrations

import crypto
import crypto.files


def seal_photos_with_data_keys(apps, schema_editor):
    PersonPhoto = apps.get_model("victims", "PersonPhoto")
    pending = PersonPhoto._base_manager.filter(wrapped_key="").order_by("pk")
    for pk in list(pending.values_list("pk", flat=True)):
        photo = PersonPhoto._base_manager.get(pk=pk)
        jpeg = crypto.decrypt_bytes(bytes(photo.ciphertext))
        ciphertext, wrapped_key = crypto.files.encrypt_blob(jpeg)
        PersonPhoto._base_manager.filter(pk=photo.pk).update(
            ciphertext=ciphertext, wrapped_key=wrapped_key
        )


def seal_photos_with_field_keys(apps, schema_editor):
    PersonPhoto = apps.get_model("victims", "PersonPhoto")
    sealed = PersonPhoto._base_manager.exclude(wrapped_key="").order_by("pk")
    for pk in list(sealed.values_list("pk", flat=True)):
        photo = PersonPhoto._base_manager.get(pk=pk)
        jpeg = crypto.files.decrypt_blob(bytes(photo.ciphertext), photo.wrapped_key)
        PersonPhoto._base_manager.filter(pk=photo.pk).update(
            ciphertext=crypto.encrypt_bytes(jpeg), wrapped_key=""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0009_encrypt_free_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="personphoto",
            name="wrapped_key",
            field=crypto.files.WrappedKeyField(
                blank=True, default="", editable=False, verbose_name="wrapped data key"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(seal_photos_with_data_keys, seal_photos_with_field_keys),
    ]
