"""The daily e-mail digest: the user's language, references and links, never a name."""

import datetime

import pytest
from django.core import mail
from django.utils import translation
from django.utils.formats import date_format

from notifications import services
from notifications.models import Preference
from tests.factories import PersonFactory
from tests.notifications.conftest import NOW, TODAY, permit

pytestmark = pytest.mark.django_db

CANARY = "Canaryname Zzyzx"


@pytest.fixture
def reminded_case(case_of, caseworker):
    """A case of a person with a canary name, with a permit expiring in 7 days."""
    person = PersonFactory(agency=caseworker.agency, legal_name=CANARY)
    case = case_of(person=person)
    permit(case, TODAY + datetime.timedelta(days=7))
    services.send_due_reminders(NOW)
    return case


def test_digest_lists_reference_and_link_but_no_name(caseworker, reminded_case):
    Preference.objects.create(user=caseworker, daily_digest=True, language="en")

    assert services.send_daily_digests(base_url="https://harbor.example.org") == 1

    (message,) = mail.outbox
    assert message.to == [caseworker.email]
    assert reminded_case.reference in message.body
    assert f"https://harbor.example.org/cases/{reminded_case.pk}/" in message.body
    for part in CANARY.split():
        assert part not in message.body
        assert part not in message.subject


def test_digest_is_sent_once(caseworker, reminded_case):
    Preference.objects.create(user=caseworker, daily_digest=True, language="en")

    services.send_daily_digests()
    services.send_daily_digests()

    assert len(mail.outbox) == 1


def test_digest_is_written_in_the_users_language(caseworker, reminded_case):
    """Built under the user's language: its dates take that language's format."""
    Preference.objects.create(user=caseworker, daily_digest=True, language="zh-hant")

    services.send_daily_digests()

    expires = TODAY + datetime.timedelta(days=7)
    with translation.override("zh-hant"):
        assert date_format(expires, "SHORT_DATE_FORMAT") in mail.outbox[0].body
    with translation.override("en"):
        assert date_format(expires, "SHORT_DATE_FORMAT") not in mail.outbox[0].body


def test_no_digest_without_the_choice(caseworker, reminded_case):
    assert services.send_daily_digests() == 0
    assert mail.outbox == []
