"""Second factor (TOTP): staff must enrol an authenticator app; a code works once."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import TOTPDevice
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGE = reverse("cases:my_work")
SETUP = reverse("accounts:mfa_setup")
VERIFY = reverse("accounts:mfa_verify")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.HARBOR_REQUIRE_MFA = True


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=30, t0=0, digits=6, drift=offset):06d}"


def _enrolled(user) -> TOTPDevice:
    device = TOTPDevice.new_for(user)
    device.confirmed = True
    device.save()
    return device


def test_without_an_app_every_page_leads_to_setup(login, caseworker):
    response = login(caseworker).get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert unquote(response["Location"]).endswith(f"next={PAGE}")


def test_not_required_means_no_detour(login, caseworker, settings):
    settings.HARBOR_REQUIRE_MFA = False
    assert login(caseworker).get(PAGE).status_code == 200


def test_enrolment_shows_a_qr_code_and_key_then_confirms_with_a_code(login, caseworker):
    client = login(caseworker)
    page = client.get(SETUP)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in content
    key = re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', content).group(1)

    wrong = client.post(SETUP, {"code": "000000", "next": PAGE})
    assert wrong.status_code == 400
    assert "That code is not valid" in wrong.content.decode()
    assert not TOTPDevice.objects.exists()

    pending = TOTPDevice.new_for(caseworker)
    pending.secret = client.session["harbor_pending_totp_secret"]
    assert pending.base32_secret == key  # the key shown is the one kept
    response = client.post(SETUP, {"code": _code(pending), "next": PAGE})
    assert response.status_code == 302 and response["Location"] == PAGE
    device = TOTPDevice.objects.get(user=caseworker)
    assert device.confirmed
    assert client.get(PAGE).status_code == 200
    assert AuditEvent.objects.filter(actor=caseworker, action="mfa_enrol").count() == 1


def test_the_secret_is_encrypted_at_rest(caseworker):
    device = _enrolled(caseworker)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {TOTPDevice._meta.db_table}")  # noqa: S608
        (stored,) = cursor.fetchone()
    assert device.secret not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_an_enrolled_user_must_enter_a_code_and_it_works_once(login, caseworker):
    device = _enrolled(caseworker)
    first = login(caseworker)
    assert first.get(PAGE)["Location"].startswith(VERIFY)
    code = _code(device)
    assert first.post(VERIFY, {"code": code, "next": PAGE})["Location"] == PAGE
    assert first.get(PAGE).status_code == 200

    second = login(caseworker)  # another sign-in, replaying the same code
    replay = second.post(VERIFY, {"code": code, "next": PAGE})
    assert replay.status_code == 400
    assert second.get(PAGE).status_code == 302


def test_a_wrong_code_is_audited_and_throttles_the_next_try(login, caseworker):
    device = _enrolled(caseworker)
    client = login(caseworker)
    wrong = client.post(VERIFY, {"code": "123456" if _code(device) != "123456" else "654321"})
    assert wrong.status_code == 400
    assert AuditEvent.objects.filter(actor=caseworker, action="mfa_failed").count() == 1
    throttled = client.post(VERIFY, {"code": _code(device)})
    assert "Too many wrong codes" in throttled.content.decode()
    assert client.get(PAGE).status_code == 302


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 56", "١٢٣٤٥٦"])
def test_malformed_codes_name_the_field(login, caseworker, bad):
    _enrolled(caseworker)
    response = login(caseworker).post(VERIFY, {"code": bad})
    assert response.status_code == 400
    assert 'id="id_code"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_logout_needs_no_code(login, caseworker):
    _enrolled(caseworker)
    assert login(caseworker).post(reverse("accounts:logout")).status_code == 302


def test_the_next_parameter_cannot_leave_the_site(login, caseworker):
    device = _enrolled(caseworker)
    response = login(caseworker).post(
        VERIFY, {"code": _code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_an_agency_admin_resets_a_lost_app(login, agency_admin, caseworker, outsider_admin):
    _enrolled(caseworker)
    _enrolled(agency_admin)
    url = reverse("accounts:staff_mfa_reset", args=[caseworker.pk])
    admin = login(agency_admin)
    admin.post(VERIFY, {"code": _code(TOTPDevice.objects.get(user=agency_admin))})
    assert login(outsider_admin).post(url).status_code in (302, 404)
    assert TOTPDevice.objects.filter(user=caseworker).exists()
    assert admin.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    event = AuditEvent.objects.get(action="mfa_reset")
    assert event.actor == agency_admin and event.object_id == str(caseworker.pk)


def test_other_agencies_admins_and_caseworkers_cannot_reset(
    login, settings, caseworker, other_caseworker, outsider_admin
):
    settings.HARBOR_REQUIRE_MFA = False
    _enrolled(caseworker)
    url = reverse("accounts:staff_mfa_reset", args=[caseworker.pk])
    assert login(outsider_admin).post(url).status_code == 404
    assert login(other_caseworker).post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=caseworker).exists()
