"""Role x URL: one policy per view, never broader than promised, enforced for every role.

The URLconf is walked, so a URL added later fails here until it declares its policy
(`access.allowed`), fits the expectation written below, and has its record ids mapped
to the test world. The expectations are written out here, independently of `policy`:
they are what the product promises (see DOMAIN.md), not a copy of the code.

Other test modules (tests/test_audit_coverage.py) reuse the walk and the world.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db.models import Model, Sum
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access import RECORD_KWARGS
from accounts.models import User
from cases.models import Attachment, Charge, Defendant, ProtectiveMeasure, ServiceItem
from notifications.models import Notification
from policy import Role
from privacy.models import ErasureRequest
from tests.factories import (
    AgencyFactory,
    AgreementFactory,
    CaseFactory,
    ConsentFactory,
    CriminalExposureFactory,
    HearingFactory,
    LegalProceedingFactory,
    MLARequestFactory,
    PreventionActivityFactory,
    ReferralFactory,
    TaskFactory,
    UserFactory,
)
from victims.models import IdentificationDecision, IndicatorSet
from victims.services import start_screening

pytestmark = pytest.mark.django_db

CASEWORKER, SUPERVISOR = Role.CASEWORKER.value, Role.SUPERVISOR.value
AGENCY_ADMIN, PLATFORM_ADMIN = Role.AGENCY_ADMIN.value, Role.PLATFORM_ADMIN.value
# The national coordinator reads national figures and no record: in no list below
# but its own statistics, so every other URL refuses it.
COORDINATOR = Role.COORDINATOR.value

EVERYONE = frozenset({CASEWORKER, SUPERVISOR, AGENCY_ADMIN, PLATFORM_ADMIN})
AGENCY_STAFF = frozenset({CASEWORKER, SUPERVISOR, AGENCY_ADMIN})
# Casework is done by caseworkers and supervisors only: agency admins read their
# agency's cases and audit trail but do no casework; platform admins see no case data.
CASEWORK = frozenset({CASEWORKER, SUPERVISOR})
STAFF_MANAGERS = frozenset({AGENCY_ADMIN, PLATFORM_ADMIN})
NOBODY: frozenset[str] = frozenset()

# URLs without a declared policy, on purpose. Everything else must carry `@allowed`.
OPEN_URLS = {
    # Anyone: signing in and recovering a forgotten password.
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # Anyone: the language switch (login page) and the load balancer's health probe.
    "set_language",
    "health",
    # Any signed-in user, about their own account: sign out, password, second factor.
    "accounts:logout",
    "accounts:password_change",
    "accounts:password_change_done",
    "accounts:mfa_setup",
    "accounts:mfa_verify",
    # Any signed-in user: the home page only sends each role to its start page.
    "home",
}

# URLs that only read (a GET page, a download, or a POST that only unmasks what the
# reader may see) and the roles that may read them. Every other URL with a policy is
# mutating and is held to MAY_POST below.
READ_ONLY_URLS: dict[str, frozenset[str]] = {
    "cases:list": AGENCY_STAFF,
    "cases:my_work": AGENCY_STAFF,
    "cases:task_list": AGENCY_STAFF,
    "cases:detail": AGENCY_STAFF,
    "cases:timeline": AGENCY_STAFF,
    "cases:attachment_download": AGENCY_STAFF,
    "cases:exposure_detail": AGENCY_STAFF,
    "victims:person_list": AGENCY_STAFF,
    "victims:person_detail": AGENCY_STAFF,
    "victims:consent_list": AGENCY_STAFF,
    "victims:screening_detail": AGENCY_STAFF,
    "victims:decision_detail": AGENCY_STAFF,
    # The archive (records "deleted" by casework) is for supervisors, who restore.
    "victims:archive_list": frozenset({SUPERVISOR}),
    # Identity (names, documents, photo) is unmasked for those who work the case.
    "victims:person_reveal": CASEWORK,
    "victims:person_photo": CASEWORK,
    "cooperation:referral_list": AGENCY_STAFF,
    "cooperation:referral_detail": AGENCY_STAFF,
    "cooperation:mla_list": AGENCY_STAFF,
    "cooperation:mla_detail": AGENCY_STAFF,
    # The partnership directory is not case data: everyone reads it.
    "partners:agency_list": EVERYONE,
    "partners:agency_detail": EVERYONE,
    "partners:activity_list": EVERYONE,
    "partners:activity_detail": EVERYONE,
    "partners:agreement_list": EVERYONE,
    "partners:agreement_detail": EVERYONE,
    "accounts:staff_list": STAFF_MANAGERS,
    "accounts:staff_detail": STAFF_MANAGERS,
    "audit:event_list": frozenset({AGENCY_ADMIN}),
    # Agency-wide figures: supervisors and agency admins. The export is a GET.
    "reports:dashboard": frozenset({SUPERVISOR, AGENCY_ADMIN}),
    "reports:statistics": frozenset({SUPERVISOR, AGENCY_ADMIN}),
    "reports:statistics_export": frozenset({SUPERVISOR, AGENCY_ADMIN}),
    # The national figures across agencies: the national coordinator only.
    "reports:national": frozenset({COORDINATOR}),
    "reports:national_export": frozenset({COORDINATOR}),
    # Erasures awaiting a decision; the subject access package (its POST only reads).
    "privacy:erasure_list": frozenset({SUPERVISOR}),
    "privacy:person_subject_access": frozenset({SUPERVISOR}),
    "notifications:list": AGENCY_STAFF,
    # The search box: cases and people within the reader's scope.
    "search:results": AGENCY_STAFF,
}

# Who may POST (change anything) in each area.
MAY_POST: dict[str, frozenset[str]] = {
    "casework": CASEWORK,
    "partners:agency": frozenset({PLATFORM_ADMIN}),
    "partners:agreement": frozenset({PLATFORM_ADMIN}),
    "partners:activity": AGENCY_STAFF,
    "accounts:staff": STAFF_MANAGERS,
    # No mutating URLs expected: figures and the audit trail are read-only.
    "reports": NOBODY,
    "audit": NOBODY,
    # Erasure requests: whoever works the case files one, a supervisor decides.
    "privacy": CASEWORK,
    # One's own notifications: mark read, digest settings.
    "notifications": AGENCY_STAFF,
}
CASEWORK_NAMESPACES = {"cases", "victims", "cooperation"}


def area_of(name: str) -> str:
    """The area of a URL name, the key of MAY_POST."""
    namespace, _, url_name = name.rpartition(":")
    if namespace in CASEWORK_NAMESPACES:
        return "casework"
    if namespace == "partners":
        return f"partners:{url_name.split('_')[0]}"
    if namespace == "accounts" and url_name.startswith("staff_"):
        return "accounts:staff"
    return namespace or name


# --- the URLconf ----------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    name: str
    route: str
    callback: Any
    converters: tuple[tuple[str, str], ...]

    @property
    def policy(self) -> frozenset[str] | None:
        view_class = getattr(self.callback, "view_class", None)
        return getattr(self.callback, "policy", None) or getattr(view_class, "policy", None)

    @property
    def policy_record(self) -> type[Model] | None:
        return getattr(self.callback, "policy_record", None)

    @property
    def kwargs(self) -> list[str]:
        return [name for name, _ in self.converters]

    def __str__(self) -> str:
        return self.name


def _converter_name(converter: Any) -> str:
    return type(converter).__name__.removesuffix("Converter").lower()


def _walk(patterns, prefix: str = "", namespace: str = "", converters=()) -> Iterator[Url]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        found = converters + tuple(
            (name, _converter_name(conv))
            for name, conv in getattr(pattern.pattern, "converters", {}).items()
        )
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, ns, found)
        elif isinstance(pattern, URLPattern):
            yield Url(f"{namespace}{pattern.name}", route, pattern.callback, found)


ALL_URLS: list[Url] = sorted(_walk(get_resolver().url_patterns), key=lambda url: url.name)
POLICED: list[Url] = [url for url in ALL_URLS if url.policy is not None]
MUTATING: list[Url] = [url for url in POLICED if url.name not in READ_ONLY_URLS]
RECORD_URLS: list[Url] = [url for url in ALL_URLS if "int" in dict(url.converters).values()]


# --- the world: one of everything, in agency A ----------------------------------------


def build_world(*, agency_a, caseworker, supervisor) -> dict[str, Model]:
    """A case of agency A assigned to `caseworker`, with one record of every kind."""
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    case.supervisor = supervisor
    case.save(update_fields=["supervisor"])
    today = datetime.date(2026, 2, 1)
    indicator_set = IndicatorSet.objects.order_by("pk").first()
    assert indicator_set is not None, "the indicator sets are installed by a data migration"
    proceeding = LegalProceedingFactory(case=case)
    hearing = HearingFactory(proceeding=proceeding, case=case, description="First hearing")
    defendant = Defendant.objects.create(proceeding=proceeding, name="Alias")
    attachment = Attachment(
        case=case,
        original_name="a.txt",
        content_type="text/plain",
        size=5,
        uploaded_by=caseworker,
    )
    attachment.file.save("a.txt", ContentFile(b"hello"))
    agency_c = AgencyFactory(name="Agency C (Police)", code="AGC")
    ConsentFactory(person=case.person, target_agency=agency_c, recorded_by=caseworker)
    return {
        "agency": agency_a,
        "case": case,
        "person": case.person,
        "screening": start_screening(case, indicator_set=indicator_set, actor=caseworker),
        "decision": IdentificationDecision.objects.create(
            case=case,
            authority="police",
            decided_on=today,
            outcome="identified",
            recorded_by=caseworker,
        ),
        "proceeding": proceeding,
        "defendant": defendant,
        "charge": Charge.objects.create(defendant=defendant, statute="htpa_32"),
        "measure": ProtectiveMeasure.objects.create(hearing=hearing, kind="screen"),
        "exposure": CriminalExposureFactory(case=case),
        "task": TaskFactory(case=case, created_by=caseworker),
        "attachment": attachment,
        "service": ServiceItem.objects.create(
            case=case, service_type="shelter", created_by=caseworker
        ),
        # Sent to a third agency, so agency B's staff are party to nothing.
        "referral": ReferralFactory(case=case, to_agency=agency_c, created_by=caseworker),
        "mla": MLARequestFactory(agency=agency_a, case=case, created_by=caseworker),
        "activity": PreventionActivityFactory(organiser=agency_a, created_by=caseworker),
        "agreement": AgreementFactory(),
        "staff": UserFactory(email="staff.a@example.org", agency=agency_a, role=CASEWORKER),
        "erasure": ErasureRequest.objects.create(
            agency=agency_a, person=case.person, reason="Asked in person", requested_by=caseworker
        ),
        "notification": Notification.objects.create(
            recipient=caseworker, kind="task", threshold="due", record_id=1, case=case, due_on=today
        ),
    }


# (namespace, url-name prefixes, kwarg) -> world key. First match wins.
KWARG_OBJECTS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("victims", ("person_", "consent_", "case_create"), "pk", "person"),
    ("victims", ("screening_",), "pk", "screening"),
    ("victims", ("decision_",), "pk", "decision"),
    ("victims", ("case_restore",), "pk", "case"),
    ("victims", ("attachment_restore",), "pk", "attachment"),
    ("victims", ("",), "case_pk", "case"),
    ("cases", ("",), "pk", "case"),
    ("cases", ("",), "task_pk", "task"),
    ("cases", ("",), "attachment_pk", "attachment"),
    ("cases", ("",), "proceeding_pk", "proceeding"),
    ("cases", ("",), "defendant_pk", "defendant"),
    ("cases", ("",), "charge_pk", "charge"),
    ("cases", ("",), "measure_pk", "measure"),
    ("cases", ("",), "exposure_pk", "exposure"),
    ("cases", ("",), "service_pk", "service"),
    ("cooperation", ("referral_",), "pk", "referral"),
    ("cooperation", ("mla_",), "pk", "mla"),
    ("cooperation", ("referral_",), "proceeding_pk", "proceeding"),
    ("cooperation", ("",), "case_pk", "case"),
    ("partners", ("agency_",), "pk", "agency"),
    ("partners", ("activity_",), "pk", "activity"),
    ("partners", ("agreement_",), "pk", "agreement"),
    ("accounts", ("staff_",), "pk", "staff"),
    ("privacy", ("person_",), "pk", "person"),
    ("privacy", ("erasure_",), "pk", "erasure"),
    ("notifications", ("read",), "pk", "notification"),
]
# Non-record URL arguments.
OTHER_KWARGS = {("reports", "fmt"): "csv"}


def record_for(url: Url, kwarg: str, world: dict[str, Model]) -> Model:
    """The world's record a URL argument names; fails for an argument nobody mapped."""
    namespace, _, url_name = url.name.rpartition(":")
    for space, prefixes, name, key in KWARG_OBJECTS:
        if (space, name) == (namespace, kwarg) and url_name.startswith(prefixes):
            return world[key]
    pytest.fail(
        f"{url.name}: no test record for the URL argument {kwarg!r}; "
        "map it in KWARG_OBJECTS (tests/test_policy_matrix.py)."
    )


