"""Attachments are encrypted at rest, each under a data key of its own (crypto.files).

Every file stored in clear is encrypted to a new random name, its row then names the
new file and holds the wrapped data key, and only then is the clear file deleted. The
migration is not atomic on purpose: each row commits before its clear file goes, so an
interrupted run loses nothing and a second run converts what is left (rows that already
hold a wrapped key are skipped). Backwards, the files are decrypted again.
"""

import posixpath
import uuid

from django.core.files.base import ContentFile
from django.db import migrations

import crypto.files


def _new_name(old_name, suffix):
    return posixpath.join(posixpath.dirname(old_name), f"{uuid.uuid4().hex}.{suffix}")


def encrypt_stored_files(apps, schema_editor):
    Attachment = apps.get_model("cases", "Attachment")
    storage = Attachment._meta.get_field("file").storage
    pending = Attachment._base_manager.filter(wrapped_key="").order_by("pk")
    for pk, old_name in list(pending.values_list("pk", "file")):
        if not old_name or not storage.exists(old_name):
            continue  # Nothing on disk to protect; the download reports the missing file.
        with storage.open(old_name, "rb") as clear:
            sealed = crypto.files.EncryptingFile(clear, old_name, storage.size(old_name))
            new_name = storage.save(_new_name(old_name, "enc"), sealed)
        Attachment._base_manager.filter(pk=pk).update(file=new_name, wrapped_key=sealed.wrapped_key)
        storage.delete(old_name)


def decrypt_stored_files(apps, schema_editor):
    Attachment = apps.get_model("cases", "Attachment")
    storage = Attachment._meta.get_field("file").storage
    sealed = Attachment._base_manager.exclude(wrapped_key="").order_by("pk")
    for pk, old_name, wrapped_key in list(sealed.values_list("pk", "file", "wrapped_key")):
        if not storage.exists(old_name):
            continue
        clear = b"".join(crypto.files.decrypt_stream(storage.open(old_name, "rb"), wrapped_key))
        new_name = storage.save(_new_name(old_name, "bin"), ContentFile(clear))
        Attachment._base_manager.filter(pk=pk).update(file=new_name, wrapped_key="")
        storage.delete(old_name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0009_encrypt_free_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="wrapped_key",
            field=crypto.files.WrappedKeyField(
                blank=True, default="", editable=False, verbose_name="wrapped data key"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_stored_files, decrypt_stored_files),
    ]
