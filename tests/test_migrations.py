"""An existing database migrates forward with its data.

The test takes the database back to the last released migration state (commit 0858444:
referrals and MLA requests still in `partners`, services still in `victims`, no
`cooperation` app), seeds it through the historical models of that state, migrates
forward to the newest migrations and reads every row back through today's models.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.apps import apps as current_apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import CreateModel, DeleteModel, SeparateDatabaseAndState
from django.utils import timezone

import crypto
from accounts.models import User
from audit.models import AuditEvent
from cases.models import (
    Case,
    CriminalExposure,
    Defendant,
    Hearing,
    LegalProceeding,
    ServiceItem,
    TrackTransition,
)
from cooperation.models import MLARequest, Referral
from partners.models import Agency
from victims.models import Person

# The leaf of each project app at the last released commit; apps born later start empty.
RELEASED = {
    "accounts": "0003_second_factor",
    "audit": "0004_second_factor",
    "cases": "0006_defendant_outcome",
    "partners": "0002_referrals_agreements_mla_activities",
    "victims": "0005_person_photo",
    "reports": "0001_initial",
}

# Models that changed app, keeping their table: (old app, new app, model name).
MOVED = [
    ("partners", "cooperation", "referral"),
    ("partners", "cooperation", "referraltransition"),
    ("partners", "cooperation", "referralupdate"),
    ("partners", "cooperation", "mlarequest"),
    ("victims", "cases", "serviceitem"),
]

LEGAL_NAME = "Nguyễn Văn An"
SHELTER = "Safe house 3, Riverside district"
PERMIT = "TRP-2026-0042"


def _is_project_app(app_label: str) -> bool:
    try:
        path = Path(current_apps.get_app_config(app_label).path)
    except LookupError:
        return False
    return path.is_relative_to(Path(settings.BASE_DIR)) and ".venv" not in path.parts


def _released_targets(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    """Our apps at their released leaf (None: not there yet); Django's own at their leaf."""
    targets: list[tuple[str, str | None]] = []
    for app_label, leaf in sorted(executor.loader.graph.leaf_nodes()):
        if app_label in RELEASED:
            targets.append((app_label, RELEASED[app_label]))
        elif _is_project_app(app_label):
            targets.append((app_label, None))
        else:
            targets.append((app_label, leaf))
    return targets


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def _stored_ciphertext(sql: str, pk: int) -> str:
    """The column as stored, past the field class that decrypts it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return cursor.fetchone()[0]


def _content_types_as_released(old_apps) -> dict[str, int]:
    """Give the moved models the content types a released database has: same rows, old app."""
    content_type = old_apps.get_model("contenttypes", "ContentType")
    permission = old_apps.get_model("auth", "Permission")
    ids = {}
    for old_app, new_app, model in MOVED:
        row, _ = content_type.objects.get_or_create(app_label=new_app, model=model)
        for action in ("add", "change", "delete", "view"):
            permission.objects.get_or_create(
                content_type=row, codename=f"{action}_{model}", defaults={"name": action}
            )
        content_type.objects.filter(pk=row.pk).update(app_label=old_app)
        ids[model] = row.pk
    return ids


def _seed(old_apps) -> dict[str, int]:
    """Rows of every kind the move touches, written through the released models."""
    agency_model = old_apps.get_model("partners", "Agency")
    user_model = old_apps.get_model("accounts", "User")
    person_model = old_apps.get_model("victims", "Person")
    case_model = old_apps.get_model("cases", "Case")
    agency = agency_model.objects.create(name="Old Agency", code="OLD", agency_type="ngo")
    shelter = agency_model.objects.create(name="Old Shelter", code="OSH", agency_type="shelter")
    admin = user_model.objects.create(
        email="platform.admin@example.org", full_name="Pat Platform", role="platform_admin"
    )
    caseworker = user_model.objects.create(
        email="old.caseworker@example.org",
        full_name="Olga Caseworker",
        role="caseworker",
        agency=agency,
    )
    person = person_model.objects.create(
        agency=agency,
        code="OLD-P-1",
        created_by=caseworker,
        legal_name=LEGAL_NAME,
        date_of_birth=datetime.date(1999, 4, 5),
    )
    case = case_model.objects.create(
        agency=agency,
        reference="OLD-2026-0001",
        person=person,
        created_by=caseworker,
        protection_status="in_progress",
    )
    case.caseworkers.add(caseworker)
    old_apps.get_model("cases", "TrackTransition").objects.create(
        case=case,
        track="protection",
        from_status="needs_assessment",
        to_status="in_progress",
        actor=caseworker,
        note="Moved to the safe house.",
    )
    service = old_apps.get_model("victims", "ServiceItem").objects.create(
        case=case,
        service_type="shelter",
        status="in_progress",
        shelter_location=SHELTER,
        permit_number=PERMIT,
        provider=shelter,
        created_by=caseworker,
    )
    referral = old_apps.get_model("partners", "Referral").objects.create(
        case=case,
        from_agency=agency,
        to_agency=shelter,
        purpose="shelter",
        sections=["summary", "services"],
        message="A bed for two weeks.",
        status="accepted",
        created_by=caseworker,
        responded_by=admin,
    )
    referral.assigned_to.add(caseworker)
    old_apps.get_model("partners", "ReferralTransition").objects.create(
        referral=referral, from_status="sent", to_status="accepted", actor=caseworker
    )
    old_apps.get_model("partners", "ReferralUpdate").objects.create(
        referral=referral, text="Arrived safely.", author=caseworker
    )
    mla = old_apps.get_model("partners", "MLARequest").objects.create(
        agency=agency,
        case=case,
        direction="outgoing",
        requesting_country="TH",
        requesting_authority="Office of the Attorney General",
        requested_country="KH",
        requested_authority="Ministry of Justice",
        channel="formal",
        requests=["evidence"],
        sent_on=datetime.date(2026, 3, 1),
        created_by=caseworker,
    )
    exposure_model = old_apps.get_model("cases", "CriminalExposure")
    matter = exposure_model.objects.create(
        case=case,
        role="defendant",
        case_numbers="OLD-COURT-7",
        charges="Fraud in a scam compound",
        non_punishment_requested_on=datetime.date(2026, 2, 1),
        outcome="immunity",
    )
    bare = exposure_model.objects.create(case=case, role="suspect", case_numbers="OLD-POL-8")
    proceeding = old_apps.get_model("cases", "LegalProceeding").objects.create(
        case=case, police_case_number="OLD-PD-1"
    )
    defendant_model = old_apps.get_model("cases", "Defendant")
    convicted = defendant_model.objects.create(
        proceeding=proceeding,
        name="Old alias",
        charges="Trafficking for labour",
        outcome="convicted",
        judgment_date=datetime.date(2026, 5, 1),
    )
    pending = defendant_model.objects.create(proceeding=proceeding, name="Other alias")
    hearing = old_apps.get_model("cases", "Hearing").objects.create(
        proceeding=proceeding, date=datetime.date(2026, 6, 1), description="First hearing"
    )
    event = old_apps.get_model("audit", "AuditEvent").objects.create(
        actor=caseworker,
        agency=agency,
        role="caseworker",
        action="create",
        object_type="partners.referral",
        object_id=str(referral.pk),
        ip_address="192.0.2.7",
    )
    return {
        "agency": agency.pk,
        "shelter": shelter.pk,
        "admin": admin.pk,
        "caseworker": caseworker.pk,
        "person": person.pk,
        "case": case.pk,
        "service": service.pk,
        "referral": referral.pk,
        "mla": mla.pk,
        "event": event.pk,
        "matter": matter.pk,
        "bare_matter": bare.pk,
        "proceeding": proceeding.pk,
        "convicted": convicted.pk,
        "pending": pending.pk,
        "hearing": hearing.pk,
    }


def _moving_migration(graph: MigrationGraph, app_label: str, operation: type, model: str):
    """The app's migration whose state-only operations create or delete `model`."""
    for key in graph.nodes:
        if key[0] != app_label:
            continue
        for wrapper in graph.nodes[key].operations:
            if isinstance(wrapper, SeparateDatabaseAndState) and any(
                isinstance(op, operation) and op.name_lower == model
                for op in wrapper.state_operations
            ):
                return key
    raise AssertionError(f"no migration of {app_label} moves {model}")