def path_of(url: Url, world: dict[str, Model]) -> str:
    namespace = url.name.rpartition(":")[0]
    kwargs: dict[str, Any] = {}
    for kwarg, converter in url.converters:
        if converter == "int":
            kwargs[kwarg] = record_for(url, kwarg, world).pk
        elif (namespace, kwarg) in OTHER_KWARGS:
            kwargs[kwarg] = OTHER_KWARGS[(namespace, kwarg)]
        else:
            pytest.fail(f"{url.name}: no test value for the URL argument {kwarg!r}.")
    return reverse(url.name, kwargs=kwargs)


def recorded_lookup(url: Url, world: dict[str, Model]) -> Model | None:
    """The record `access.allowed(on=...)` looks up for this URL (pk, else case_pk)."""
    key = next((name for name in RECORD_KWARGS if name in url.kwargs), None)
    return record_for(url, key, world) if key and url.policy_record else None


# --- what "nothing changed" means ------------------------------------------------------

FINGERPRINTED_APPS = (
    "accounts",
    "partners",
    "cases",
    "victims",
    "cooperation",
    "privacy",
    "notifications",
    "reports",
)


def fingerprint() -> dict[str, tuple[int, int, str]]:
    """Per model of the domain apps: rows, sum of versions, and a digest of every value.

    The audit trail (which refusals write to), sessions and login attempts are not
    domain data and are left out.
    """
    prints = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in FINGERPRINTED_APPS:
            continue
        rows = model._base_manager.order_by("pk")
        fields = {field.name for field in model._meta.concrete_fields}
        versions = 0
        if "version" in fields:
            versions = rows.aggregate(total=Sum("version"))["total"] or 0
        digest = hashlib.sha256(repr(list(rows.values_list())).encode()).hexdigest()
        prints[model._meta.label] = (rows.count(), versions, digest)
    return prints


