"""`manage.py rotate_keys` moves every encrypted value and every file data key to the
first field key, never rewrites a file body, and is idempotent and resumable.

The benchmark (10,000 encrypted person rows and 100 files by default; set
HARBOR_BENCH_ROWS to change the row count) prints its elapsed time: run it with
`pytest -s tests/test_rotate_keys.py -k benchmark -p no:xdist` to read the figure.
"""

from __future__ import annotations

import datetime
import io
import os
import time

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import ExpressionWrapper, F, TextField

from cases.models import Attachment, Case
from cases.services import add_attachment
from config.management.commands.rotate_keys import sealed_columns
from crypto import DecryptionError, under_first_key
from crypto.files import decrypt_blob, decrypt_stream, unwrap
from tests.factories import CaseFactory
from victims.models import EncryptionSentinel, Person, PersonPhoto
from victims.services import set_person_photo

pytestmark = pytest.mark.django_db

BENCH_ROWS = int(os.environ.get("HARBOR_BENCH_ROWS", "10000"))
BENCH_FILES = 100
CANARY = b"CANARY-ROTATION-5EA1ED"


def _key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _uploads_in_private_storage(private_storage):
    """Every test here stores its uploads in a temporary private folder."""
    return private_storage


@pytest.fixture
def keys(settings):
    """Key A in front of the suite's own key; `keys.rotate_to(B)` and `keys.only(B)`."""

    class Keys:
        old = [_key(), *settings.HARBOR_FIELD_KEYS]
        new = _key()

        def rotate_to_new(self) -> None:
            settings.HARBOR_FIELD_KEYS = [self.new, *self.old]

        def only_new(self) -> None:
            settings.HARBOR_FIELD_KEYS = [self.new]

    settings.HARBOR_FIELD_KEYS = Keys.old
    return Keys()


@pytest.fixture
def case(agency_a, caseworker) -> Case:
    """A case of agency A that `caseworker` works."""
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


def _attach(case: Case, actor, n: int) -> Attachment:
    content = CANARY + b" statement %d\n" % n
    attachment = Attachment(
        case=case,
        file=SimpleUploadedFile(f"statement-{n}.txt", content),
        original_name=f"statement-{n}.txt",
        content_type="text/plain",
        size=len(content),
    )
    return add_attachment(attachment, actor=actor)


def _rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_keys", "--no-progress", *args, stdout=out)
    return out.getvalue()


def _stored_bodies(private_storage) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes()
        for path in sorted(private_storage.rglob("*"))
        if path.is_file()
    }


def _raw_tokens() -> list[str]:
    """Every token in every sealed column, read raw (as the command reads them)."""
    tokens = []
    for sealed in sealed_columns():
        for column in sealed.columns:
            raw = ExpressionWrapper(F(column), output_field=TextField())
            rows = sealed.model._base_manager.order_by("pk").annotate(raw_token=raw)
            tokens += [token for token in rows.values_list("raw_token", flat=True) if token]
    return tokens


def _everything_opens_with_only_the_new_key(keys, private_storage) -> None:
    keys.only_new()
    assert all(under_first_key(token) for token in _raw_tokens())
    for sealed in sealed_columns():
        list(sealed.model._base_manager.all())  # every encrypted field decrypts on load
    for attachment in Attachment.objects.all():
        with attachment.file.open("rb") as body:
            assert CANARY in b"".join(decrypt_stream(body, attachment.wrapped_key))
    for photo in PersonPhoto.objects.all():
        assert decrypt_blob(photo.ciphertext, photo.wrapped_key).startswith(b"\xff\xd8")
    assert EncryptionSentinel.objects.exists()
    assert "Rotated 0 value(s)" in _rotate()