def test_a_moved_model_joins_its_new_app_only_once_its_table_exists():
    """On a fresh database the new app must not point at a table not created yet.

    The move creates no table, so nothing but the dependency orders it after the old
    app's migrations that build the table; PostgreSQL then refuses a foreign key to it
    (SQLite does not notice).
    """
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    for old_app, new_app, model in MOVED:
        adopted = _moving_migration(graph, new_app, CreateModel, model)
        released = _moving_migration(graph, old_app, DeleteModel, model)
        built = {node.key for node in graph.node_map[released].parents if node.key[0] == old_app}
        missing = built - set(graph.forwards_plan(adopted))
        assert not missing, f"{adopted} must depend on {sorted(missing)}"


@pytest.mark.django_db(transaction=True)
def test_released_database_migrates_forward_with_its_data():
    executor = MigrationExecutor(connection)
    targets = _released_targets(executor)
    try:
        executor.migrate(targets)
        executor.loader.build_graph()
        old_apps = executor.loader.project_state(
            [target for target in targets if target[1] is not None]
        ).apps
        content_type_ids = _content_types_as_released(old_apps)
        ids = _seed(old_apps)
        # The released models' field classes are the real crypto fields: ciphertext on disk.
        raw_name = _stored_ciphertext(
            "SELECT legal_name FROM victims_person WHERE id = %s", ids["person"]
        )
        raw_shelter = _stored_ciphertext(
            "SELECT shelter_location FROM victims_serviceitem WHERE id = %s", ids["service"]
        )
        assert LEGAL_NAME not in raw_name
        assert crypto.decrypt(raw_name) == LEGAL_NAME
        assert SHELTER not in raw_shelter
        assert crypto.decrypt(raw_shelter) == SHELTER

        executor.migrate(executor.loader.graph.leaf_nodes())
        # What `migrate` does next: create missing content types and permissions.
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    finally:
        _migrate_to_latest()

    caseworker = User.objects.get(pk=ids["caseworker"])
    assert User.objects.get(pk=ids["admin"]).agency is None
    assert caseworker.agency == Agency.objects.get(pk=ids["agency"])

    person = Person.objects.get(pk=ids["person"])
    assert person.legal_name == LEGAL_NAME
    assert person.date_of_birth == datetime.date(1999, 4, 5)

    case = Case.objects.get(pk=ids["case"])
    assert (case.person, case.protection_status) == (person, "in_progress")
    assert list(case.caseworkers.all()) == [caseworker]
    transition = TrackTransition.objects.get(case=case)
    assert (transition.track, transition.to_status, transition.actor) == (
        "protection",
        "in_progress",
        caseworker,
    )
    # Free text written in clear before it was encrypted is ciphertext now, same words.
    assert transition.note == "Moved to the safe house."
    raw_note = _stored_ciphertext(
        "SELECT note FROM cases_tracktransition WHERE id = %s", transition.pk
    )
    assert "safe house" not in raw_note

    service = ServiceItem.objects.get(pk=ids["service"])
    assert (service.case, service.provider_id, service.created_by) == (
        case,
        ids["shelter"],
        caseworker,
    )
    assert (service.service_type, service.status) == ("shelter", "in_progress")
    assert (service.shelter_location, service.permit_number) == (SHELTER, PERMIT)
    assert list(case.service_items.all()) == [service]

    referral = Referral.objects.get(pk=ids["referral"])
    assert (referral.case, referral.from_agency_id, referral.to_agency_id) == (
        case,
        ids["agency"],
        ids["shelter"],
    )
    assert (referral.status, referral.sections, referral.message) == (
        "accepted",
        ["summary", "services"],
        "A bed for two weeks.",
    )
    assert referral.responded_by_id == ids["admin"]
    assert list(referral.assigned_to.all()) == [caseworker]
    assert list(caseworker.assigned_referrals.all()) == [referral]
    assert [(t.from_status, t.to_status, t.actor) for t in referral.transitions.all()] == [
        ("sent", "accepted", caseworker)
    ]
    assert [(u.text, u.author) for u in referral.updates.all()] == [("Arrived safely.", caseworker)]
    raw_message = _stored_ciphertext(
        "SELECT message FROM partners_referral WHERE id = %s", referral.pk
    )
    assert crypto.decrypt(raw_message) == "A bed for two weeks."
    assert list(case.referrals.all()) == [referral]

    mla = MLARequest.objects.get(pk=ids["mla"])
    assert (mla.case, mla.agency_id, mla.requests, mla.status) == (
        case,
        ids["agency"],
        ["evidence"],
        "sent",
    )
    assert (mla.requesting_country.code, mla.requested_country.code) == ("TH", "KH")

    # Audit rows are append-only: a row written before the move keeps its words.
    event = AuditEvent.objects.get(pk=ids["event"])
    assert (event.actor, event.action, event.object_type, event.object_id) == (
        caseworker,
        "create",
        "partners.referral",
        str(referral.pk),
    )
    assert (event.ip_address, event.user_agent) == ("192.0.2.7", "")

    # Content types (and the permissions hanging off them) moved with their models.
    for old_app, new_app, model in MOVED:
        assert not ContentType.objects.filter(app_label=old_app, model=model).exists()
        assert list(
            ContentType.objects.filter(app_label=new_app, model=model).values_list("pk", flat=True)
        ) == [content_type_ids[model]]
        codenames = Permission.objects.filter(content_type_id=content_type_ids[model]).values_list(
            "codename", flat=True
        )
        assert {f"{action}_{model}" for action in ("add", "change", "delete", "view")} <= set(
            codenames
        )
    assert ContentType.objects.get_for_model(Referral).pk == content_type_ids["referral"]
    assert ContentType.objects.get_for_model(ServiceItem).pk == content_type_ids["serviceitem"]

    # The person's own criminal matter: its free-text charges and single outcome became one
    # charge row (cases 0013); a matter with neither got none.
    matter = CriminalExposure.objects.get(pk=ids["matter"])
    assert (matter.case, matter.stage, matter.non_punishment_requested_on) == (
        case,
        "investigation",
        datetime.date(2026, 2, 1),
    )
    assert list(matter.charges.values_list("offence", "description", "outcome")) == [
        ("other", "Fraud in a scam compound", "exempted")
    ]
    assert not CriminalExposure.objects.get(pk=ids["bare_matter"]).charges.exists()

    # A proceeding of one case became its agency's, linked to that case (cases 0016); a
    # defendant's free-text charges and outcome became one "other" charge decided at the
    # district court; a hearing's date became 09:00 local time, for that case.
    proceeding = LegalProceeding.objects.get(pk=ids["proceeding"])
    assert (proceeding.agency_id, list(proceeding.cases.all())) == (ids["agency"], [case])
    assert proceeding.links.get().linked_by == caseworker
    charge = Defendant.objects.get(pk=ids["convicted"]).charges.get()
    assert (charge.statute, charge.other_text) == ("other", "Trafficking for labour")
    assert list(charge.outcomes.values_list("instance", "outcome", "decided_on")) == [
        (1, "convicted", datetime.date(2026, 5, 1))
    ]
    assert list(Defendant.objects.convicted().values_list("pk", flat=True)) == [ids["convicted"]]
    assert not Defendant.objects.get(pk=ids["pending"]).charges.exists()
    hearing = Hearing.objects.get(pk=ids["hearing"])
    assert hearing.case == case and hearing.description == "First hearing"
    starts = timezone.localtime(hearing.starts_at)
    assert (starts.date(), starts.hour, starts.minute) == (datetime.date(2026, 6, 1), 9, 0)