def names(roles: frozenset[str]) -> list[str]:
    return sorted(str(role) for role in roles)


def changed_models(before: dict, after: dict) -> list[str]:
    return sorted(
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    )


# A plausible form submission: enough for most forms to pass if the door were open.
PAYLOAD = {
    "version": 1,
    "reason": "x",
    "comment": "x",
    "text": "x",
    "note": "x",
    "title": "x",
    "name": "x",
    "track": "identification",
    "to_status": "screening",
    "status": "done",
    "active": "0",
    "decision": "refer",
}


# --- structure: every URL declares a policy, none broader than promised -----------------


def test_the_walk_finds_every_app():
    namespaces = {url.name.rpartition(":")[0] for url in ALL_URLS}
    assert {"accounts", "audit", "partners", "cases", "victims", "cooperation", "reports"} <= (
        namespaces
    )
    assert len(MUTATING) > 40


def test_the_allow_lists_name_only_existing_urls():
    names = {url.name for url in ALL_URLS}
    assert OPEN_URLS - names == set()
    assert set(READ_ONLY_URLS) - names == set()


@pytest.mark.parametrize("url", ALL_URLS, ids=str)
def test_every_url_declares_a_policy_or_is_open_on_purpose(url):
    assert url.policy is not None or url.name in OPEN_URLS, (
        f"{url.name} (/{url.route}) declares no policy: decorate its view with "
        "@access.allowed(CAPABILITY) or, if anyone may use it, add it to OPEN_URLS "
        "with a comment saying why."
    )


