from __future__ import annotations

import io
import json

import pytest
import pyzipper
from django.urls import reverse

from audit.models import AuditEvent
from tests.privacy.conftest import CANARY, canary, make_canary_case
from victims.services import set_person_photo

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery"


@pytest.fixture
def case(agency_a, caseworker, supervisor, private_storage):
    return make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)


def _url(person) -> str:
    return reverse("privacy:person_subject_access", args=[person.pk])


def _download(client, person, passphrase=PASSPHRASE, confirmation=None):
    return client.post(
        _url(person),
        {"passphrase": passphrase, "confirmation": confirmation or passphrase},
    )


def test_the_package_opens_with_its_passphrase_and_holds_everything(case, supervisor, login):
    response = _download(login(supervisor), case.person)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as package:
        package.setpassword(PASSPHRASE.encode())
        names = package.namelist()
        summary = package.read("summary.html").decode()
        data = package.read("data.json").decode()
        files = [package.read(name) for name in names if name.startswith("files/")]
    for field in (
        "legal_name",
        "address",
        "place",
        "note",
        "outcome",
        "shelter",
        "screening",
        "answer",
        "referral",
        "update",
        "consent",
        "mla",
        "defendant",
    ):
        assert canary(field) in data, field
        assert canary(field) in summary, field
    assert files == [canary("file_body").encode()]
    sections = json.loads(data)["sections"]
    assert "historicalperson" in " ".join(sections)
    assert "victims.consentrecord" in sections
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, object_type="victims.person", object_id=str(case.person_id)
    ).exists()
    assert PASSPHRASE not in str(list(AuditEvent.objects.values_list()))


def test_a_wrong_passphrase_does_not_open_it(case, supervisor, login):
    response = _download(login(supervisor), case.person)

    with pyzipper.AESZipFile(io.BytesIO(response.content)) as package:
        package.setpassword(b"wrong passphrase!")
        with pytest.raises(RuntimeError):
            package.read("data.json")
    assert CANARY.encode() not in response.content


def test_the_summary_escapes_what_it_shows(agency_a, caseworker, supervisor, login):
    case = make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)
    type(case).objects.filter(pk=case.pk).update(recruitment_channel="<script>x</script>")

    response = _download(login(supervisor), case.person)

    with pyzipper.AESZipFile(io.BytesIO(response.content)) as package:
        package.setpassword(PASSPHRASE.encode())
        summary = package.read("summary.html").decode()
    assert "<script>" not in summary
    assert "&lt;script&gt;" in summary


@pytest.mark.parametrize(
    ("passphrase", "confirmation"),
    [("short", "short"), (PASSPHRASE, PASSPHRASE + "x")],
)
def test_the_passphrase_is_long_and_confirmed(case, supervisor, login, passphrase, confirmation):
    response = _download(login(supervisor), case.person, passphrase, confirmation)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_caseworker_gets_403(case, caseworker, login):
    assert login(caseworker).get(_url(case.person)).status_code == 403
    assert _download(login(caseworker), case.person).status_code == 403


def test_an_outsider_gets_404(case, outsider, login):
    assert login(outsider).get(_url(case.person)).status_code == 404
    assert _download(login(outsider), case.person).status_code == 404


def test_the_package_holds_the_persons_photo(case, caseworker, supervisor, login):
    set_person_photo(case.person, b"\xff\xd8photo-bytes-of-the-person", actor=caseworker)
    response = _download(login(supervisor), case.person)
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as package:
        package.setpassword(PASSPHRASE.encode())
        assert package.read("files/photo.jpg") == b"\xff\xd8photo-bytes-of-the-person"
