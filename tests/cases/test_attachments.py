import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Attachment
from crypto.files import decrypt_stream

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%fictional\n"


@pytest.fixture(autouse=True)
def _uploads_in_private_storage(private_storage):
    """Every test here stores its uploads in a temporary private folder."""
    return private_storage


def _upload(client, case, name: str, content: bytes):
    return client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"file": SimpleUploadedFile(name, content), "description": "Statement"},
    )


@pytest.mark.parametrize(
    ("name", "content"), [("scan.png", PNG), ("record.pdf", PDF), ("n.txt", b"plain")]
)
def test_allowed_files_are_stored_privately(
    login, case, caseworker, private_storage, name, content
):
    response = _upload(login(caseworker), case, name, content)
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == name
    assert not attachment.file.name.endswith(name)  # random name on disk
    stored = (private_storage / attachment.file.name).read_bytes()
    assert stored.startswith(b"HBRF") and content not in stored  # encrypted at rest
    with (private_storage / attachment.file.name).open("rb") as body:
        assert b"".join(decrypt_stream(body, attachment.wrapped_key)) == content


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("run.exe", b"MZ\x90\x00", "not allowed"),
        ("page.html", b"<script>alert(1)</script>", "not allowed"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not match"),
        ("fake.png", PDF, "does not match"),
        ("fake.jpg", PNG, "does not match"),
        ("bin.txt", b"\x00\x01\x02", "does not match"),
    ],
)
def test_disallowed_or_disguised_files_are_refused(login, case, caseworker, name, content, error):
    response = _upload(login(caseworker), case, name, content)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Attachment.objects.exists()


def test_files_over_the_size_cap_are_refused(login, case, caseworker, settings):
    settings.HARBOR_ATTACHMENT_MAX_BYTES = 1024
    response = _upload(login(caseworker), case, "big.pdf", PDF + b"x" * 2000)
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not Attachment.objects.exists()


def test_download_is_an_attachment_with_nosniff_and_audited(login, case, caseworker, supervisor):
    _upload(login(caseworker), case, "scan.png", PNG)
    attachment = Attachment.objects.get()
    response = login(supervisor).get(
        reverse("cases:attachment_download", args=[case.pk, attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="scan.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(
        action="download", actor=supervisor, object_id=str(attachment.pk)
    ).exists()


def test_attachment_of_another_case_is_404(login, case, caseworker, agency_a):
    from tests.factories import CaseFactory

    _upload(login(caseworker), case, "scan.png", PNG)
    attachment = Attachment.objects.get()
    mine = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    response = login(caseworker).get(
        reverse("cases:attachment_download", args=[mine.pk, attachment.pk])
    )
    assert response.status_code == 404


def test_a_failed_save_leaves_no_file_behind(login, case, caseworker, private_storage, monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("cases.services.record_event", refuse)
    client = login(caseworker)
    client.raise_request_exception = False
    response = _upload(client, case, "record.pdf", PDF)
    assert response.status_code == 500
    assert not Attachment.objects.exists()
    assert [path for path in private_storage.rglob("*") if path.is_file()] == []