@pytest.mark.parametrize("url", MUTATING, ids=str)
def test_no_mutating_url_is_open_to_more_roles_than_its_area_allows(url):
    area = area_of(url.name)
    assert area in MAY_POST, f"{url.name}: no expectation for the area {area!r} in MAY_POST."
    too_broad = url.policy - MAY_POST[area]
    assert not too_broad, (
        f"{url.name} lets {names(too_broad)} change data; the {area!r} area allows "
        f"only {names(MAY_POST[area]) or 'nobody (no mutating URL expected)'}."
    )


@pytest.mark.parametrize("name", sorted(READ_ONLY_URLS))
def test_no_read_only_url_is_open_to_more_roles_than_promised(name):
    url = next(url for url in ALL_URLS if url.name == name)
    assert url.policy is not None, f"{name} declares no policy."
    too_broad = url.policy - READ_ONLY_URLS[name]
    assert not too_broad, f"{name} lets {names(too_broad)} read it."


# --- behaviour: every role outside a policy is refused and changes nothing ---------------


@pytest.fixture
def personas(
    caseworker, supervisor, agency_admin, outsider, platform_admin, coordinator
) -> dict[str, User]:
    return {
        "caseworker": caseworker,
        "supervisor": supervisor,
        "agency_admin": agency_admin,
        "outsider": outsider,
        "platform_admin": platform_admin,
        "coordinator": coordinator,
    }


