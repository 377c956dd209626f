"""A person's photo: image-only, capped, metadata stripped, encrypted, for identity roles."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image, PngImagePlugin

from audit.models import AuditEvent
from victims.forms import PHOTO_MAX_BYTES
from victims.models import PersonPhoto

pytestmark = pytest.mark.django_db

CANARY = "CANARY-GPS-25.0330N-121.5654E"


def _png(text: str = CANARY, size: tuple[int, int] = (40, 30)) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def _upload(client, person, content: bytes, name: str = "photo.png"):
    return client.post(
        reverse("victims:person_photo_upload", args=[person.pk]),
        {"photo": SimpleUploadedFile(name, content, content_type="image/png")},
    )


def test_upload_stores_a_metadata_free_jpeg_encrypted(login, caseworker, person, case):
    response = _upload(login(caseworker), person, _png())
    assert response.status_code == 302
    photo = PersonPhoto.objects.get(person=person)
    raw = bytes(photo.ciphertext)
    assert not raw.startswith(b"\xff\xd8")  # not a JPEG in the database
    assert CANARY.encode() not in raw

    served = login(caseworker).get(reverse("victims:person_photo", args=[person.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    body = b"".join(served) if served.streaming else served.content
    assert body.startswith(b"\xff\xd8")
    assert CANARY.encode() not in body  # the PNG text chunk did not survive re-encoding
    assert Image.open(io.BytesIO(body)).size == (40, 30)


def test_every_photo_view_and_change_is_audited_without_values(login, caseworker, person, case):
    client = login(caseworker)
    _upload(client, person, _png())
    client.get(reverse("victims:person_photo", args=[person.pk]))
    client.post(reverse("victims:person_photo_remove", args=[person.pk]))
    actions = list(
        AuditEvent.objects.filter(object_type="victims.personphoto")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["update", "view", "delete"]
    assert not PersonPhoto.objects.filter(person=person).exists()


@pytest.mark.postgres
def test_no_image_bytes_in_clear_in_the_table(login, caseworker, person, case):
    _upload(login(caseworker), person, _png())
    with connection.cursor() as cursor:
        cursor.execute("SELECT encode(ciphertext, 'escape') FROM victims_personphoto")
        (stored,) = cursor.fetchone()
    assert "JFIF" not in stored
    assert CANARY not in stored


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"just some text, not an image", "not a JPEG, PNG or WebP image"),
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not a JPEG, PNG or WebP image"),
        ("empty.png", b"", "The submitted file is empty"),
    ],
)
def test_a_file_that_is_not_an_accepted_image_is_refused_naming_the_field(
    login, caseworker, person, case, name, content, message
):
    response = _upload(login(caseworker), person, content, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'id="id_photo"' in page
    assert not PersonPhoto.objects.exists()


def test_a_photo_over_the_size_cap_is_refused(login, caseworker, person, case):
    response = _upload(login(caseworker), person, _png() + b"\0" * PHOTO_MAX_BYTES)
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()
    assert not PersonPhoto.objects.exists()


def test_a_decompression_bomb_is_refused_before_decoding(login, caseworker, person, case):
    response = _upload(login(caseworker), person, _png(size=(8000, 6000)))
    assert response.status_code == 400
    assert "too many pixels" in response.content.decode()


def test_outsiders_get_404_and_non_identity_roles_403(
    login, caseworker, outsider, agency_admin, person, case
):
    _upload(login(caseworker), person, _png())
    urls = [
        ("get", reverse("victims:person_photo", args=[person.pk])),
        ("post", reverse("victims:person_photo_upload", args=[person.pk])),
        ("post", reverse("victims:person_photo_remove", args=[person.pk])),
    ]
    for method, url in urls:
        assert getattr(login(outsider), method)(url).status_code == 404
    assert login(agency_admin).get(urls[0][1]).status_code in (403, 404)
    assert PersonPhoto.objects.filter(person=person).exists()


def test_the_photo_shows_only_after_revealing_identity(login, caseworker, person, case):
    client = login(caseworker)
    _upload(client, person, _png())
    photo_url = reverse("victims:person_photo", args=[person.pk])
    assert photo_url not in client.get(person.get_absolute_url()).content.decode()
    revealed = client.post(reverse("victims:person_reveal", args=[person.pk]))
    assert photo_url in revealed.content.decode()
