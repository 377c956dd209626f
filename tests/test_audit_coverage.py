"""The audit trail misses nothing: refused lookups, web actions, reads through edit forms.

Record URLs and edit forms are found by walking the URLconf (tests/test_policy_matrix.py),
so a URL added later is held to the same rules.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Attachment, Case, Charge, Defendant, ProtectiveMeasure, ServiceItem
from cooperation.models import Referral
from tests.factories import (
    DEMO_PASSWORD,
    CaseFactory,
    CriminalExposureFactory,
    HearingFactory,
    LegalProceedingFactory,
    TaskFactory,
)
from tests.test_policy_matrix import (
    ALL_URLS,
    CASEWORK_NAMESPACES,
    RECORD_URLS,
    Url,
    build_world,
    path_of,
    record_for,
)
from victims.models import IdentificationDecision, IndicatorSet, Person

pytestmark = pytest.mark.django_db

OUT_OF_SCOPE = AuditEvent.Action.OUT_OF_SCOPE

# What an outsider (a caseworker of agency B) gets for a URL naming agency A's record:
# - 404 and one OUT_OF_SCOPE row, the rule for every record a user may not see;
# - 200 for the partnership directory, which is not case data and which every staff
#   member reads (to choose a partner);
# - 403 where the outsider may see the record but their role may not do the thing
#   (only platform admins manage agencies and agreements), or where the role may not
#   use the area at all and no lookup happens (a caseworker manages no staff: the
#   staff views refuse MANAGES_STAFF before looking anybody up). No row: nothing was
#   looked up out of scope.
OUTSIDER_SEES = {
    "partners:agency_detail": 200,
    "partners:activity_detail": 200,
    "partners:agreement_detail": 200,
    "partners:agency_edit": 403,
    "partners:agency_set_active": 403,
    "partners:agreement_edit": 403,
    "accounts:staff_detail": 403,
    "accounts:staff_edit": 403,
    "accounts:staff_set_active": 403,
    "accounts:staff_mfa_reset": 403,
    "accounts:staff_make_default_supervisor": 403,
}
STAFF_URLS = [url for url in RECORD_URLS if url.name.startswith("accounts:staff_")]


@pytest.fixture
def world(agency_a, caseworker, supervisor, private_storage) -> dict[str, Model]:
    return build_world(agency_a=agency_a, caseworker=caseworker, supervisor=supervisor)


def _named_record(url: Url, world: dict[str, Model]) -> Model:
    """The record the URL is about (pk, else case_pk): the one a refused lookup names."""
    key = "pk" if "pk" in url.kwargs else url.kwargs[0]
    return record_for(url, key, world)


def _last_audit_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _assert_refused_once(client: Client, user, url: Url, world, expected: int) -> None:
    """GET and POST: each 404 writes one OUT_OF_SCOPE row naming the record; nothing else does."""
    path = path_of(url, world)
    record = _named_record(url, world)
    statuses = []
    for method in (client.get, client.post):
        before = _last_audit_pk()
        status = method(path).status_code
        statuses.append(status)
        rows = list(AuditEvent.objects.filter(pk__gt=before, action=OUT_OF_SCOPE, actor=user))
        if status == 404:
            assert [(r.object_type, r.object_id) for r in rows] == [
                (record._meta.label_lower, str(record.pk))
            ], f"{url.name}: {method.__name__.upper()} 404 wrote {len(rows)} refusal rows"
        else:
            assert rows == [], f"{url.name}: {status} wrote a refusal row"
    assert expected in statuses, f"{url.name}: answered {statuses}, expected {expected}"
    assert set(statuses) <= {expected, 405}, f"{url.name}: answered {statuses}"


@pytest.mark.parametrize("url", RECORD_URLS, ids=str)
def test_an_outsider_on_every_record_url_is_refused_and_each_404_is_audited_once(
    url, world, outsider, login
):
    expected = OUTSIDER_SEES.get(url.name, 404)
    _assert_refused_once(login(outsider), outsider, url, world, expected)


@pytest.mark.parametrize("url", STAFF_URLS, ids=str)
def test_another_agencys_admin_on_every_staff_url_gets_404_audited_once(
    url, world, outsider_admin, login
):
    _assert_refused_once(login(outsider_admin), outsider_admin, url, world, 404)


# --- a record of another case, named under a case the user may see ----------------------

# URL arguments naming a record inside the case of the URL (`access.get_child_or_404`).
CHILD_KWARGS = {
    "task_pk",
    "attachment_pk",
    "proceeding_pk",
    "defendant_pk",
    "charge_pk",
    "measure_pk",
    "exposure_pk",
    "service_pk",
}
CHILD_URLS = [url for url in RECORD_URLS if url.kwargs[-1] in CHILD_KWARGS]


@pytest.fixture
def other_case_records(agency_a, caseworker, private_storage) -> dict[str, Model]:
    """One record of every kind inside another case of agency A, which the user also works."""
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    proceeding = LegalProceedingFactory(case=case)
    defendant = Defendant.objects.create(proceeding=proceeding, name="Other alias")
    attachment = Attachment(
        case=case, original_name="b.txt", content_type="text/plain", size=5, uploaded_by=caseworker
    )
    attachment.file.save("b.txt", ContentFile(b"other"))
    return {
        "task_pk": TaskFactory(case=case, created_by=caseworker),
        "attachment_pk": attachment,
        "proceeding_pk": proceeding,
        "defendant_pk": defendant,
        "charge_pk": Charge.objects.create(defendant=defendant, statute="htpa_31"),
        "measure_pk": ProtectiveMeasure.objects.create(
            hearing=HearingFactory(proceeding=proceeding, case=case), kind="screen"
        ),
        "exposure_pk": CriminalExposureFactory(case=case),
        "service_pk": ServiceItem.objects.create(
            case=case, service_type="shelter", created_by=caseworker
        ),
    }


@pytest.mark.parametrize("url", CHILD_URLS, ids=str)
def test_a_record_of_another_case_answers_404_and_is_audited_once(
    url, world, other_case_records, caseworker, login
):
    """The case is in scope, the record named inside it belongs to another case."""
    client = login(caseworker)
    kwarg = url.kwargs[-1]
    other = other_case_records[kwarg]
    kwargs = {name: record_for(url, name, world).pk for name in url.kwargs[:-1]}
    path = reverse(url.name, kwargs={**kwargs, kwarg: other.pk})
    statuses = []
    for method in (client.get, client.post):
        before = _last_audit_pk()
        statuses.append(method(path).status_code)
        rows = AuditEvent.objects.filter(pk__gt=before, actor=caseworker)
        refused = [(row.action, row.object_type, row.object_id) for row in rows]
        if statuses[-1] == 404:
            assert refused == [(OUT_OF_SCOPE, other._meta.label_lower, str(other.pk))], url.name
        else:
            assert refused == [], url.name
    assert 404 in statuses and set(statuses) <= {404, 405}, (url.name, statuses)


def test_every_kind_of_record_inside_a_case_is_covered():
    assert {url.kwargs[-1] for url in CHILD_URLS} == CHILD_KWARGS


def test_the_record_urls_of_every_app_are_covered():
    namespaces = {url.name.rpartition(":")[0] for url in RECORD_URLS}
    assert namespaces >= {"accounts", "partners", "cases", "victims", "cooperation"}
    assert len(RECORD_URLS) > 45


# --- every web action's audit row says where it came from -------------------------------

ADDRESS = "203.0.113.7"


def _sign_in(client: Client, user) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def _in_a_week() -> str:
    return (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


def _post(client: Client, path: str, data: dict) -> None:
    """A successful form submission (a redirect); else the form's errors name the cause."""
    response = client.post(path, data)
    form = response.context.get("form") if response.context else None
    assert response.status_code == 302, (path, form.errors if form else response.status_code)


