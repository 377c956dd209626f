"""Nobody outside a case's scope learns that it exists: 404 on every URL carrying its id."""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, reverse

from audit.models import AuditEvent
from cases import urls as case_urls
from cases.models import Attachment, Charge, Defendant, ProtectiveMeasure, ServiceItem
from tests.factories import (
    CaseFactory,
    CriminalExposureFactory,
    HearingFactory,
    LegalProceedingFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_urls_of(private_storage):
    """Every case URL (name, path) of a case, found from the URLconf so new ones are covered."""

    def build(case) -> list[tuple[str, str]]:
        attachment = Attachment(
            case=case,
            original_name="a.txt",
            content_type="text/plain",
            size=5,
            uploaded_by=case.created_by,
        )
        attachment.file.save("a.txt", ContentFile(b"hello"))
        proceeding = LegalProceedingFactory(case=case)
        defendant = Defendant.objects.create(proceeding=proceeding, name="Alias")
        hearing = HearingFactory(proceeding=proceeding, case=case)
        ids = {
            "pk": case.pk,
            "task_pk": TaskFactory(case=case).pk,
            "attachment_pk": attachment.pk,
            "proceeding_pk": proceeding.pk,
            "defendant_pk": defendant.pk,
            "charge_pk": Charge.objects.create(defendant=defendant, statute="htpa_31").pk,
            "measure_pk": ProtectiveMeasure.objects.create(hearing=hearing, kind="screen").pk,
            "exposure_pk": CriminalExposureFactory(case=case).pk,
            "service_pk": ServiceItem.objects.create(
                case=case, service_type="shelter", created_by=case.created_by
            ).pk,
        }
        found = []
        for pattern in case_urls.urlpatterns:
            assert isinstance(pattern, URLPattern)
            params = set(pattern.pattern.converters)
            if "pk" not in params:
                continue
            kwargs = {name: ids[name] for name in params}
            found.append((pattern.name, reverse(f"cases:{pattern.name}", kwargs=kwargs)))
        return found

    return build


def _assert_404_everywhere(client, urls) -> None:
    """POST answers 404; GET answers 404, or 405 on POST-only URLs (as for an unknown id)."""
    for name, url in urls:
        assert client.post(url, {"reason": "x", "text": "x"}).status_code == 404, name
        status = client.get(url).status_code
        assert status in (404, 405), name
        if status == 405:
            unknown = url.replace(f"/{url.split('/')[2]}/", "/999999/", 1)
            assert client.get(unknown).status_code == 405, name


def test_every_case_url_is_covered(case, case_urls_of):
    names = {name for name, _ in case_urls_of(case)}
    assert {"detail", "edit", "transition", "attachment_download", "timeline"} <= names
    assert len(names) == len([p for p in case_urls.urlpatterns if "pk" in p.pattern.converters])


def test_outsider_gets_404_on_every_case_url(login, case, outsider, case_urls_of):
    _assert_404_everywhere(login(outsider), case_urls_of(case))
    case.refresh_from_db()
    assert case.status == "open"
    assert not case.notes.exists()


def test_unassigned_caseworker_gets_404_on_every_case_url(
    login, case, other_caseworker, case_urls_of
):
    _assert_404_everywhere(login(other_caseworker), case_urls_of(case))


def test_platform_admin_gets_404_on_every_case_url(login, case, platform_admin, case_urls_of):
    _assert_404_everywhere(login(platform_admin), case_urls_of(case))


def test_out_of_scope_access_is_audited(login, case, outsider):
    login(outsider).get(reverse("cases:detail", args=[case.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.OUT_OF_SCOPE)
    assert (event.actor, event.object_id) == (outsider, str(case.pk))


def test_other_agencys_cases_never_appear_in_list_or_search(login, case, outsider, agency_b):
    own = CaseFactory(agency=agency_b, caseworkers=[outsider])
    client = login(outsider)
    listing = client.get(reverse("cases:list")).content.decode()
    assert own.reference in listing
    assert case.reference not in listing
    search = client.get(reverse("cases:list"), {"q": case.reference})
    assert list(search.context["page"].object_list) == []
    my_work = client.get(reverse("cases:my_work")).content.decode()
    assert case.reference not in my_work


def test_supervisor_and_assigned_caseworker_see_the_case(login, case, caseworker, supervisor):
    for user in (caseworker, supervisor):
        assert login(user).get(reverse("cases:detail", args=[case.pk])).status_code == 200


def test_outsider_cannot_open_a_case_for_another_agencys_person(login, case, outsider):
    response = login(outsider).get(reverse("victims:case_create", args=[case.person_id]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client, case):
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]
