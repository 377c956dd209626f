"""Attachments and photos are encrypted at rest, each under a data key of its own, and
decrypted only by the permission-checked download; a damaged file never opens."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Attachment, Case
from crypto import DecryptionError, encrypt_bytes
from crypto.files import (
    CHUNK_SIZE,
    TAG_SIZE,
    decrypt_blob,
    decrypt_stream,
    encrypt_blob,
    encrypt_stream,
    encrypted_size,
    verify_stream,
)
from tests.factories import CaseFactory
from victims.models import PersonPhoto
from victims.services import set_person_photo

pytestmark = pytest.mark.django_db

CANARY = b"CANARY-PASSPORT-C0FFEE-4242"
HEADER_SIZE = encrypted_size(0) - TAG_SIZE
# A statement spanning several chunks, the canary in each of them.
STATEMENT = b"".join(
    CANARY + b" line %d of the statement\n" % n for n in range(3 * CHUNK_SIZE // 40)
)


@pytest.fixture(autouse=True)
def _uploads_in_private_storage(private_storage):
    """Every test here stores its uploads in a temporary private folder."""
    return private_storage


@pytest.fixture
def case(agency_a, caseworker) -> Case:
    """A case of agency A that `caseworker` works."""
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


def _sealed(plaintext: bytes) -> tuple[bytes, str]:
    out = io.BytesIO()
    wrapped_key = encrypt_stream(io.BytesIO(plaintext), out)
    return out.getvalue(), wrapped_key


def _open(ciphertext: bytes, wrapped_key: str) -> bytes:
    return b"".join(decrypt_stream(io.BytesIO(ciphertext), wrapped_key))


def _upload(client, case, content: bytes, name: str = "statement.txt"):
    return client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"file": SimpleUploadedFile(name, content), "description": "Statement"},
    )


def _download(client, attachment: Attachment):
    return client.get(
        reverse("cases:attachment_download", args=[attachment.case_id, attachment.pk])
    )


# --- the format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 7]
)
def test_any_size_round_trips_and_the_size_is_predictable(size):
    plaintext = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    ciphertext, wrapped_key = _sealed(plaintext)
    assert len(ciphertext) == encrypted_size(size)
    assert _open(ciphertext, wrapped_key) == plaintext


def test_every_file_has_its_own_data_key_and_nonces():
    first, first_key = _sealed(STATEMENT)
    second, second_key = _sealed(STATEMENT)
    assert first_key != second_key
    assert first[HEADER_SIZE:] != second[HEADER_SIZE:]
    assert CANARY not in first


def _chunks(ciphertext: bytes) -> list[bytes]:
    body, stored = ciphertext[HEADER_SIZE:], CHUNK_SIZE + TAG_SIZE
    return [body[i : i + stored] for i in range(0, len(body), stored)]


def _damaged(ciphertext: bytes) -> dict[str, bytes]:
    header, chunks = ciphertext[:HEADER_SIZE], _chunks(ciphertext)
    flipped = bytearray(ciphertext)
    flipped[HEADER_SIZE + CHUNK_SIZE + 5] ^= 1
    return {
        "a flipped bit": bytes(flipped),
        "cut at a chunk boundary": header + b"".join(chunks[:2]),
        "cut inside a chunk": ciphertext[:-100],
        "chunks reordered": header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "a chunk dropped": header + chunks[0] + b"".join(chunks[2:]),
        "bytes appended": ciphertext + b"\0" * 32,
        "another header": b"HBRF\x01" + ciphertext[5:9] + b"\0\0\0\0" + ciphertext[HEADER_SIZE:],
        "not our format": b"%PDF" + ciphertext[4:],
        "header only": header,
    }


@pytest.mark.parametrize(
    "damage",
    list(_damaged(encrypt_blob(STATEMENT)[0])),  # the names only
)
def test_a_damaged_file_fails_before_any_plaintext_comes_out(damage):
    ciphertext, wrapped_key = _sealed(STATEMENT)
    damaged = _damaged(ciphertext)[damage]
    with pytest.raises(DecryptionError):
        decrypt_stream(io.BytesIO(damaged), wrapped_key)
    with pytest.raises(DecryptionError):
        verify_stream(io.BytesIO(damaged), wrapped_key)


def test_a_file_does_not_open_with_another_files_key():
    ciphertext, _key = _sealed(STATEMENT)
    _other, other_key = _sealed(STATEMENT)
    with pytest.raises(DecryptionError):
        _open(ciphertext, other_key)
    with pytest.raises(DecryptionError):
        _open(ciphertext, "")


# --- attachments ------------------------------------------------------------------------


def test_an_upload_is_stored_encrypted_and_downloads_byte_for_byte(
    login, case, caseworker, private_storage
):
    assert _upload(login(caseworker), case, STATEMENT).status_code == 302
    attachment = Attachment.objects.get()
    stored = (private_storage / attachment.file.name).read_bytes()
    assert CANARY not in stored
    assert len(stored) == encrypted_size(len(STATEMENT))
    assert attachment.file.name.endswith(".enc") and attachment.wrapped_key
    on_disk = [path.read_bytes() for path in private_storage.rglob("*") if path.is_file()]
    assert on_disk == [stored]  # no clear copy anywhere in private storage

    response = _download(login(caseworker), attachment)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Length"] == str(len(STATEMENT))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == STATEMENT


def test_a_tampered_stored_file_is_an_error_not_a_partial_download(
    login, case, caseworker, private_storage
):
    _upload(login(caseworker), case, STATEMENT)
    attachment = Attachment.objects.get()
    path = private_storage / attachment.file.name
    path.write_bytes(path.read_bytes()[: -CHUNK_SIZE // 2])  # truncated in the last chunk
    client = login(caseworker)
    with pytest.raises(DecryptionError):
        _download(client, attachment)
    client.raise_request_exception = False
    response = _download(client, attachment)
    assert response.status_code == 500
    assert CANARY not in response.content


def test_an_outsider_gets_404_not_the_file(login, case, caseworker, outsider):
    _upload(login(caseworker), case, STATEMENT)
    response = _download(login(outsider), Attachment.objects.get())
    assert response.status_code == 404


def _migration(name: str):
    return importlib.import_module(name)


def test_the_migration_encrypts_clear_files_once(case, caseworker, private_storage):
    attachment = Attachment.objects.create(
        case=case,
        file=ContentFile(STATEMENT, name="legacy.txt"),
        original_name="legacy.txt",
        content_type="text/plain",
        size=len(STATEMENT),
        uploaded_by=caseworker,
    )
    clear_path = private_storage / attachment.file.name
    assert clear_path.read_bytes() == STATEMENT
    migration = _migration("cases.migrations.0010_attachment_encrypted_files")

    migration.encrypt_stored_files(apps, None)
    attachment.refresh_from_db()
    assert not clear_path.exists()
    stored = (private_storage / attachment.file.name).read_bytes()
    assert CANARY not in stored
    with attachment.file.open("rb") as body:
        assert b"".join(decrypt_stream(body, attachment.wrapped_key)) == STATEMENT

    migration.encrypt_stored_files(apps, None)  # a second run changes nothing
    assert Attachment.objects.get().file.name == attachment.file.name
    assert (private_storage / attachment.file.name).read_bytes() == stored

    migration.decrypt_stored_files(apps, None)  # backwards: the clear file again
    attachment.refresh_from_db()
    assert attachment.wrapped_key == ""
    assert (private_storage / attachment.file.name).read_bytes() == STATEMENT


# --- photos -----------------------------------------------------------------------------


def test_a_photo_has_its_own_data_key(person_with_case, caseworker):
    jpeg = b"\xff\xd8\xff\xe0" + CANARY + b"\xff\xd9"
    photo = set_person_photo(person_with_case, jpeg, actor=caseworker)
    assert photo.wrapped_key
    assert CANARY not in bytes(photo.ciphertext)
    assert decrypt_blob(photo.ciphertext, photo.wrapped_key) == jpeg


def test_the_migration_gives_old_photos_a_data_key(person_with_case, caseworker):
    jpeg = b"\xff\xd8\xff\xe0" + CANARY + b"\xff\xd9"
    PersonPhoto.objects.create(
        person=person_with_case, ciphertext=encrypt_bytes(jpeg), uploaded_by=caseworker
    )
    migration = _migration("victims.migrations.0010_photo_data_keys")
    migration.seal_photos_with_data_keys(apps, None)
    photo = PersonPhoto.objects.get()
    assert decrypt_blob(photo.ciphertext, photo.wrapped_key) == jpeg
    migration.seal_photos_with_data_keys(apps, None)  # idempotent
    assert bytes(PersonPhoto.objects.get().ciphertext) == bytes(photo.ciphertext)


@pytest.fixture
def person_with_case(case):
    """The person of `case`."""
    return case.person