def test_rotation_rewraps_file_keys_without_touching_file_bodies(
    keys, case, caseworker, private_storage
):
    attachments = [_attach(case, caseworker, n) for n in range(3)]
    photo = set_person_photo(case.person, b"\xff\xd8" + CANARY + b"\xff\xd9", actor=caseworker)
    bodies = _stored_bodies(private_storage)
    keys.rotate_to_new()

    assert "cases.Attachment: rotated" in _rotate()
    assert _stored_bodies(private_storage) == bodies
    for attachment in attachments:
        fresh = Attachment.objects.get(pk=attachment.pk)
        assert fresh.wrapped_key != attachment.wrapped_key
        assert unwrap(fresh.wrapped_key) == unwrap(attachment.wrapped_key)
    fresh_photo = PersonPhoto.objects.get()
    assert bytes(fresh_photo.ciphertext) == bytes(photo.ciphertext)
    assert fresh_photo.wrapped_key != photo.wrapped_key
    _everything_opens_with_only_the_new_key(keys, private_storage)


def test_a_second_run_changes_nothing_and_a_dry_run_only_counts(keys, case, caseworker):
    _attach(case, caseworker, 1)
    keys.rotate_to_new()
    dry = _rotate("--dry-run")
    assert "Would rotate" in dry
    assert not any(under_first_key(token) for token in _raw_tokens())  # nothing written

    _rotate()
    before = _raw_tokens()
    assert "Rotated 0 value(s)" in _rotate()
    assert _raw_tokens() == before


def test_an_interrupted_rotation_is_completed_by_running_it_again(
    keys, settings, case, caseworker, private_storage
):
    """A value no configured key opens stops the run with an error naming the row, not
    the value; the rest is rotated, and once the key is back a rerun finishes the job."""
    _attach(case, caseworker, 1)
    stray_key = _key()
    settings.HARBOR_FIELD_KEYS = [stray_key]
    stray = Person.objects.create(
        agency=case.agency, code="P-STRAY", created_by=caseworker, legal_name="Stray Person"
    )
    keys.rotate_to_new()

    with pytest.raises(CommandError, match=f"victims.Person pk={stray.pk} legal_name"):
        _rotate()

    settings.HARBOR_FIELD_KEYS = [keys.new, *keys.old, stray_key]
    assert "victims.Person: rotated 1 value(s)" in _rotate()
    _everything_opens_with_only_the_new_key(keys, private_storage)
    assert Person.objects.get(pk=stray.pk).legal_name == "Stray Person"


def test_an_unknown_token_is_reported_without_its_value(keys, settings, case, caseworker):
    keys.only_new()
    with pytest.raises(CommandError) as error:
        _rotate()
    assert "legal_name" in str(error.value)
    assert "gAAAA" not in str(error.value)  # no token, no value in the message
    with pytest.raises(DecryptionError):
        Person.objects.get(pk=case.person.pk)


def test_benchmark_rotation_of_many_rows_and_files(keys, agency_a, case, caseworker):
    Person.objects.bulk_create(
        [
            Person(
                agency=agency_a,
                code=f"P-BENCH-{n:06d}",
                created_by=caseworker,
                legal_name=f"Bench Person {n}",
                date_of_birth=datetime.date(1990, 1, 1) + datetime.timedelta(days=n % 9000),
                document_numbers=f"B{n:07d}",
                phone=f"+886 900 {n:06d}",
            )
            for n in range(BENCH_ROWS)
        ],
        batch_size=1000,
    )
    for n in range(BENCH_FILES):
        _attach(case, caseworker, n)
    keys.rotate_to_new()

    started = time.perf_counter()
    output = _rotate()
    elapsed = time.perf_counter() - started

    assert "cases.Attachment: rotated" in output
    rotated = int(output.split("Rotated ")[1].split(" ")[0])
    assert rotated >= 4 * BENCH_ROWS + BENCH_FILES
    print(
        f"\nrotate_keys: {rotated} values ({BENCH_ROWS} persons, {BENCH_FILES} files) "
        f"in {elapsed:.2f} s"
    )
    started = time.perf_counter()
    keys.only_new()
    opened = [person.legal_name for person in Person.objects.filter(code__startswith="P-BENCH-")]
    assert len(opened) == BENCH_ROWS
    for attachment in Attachment.objects.all():
        with attachment.file.open("rb") as body:
            assert CANARY in b"".join(decrypt_stream(body, attachment.wrapped_key))
    print(f"reading everything back with only the new key: {time.perf_counter() - started:.2f} s")
