"""Uploads never become a plaintext file outside private storage: they are held in
memory (a worker killed mid-request leaves nothing in the temp folder), and a request
too large to hold is refused with a 400, never a 500."""

from __future__ import annotations

import tempfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.urls import reverse

from cases.models import Attachment, Case
from crypto.files import encrypted_size
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_private_storage(private_storage):
    """Every test here stores its uploads in a temporary private folder."""
    return private_storage


@pytest.fixture
def case(agency_a, caseworker) -> Case:
    """A case of agency A that `caseworker` works."""
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


@pytest.fixture
def temp_folder(monkeypatch, tmp_path):
    """The system temp folder, as Django's upload handlers find it, for this test alone."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    assert tempfile.gettempdir() == str(folder)
    return folder


def _pdf(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("statement.pdf", b"%PDF-" + b"x" * (size - 5))


def _upload(client, case, upload: SimpleUploadedFile):
    return client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"file": upload, "description": "Statement"},
    )


def test_a_file_just_under_the_cap_is_stored_without_a_temporary_file(
    login, caseworker, case, temp_folder, private_storage
):
    before = sorted(temp_folder.iterdir())
    response = _upload(login(caseworker), case, _pdf(settings.HARBOR_ATTACHMENT_MAX_BYTES - 1))
    assert response.status_code == 302
    assert isinstance(response.wsgi_request.FILES["file"], InMemoryUploadedFile)
    assert sorted(temp_folder.iterdir()) == before
    attachment = Attachment.objects.get()
    stored = (private_storage / attachment.file.name).stat().st_size
    assert stored == encrypted_size(attachment.size)  # written whole, encrypted


def test_a_file_just_over_the_cap_is_a_form_error(login, caseworker, case, temp_folder):
    response = _upload(login(caseworker), case, _pdf(settings.HARBOR_ATTACHMENT_MAX_BYTES + 1))
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert list(temp_folder.iterdir()) == []
    assert not Attachment.objects.exists()


def test_a_request_larger_than_memory_holds_is_refused_with_a_400(
    login, caseworker, case, temp_folder
):
    client = login(caseworker)
    client.raise_request_exception = False
    response = _upload(client, case, _pdf(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert list(temp_folder.iterdir()) == []
    assert not Attachment.objects.exists()