def _casework_through_the_web(client: Client, agency_b) -> None:
    """A caseworker's day: intake, case, screening, decision, services, notes, referral."""
    _post(
        client,
        reverse("victims:person_create"),
        {"legal_name": "Demo Webperson", "sex": "female", "languages": "Thai"},
    )
    person = Person.objects.latest("pk")
    intake = {
        "intake_date": "2026-03-14",
        "source": "rescue",
        "exploitation_types": ["forced_criminality"],
        "criminality_subtypes": ["online_fraud"],
        "recruitment_method": "messaging_app",
        "countries_of_exploitation": ["KH"],
        "risk_level": "high",
        "prosecution_role": "witness",
    }
    _post(client, reverse("victims:case_create", args=[person.pk]), intake)
    case = Case.objects.latest("pk")

    def case_url(name: str, *args: int) -> str:
        return reverse(name, args=[case.pk, *args])

    indicator_set = IndicatorSet.objects.order_by("pk").first()
    steps = [
        (case_url("cases:transition"), {"track": "prosecution", "to_status": "reported"}),
        (case_url("cases:note_add"), {"text": "Met at the shelter."}),
        (case_url("cases:task_add"), {"title": "Book interpreter", "due_date": _in_a_week()}),
        (
            case_url("cases:attachment_upload"),
            {"file": SimpleUploadedFile("n.txt", b"plain"), "description": "Statement"},
        ),
        (case_url("victims:screening_start"), {"indicator_set": indicator_set.pk}),
    ]
    for path, data in steps:
        _post(client, path, data)
    screening = case.screenings.get()
    _post(client, reverse("victims:screening_complete", args=[screening.pk]), {"decision": "refer"})
    decision = {"authority": "police", "decided_on": "2026-03-20", "outcome": "identified"}
    _post(client, case_url("victims:decision_create"), decision)
    _post(
        client,
        case_url("cases:service_create"),
        {"service_type": "counselling", "status": "planned"},
    )
    consent = {
        "purpose": "sharing",
        "target_agency": agency_b.pk,
        "status": "given",
        "given_on": "2026-03-14",
        "explained_in": "Thai",
    }
    _post(client, reverse("victims:consent_create", args=[person.pk]), consent)
    referral = {
        "to_agency": agency_b.pk,
        "purpose": "shelter",
        "sections": ["summary", "services"],
        "respond_by": _in_a_week(),
        "message": "Needs a shelter place.",
    }
    _post(client, case_url("cooperation:referral_create"), referral)
    reads = [
        case_url("cases:detail"),
        case_url("cases:timeline"),
        reverse("victims:person_detail", args=[person.pk]),
        reverse("victims:decision_detail", args=[IdentificationDecision.objects.get().pk]),
        reverse("cooperation:referral_detail", args=[Referral.objects.get().pk]),
        case_url("cases:attachment_download", case.attachments.get().pk),
    ]
    for path in reads:
        assert client.get(path).status_code == 200, path


