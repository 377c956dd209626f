"""seed_demo fills the partnership pages with fictional records, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from cooperation.models import MLARequest, Referral
from partners.models import Agreement, PreventionActivity

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_referrals_agreements_mla_and_activities(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {"accepted", "declined", "sent", "recorded"} <= statuses
    assert Agreement.objects.expiring().exists()
    assert MLARequest.objects.filter(status="sent").exists()
    assert PreventionActivity.objects.filter(activity_type="takedown").exists()
    counts = [Referral.objects.count(), Agreement.objects.count(), MLARequest.objects.count()]
    call_command("seed_demo", stdout=StringIO())
    assert [Referral.objects.count(), Agreement.objects.count(), MLARequest.objects.count()] == (
        counts
    )