@pytest.fixture
def world(agency_a, caseworker, supervisor, private_storage) -> dict[str, Model]:
    return build_world(agency_a=agency_a, caseworker=caseworker, supervisor=supervisor)


def expected_refusal(url: Url, user: User, world: dict[str, Model]) -> int:
    """403, or 404 when the record the URL names is outside the user's scope."""
    record = recorded_lookup(url, world)
    if record is None:
        return 403
    visible = type(record)._default_manager.all().visible_to(user).filter(pk=record.pk)
    return 403 if visible.exists() else 404


@pytest.mark.parametrize("url", POLICED, ids=str)
def test_every_role_outside_the_policy_is_refused_and_changes_nothing(url, world, personas, login):
    path = path_of(url, world)
    refused = {who: user for who, user in personas.items() if user.role not in url.policy}
    clients = {who: login(user) for who, user in refused.items()}
    before = fingerprint()
    for who, user in refused.items():
        expected = expected_refusal(url, user, world)
        client = clients[who]
        posted = client.post(path, PAYLOAD)
        assert posted.status_code == expected, (
            f"{url.name}: POST by {who} answered {posted.status_code}, expected {expected}"
        )
        got = client.get(path)
        assert got.status_code in (expected, 405), (
            f"{url.name}: GET by {who} answered {got.status_code}, expected {expected}"
        )
        after = fingerprint()
        assert after == before, f"{url.name}: {who} changed {changed_models(before, after)}"


def test_an_agency_admin_posting_to_every_casework_form_of_their_own_agency_case_changes_nothing(
    world, agency_admin, login
):
    client = login(agency_admin)
    # They do read the case: the refusals below are about casework, not scope.
    assert client.get(reverse("cases:detail", args=[world["case"].pk])).status_code == 200
    forms = [url for url in MUTATING if area_of(url.name) == "casework"]
    assert len(forms) > 30
    before = fingerprint()
    answers = {url.name: client.post(path_of(url, world), PAYLOAD).status_code for url in forms}
    assert {name: status for name, status in answers.items() if status != 403} == {}
    assert changed_models(before, fingerprint()) == []