def test_every_web_actions_audit_row_has_the_address_and_the_web_channel(
    settings, caseworker, agency_admin, agency_b, private_storage
):
    settings.HARBOR_REQUIRE_MFA = False
    first = _last_audit_pk()
    client = Client(REMOTE_ADDR=ADDRESS)
    client.post(reverse("accounts:login"), {"username": caseworker.email, "password": "wrong"})
    _sign_in(client, caseworker)
    _casework_through_the_web(client, agency_b)
    client.post(reverse("accounts:logout"))
    _sign_in(client, agency_admin)
    staff = {"email": "new.person@example.org", "full_name": "New Person", "role": "caseworker"}
    assert client.post(reverse("accounts:staff_create"), staff).status_code == 302
    client.post(reverse("accounts:logout"))

    rows = AuditEvent.objects.filter(pk__gt=first)
    actions = set(rows.values_list("action", flat=True))
    assert actions >= {
        "login_failed",
        "login",
        "logout",
        "create",
        "transition",
        "view",
        "download",
        "invite",
    }
    assert {(row.ip_address, row.channel) for row in rows} == {(ADDRESS, "web")}


# --- opening an edit form is a read of the record ----------------------------------------

# Edit forms of case data show the record's values: opening one is audited like its page.
EDIT_FORMS = [
    url
    for url in ALL_URLS
    if url.name.rpartition(":")[0] in CASEWORK_NAMESPACES and url.name.endswith("edit")
]
# The person's form shows their identity unmasked: a reveal, not a plain view.
READ_ACTION = {"victims:person_edit": AuditEvent.Action.REVEAL}


@pytest.mark.parametrize("url", EDIT_FORMS, ids=str)
def test_opening_an_edit_form_writes_one_read_row_for_the_record(url, world, caseworker, login):
    record = record_for(url, url.kwargs[-1], world)
    first = _last_audit_pk()
    assert login(caseworker).get(path_of(url, world)).status_code == 200
    rows = AuditEvent.objects.filter(pk__gt=first, actor=caseworker).for_object(record)
    action = READ_ACTION.get(url.name, AuditEvent.Action.VIEW)
    assert list(rows.values_list("action", flat=True)) == [action], url.name


def test_the_edit_forms_of_every_casework_app_are_covered():
    names = {url.name for url in EDIT_FORMS}
    assert {
        "cases:edit",
        "cases:service_edit",
        "cases:proceeding_edit",
        "cases:defendant_edit",
        "cases:exposure_edit",
        "victims:person_edit",
        "cooperation:mla_edit",
    } <= names
