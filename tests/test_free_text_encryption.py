"""Free text that can identify or harm a person is encrypted at rest (issue 14).

Inventory of the free-text fields of cases, victims, cooperation and the workflow
history rows, and the decision for each (FREE_TEXT and CLEAR below are the same list,
checked against the models):

Encrypted (crypto.EncryptedTextField, or EncryptedCharField for one-line inputs)
  cases.Case               place_description, recruitment_channel (an app, a group, a broker)
  cases.CaseNote           text (testimony)
  cases.TrackTransition    note, override_reason        (and note of every history table:
  cases.TaskTransition     note                          workflow.TransitionRecord.note)
  cases.ServiceTransition  note
  cases.LegalProceeding    verdict, sentence; ProceedingTransition.note
  cases.Defendant          name (a third person's name); Charge.other_text (accusations)
  cases.Hearing            description, place (where and when the person will be);
                           ProtectiveMeasure.decided_by (a judge's or prosecutor's name)
  cases.CriminalExposure   case_numbers, decision_reference (the person's own criminal matter);
                           CriminalMatterCharge.description; CriminalMatterTransition.note
  cases.Task               title ("Call the mother in X")
  cases.Attachment         original_name ("passport_<name>.pdf"), description
  cases.ServiceItem        outcome (health), interpreter, hearing, embassy_contact,
                           travel_document, receiving_organisation (where the person goes);
                           shelter_location, permit_number were encrypted already
  victims.Screening        decision_note; ScreeningAnswer.note; ScreeningTransition.note
  victims.Person           identity fields were encrypted already (tests/victims/test_encryption.py)
  cooperation.Referral     message, decline_note, consent_override_reason, external_name,
                           external_contact; ReferralUpdate.text; ReferralTransition.note
  cooperation.MLARequest   description; MLATransition.note

In clear (codes, reference numbers, vocabulary; some are searched or sorted on)
  Case.reference, Person.code (searched, sorted), LegalProceeding police/prosecutor/court
  case numbers (the trafficking case's file numbers, how staff find a proceeding),
  LegalProceeding.court, MLARequest requesting/requested_authority (institutions),
  ServiceItem.language, ProtectiveMeasure.language (an interpreter's language),
  Person.languages, IdentificationDecision.notice_language,
  ConsentRecord.explained_in (language names), Attachment.content_type, PersonLookup.digest
  (a keyed hash), IndicatorSet and Indicator code, title, text (the checklist, reference
  data), ArchiveEntry.object_type/object_id (ids), the wrapped file keys (already
  ciphertext), the history rows' from/to states, and every field with choices.

Other free text born in these apps since (archive reasons, ArchiveEntry.reason) is
encrypted too: the canary test below walks every encrypted field of every model.

Nothing filters, sorts or searches on an encrypted column: a lookup would compare
ciphertext (see test_closure's note check, which compares after reading).
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

import crypto
import widgets
from cases import services
from cases.forms import CaseForm, ServiceForm, TaskForm
from cases.models import (
    Attachment,
    Case,
    CaseNote,
    Charge,
    CriminalMatterTransition,
    Defendant,
    ProceedingTransition,
    ProtectiveMeasure,
    ServiceItem,
    ServiceTransition,
    Task,
    TaskTransition,
    TrackTransition,
)
from cooperation.models import MLATransition, ReferralTransition, ReferralUpdate
from tests.factories import (
    CaseFactory,
    CriminalExposureFactory,
    CriminalMatterChargeFactory,
    HearingFactory,
    LegalProceedingFactory,
    MLARequestFactory,
    PersonFactory,
    ReferralFactory,
    TaskFactory,
)
from victims.models import (
    EncryptionSentinel,
    IndicatorSet,
    Person,
    Screening,
    ScreeningAnswer,
    ScreeningTransition,
)
from workflow import TransitionRecord

pytestmark = pytest.mark.django_db

APPS = ("cases", "victims", "cooperation")

# Free text that must be encrypted (the inventory above).
FREE_TEXT = {
    "cases.case": {"place_description", "recruitment_channel"},
    "cases.casenote": {"text"},
    "cases.tracktransition": {"note", "override_reason"},
    "cases.tasktransition": {"note"},
    "cases.servicetransition": {"note"},
    "cases.legalproceeding": {"verdict", "sentence"},
    "cases.proceedingtransition": {"note"},
    "cases.defendant": {"name"},
    "cases.charge": {"other_text"},
    "cases.hearing": {"description", "place"},
    "cases.protectivemeasure": {"decided_by"},
    "cases.criminalexposure": {"case_numbers", "decision_reference"},
    "cases.criminalmattercharge": {"description"},
    "cases.criminalmattertransition": {"note"},
    "cases.task": {"title"},
    "cases.attachment": {"original_name", "description"},
    "cases.serviceitem": {
        "outcome",
        "interpreter",
        "hearing",
        "embassy_contact",
        "travel_document",
        "receiving_organisation",
        "shelter_location",
        "permit_number",
    },
    "victims.screening": {"decision_note"},
    "victims.screeninganswer": {"note"},
    "victims.screeningtransition": {"note"},
    "cooperation.referral": {
        "message",
        "decline_note",
        "consent_override_reason",
        "external_name",
        "external_contact",
    },
    "cooperation.referralupdate": {"text"},
    "cooperation.referraltransition": {"note"},
    "cooperation.mlarequest": {"description"},
    "cooperation.mlatransition": {"note"},
}

# Free-text columns deliberately left in clear (the inventory says why).
CLEAR = {
    "cases.case": {"reference"},
    "cases.legalproceeding": {
        "police_case_number",
        "prosecutor_case_number",
        "court_case_number",
        "court",
    },
    "cases.attachment": {"content_type", "wrapped_key"},
    "cases.archiveentry": {"object_type", "object_id"},
    "cases.serviceitem": {"language"},
    "cases.protectivemeasure": {"language"},
    "victims.person": {"code", "languages"},
    "victims.personlookup": {"digest"},
    "victims.personphoto": {"wrapped_key"},
    "victims.indicatorset": {"code", "title"},
    "victims.indicator": {"code", "text"},
    "victims.identificationdecision": {"notice_language"},
    "victims.consentrecord": {"explained_in"},
    "cooperation.mlarequest": {"requesting_authority", "requested_authority"},
    # The dashboard's summary cube: figure names, filter keys and choice codes, not text.
    "reports.figurecount": {"figure", "exploitation", "value"},
}


# A history row's states are the graph's codes.
STATES = {"from_status", "to_status"}


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _our_models() -> list[type[models.Model]]:
    return [
        model
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        # simple-history's mirror keeps the field classes (checked on Person's own test).
        if not model.__name__.startswith("Historical") and model is not EncryptionSentinel
    ]


def _encrypted_fields(model: type[models.Model]) -> set[str]:
    return {
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, crypto.EncryptedTextField)
    }


def test_every_free_text_field_of_the_inventory_is_encrypted():
    for label, names in FREE_TEXT.items():
        model = apps.get_model(label)
        assert names <= _encrypted_fields(model), label


def test_every_clear_text_column_was_decided_on():
    """A new free-text field must be added to the inventory: encrypted, or in clear on purpose."""
    undecided = []
    for model in _our_models():
        for field in model._meta.concrete_fields:
            typed_text = isinstance(field, models.CharField | models.TextField)
            if not typed_text or field.choices or isinstance(field, crypto.EncryptedField):
                continue
            if type(field).__name__ == "CountryField":
                continue
            if issubclass(model, TransitionRecord) and field.name in STATES:
                continue
            if field.name not in CLEAR.get(_label(model), set()):
                undecided.append(f"{_label(model)}.{field.name}")
    assert undecided == []


# --- Canaries: every encrypted field, saved through the model, is ciphertext on disk --


def _indicator_set() -> IndicatorSet:
    return IndicatorSet.objects.filter(is_current=True).first() or IndicatorSet.objects.create(
        code="canary", version=1, title="Canary checklist", kind="forced_labour"
    )


def _screening(case: Case, user, **values) -> Screening:
    return Screening.objects.create(
        case=case, indicator_set=_indicator_set(), started_by=user, **values
    )


def _answer(case: Case, user, **values) -> ScreeningAnswer:
    screening = _screening(case, user)
    indicator = (
        screening.indicator_set.indicators.first()
        or screening.indicator_set.indicators.create(code="canary", text="Canary question?")
    )
    return ScreeningAnswer.objects.create(screening=screening, indicator=indicator, **values)


def _service(case: Case, user, **values) -> ServiceItem:
    return ServiceItem.objects.create(case=case, service_type="shelter", created_by=user, **values)


def _moved(history: type, user, **values):
    return history.objects.create(from_status="a", to_status="b", actor=user, **values)


BUILDERS: dict[str, Callable[..., models.Model]] = {
    "cases.case": lambda case, user, **v: CaseFactory(agency=case.agency, **v),
    "cases.casenote": lambda case, user, **v: CaseNote.objects.create(case=case, author=user, **v),
    "cases.tracktransition": lambda case, user, **v: _moved(
        TrackTransition, user, case=case, track="protection", **v
    ),
    "cases.tasktransition": lambda case, user, **v: _moved(
        TaskTransition, user, task=TaskFactory(case=case), **v
    ),
    "cases.servicetransition": lambda case, user, **v: _moved(
        ServiceTransition, user, service=_service(case, user), **v
    ),
    "cases.legalproceeding": lambda case, user, **v: LegalProceedingFactory(case=case, **v),
    "cases.defendant": lambda case, user, **v: Defendant.objects.create(
        proceeding=LegalProceedingFactory(case=case), **v
    ),
    "cases.hearing": lambda case, user, **v: HearingFactory(
        proceeding=LegalProceedingFactory(case=case), case=case, **v
    ),
    "cases.proceedingtransition": lambda case, user, **v: _moved(
        ProceedingTransition, user, proceeding=LegalProceedingFactory(case=case), **v
    ),
    "cases.charge": lambda case, user, **v: Charge.objects.create(
        defendant=Defendant.objects.create(
            proceeding=LegalProceedingFactory(case=case), name="Alias"
        ),
        statute="other",
        **v,
    ),
    "cases.protectivemeasure": lambda case, user, **v: ProtectiveMeasure.objects.create(
        hearing=HearingFactory(proceeding=LegalProceedingFactory(case=case), case=case),
        kind="interpreter",
        **v,
    ),
    "cases.criminalexposure": lambda case, user, **v: CriminalExposureFactory(case=case, **v),
    "cases.criminalmattercharge": lambda case, user, **v: CriminalMatterChargeFactory(
        matter=CriminalExposureFactory(case=case), **v
    ),
    "cases.criminalmattertransition": lambda case, user, **v: _moved(
        CriminalMatterTransition, user, matter=CriminalExposureFactory(case=case), **v
    ),
    "cases.task": lambda case, user, **v: TaskFactory(case=case, **v),
    "cases.attachment": lambda case, user, **v: Attachment.objects.create(
        case=case,
        file=f"cases/{case.pk}/canary.pdf",
        content_type="application/pdf",
        size=1,
        uploaded_by=user,
        **v,
    ),
    "cases.serviceitem": _service,
    "victims.person": lambda case, user, **v: PersonFactory(agency=case.agency, **v),
    "victims.screening": _screening,
    "victims.screeninganswer": _answer,
    "victims.screeningtransition": lambda case, user, **v: _moved(
        ScreeningTransition, user, screening=_screening(case, user), **v
    ),
    "cases.archiveentry": lambda case, user, **v: apps.get_model(
        "cases.archiveentry"
    ).objects.create(
        object_type="cases.case", object_id=str(case.pk), action="archive", actor=user, **v
    ),
    "cooperation.referral": lambda case, user, **v: ReferralFactory(case=case, **v),
    "cooperation.referralupdate": lambda case, user, **v: ReferralUpdate.objects.create(
        referral=ReferralFactory(case=case), author=user, **v
    ),
    "cooperation.referraltransition": lambda case, user, **v: _moved(
        ReferralTransition, user, referral=ReferralFactory(case=case), **v
    ),
    "cooperation.mlarequest": lambda case, user, **v: MLARequestFactory(
        agency=case.agency, case=case, **v
    ),
    "cooperation.mlatransition": lambda case, user, **v: _moved(
        MLATransition, user, mla_request=MLARequestFactory(agency=case.agency), **v
    ),
}


def _canary(label: str, name: str) -> str:
    return f"Canary ñ {label}.{name}"


def _raw(model: type[models.Model], name: str, pk: int) -> str:
    """The column as stored, past the field class that decrypts it."""
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(name).column)
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {key} = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def case(agency_a, caseworker) -> Case:
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


def test_every_model_with_encrypted_text_has_a_canary_builder():
    with_text = {_label(model) for model in _our_models() if _encrypted_fields(model)}
    assert with_text == set(BUILDERS)


@pytest.mark.parametrize("label", sorted(BUILDERS))
def test_a_canary_is_ciphertext_on_disk_and_clear_through_the_model(label, case, caseworker):
    model = apps.get_model(label)
    text_fields = {
        name
        for name in _encrypted_fields(model)
        if not isinstance(model._meta.get_field(name), crypto.EncryptedDateField)
    }
    canaries = {name: _canary(label, name) for name in text_fields}
    row = BUILDERS[label](case, caseworker, **canaries)

    reloaded = model._default_manager.get(pk=row.pk)
    for name, canary in canaries.items():
        raw = _raw(model, name, row.pk)
        assert "Canary" not in raw, f"{label}.{name} is stored in clear"
        assert crypto.decrypt(raw) == canary
        assert getattr(reloaded, name) == canary


# --- Through the services and the web forms ------------------------------------------


def test_a_note_typed_in_the_case_page_is_encrypted_and_shown_in_clear(login, case, caseworker):
    client = login(caseworker)
    testimony = "He took our passports at the Canary compound."
    response = client.post(reverse("cases:note_add", args=[case.pk]), {"text": testimony})
    assert response.status_code == 302
    note = case.notes.get()
    assert testimony not in _raw(CaseNote, "text", note.pk)
    assert testimony in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_a_task_title_typed_in_the_form_is_encrypted(login, case, caseworker):
    title = "Call the Canary mother in Phnom Penh"
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = login(caseworker).post(
        reverse("cases:task_add", args=[case.pk]), {"title": title, "due_date": due}
    )
    assert response.status_code == 302
    task = Task.objects.get(case=case)
    assert (task.title, title in _raw(Task, "title", task.pk)) == (title, False)


def test_a_track_move_keeps_its_reason_encrypted_in_the_history_row(case, caseworker):
    services.transition_track(
        case, "protection", "in_progress", actor=caseworker, note="Canary: moved to a safe house"
    )
    move = case.transitions.get(track="protection")
    assert "Canary" not in _raw(TrackTransition, "note", move.pk)
    assert move.note == "Canary: moved to a safe house"


def test_one_line_fields_keep_a_text_input_and_their_length_on_the_clear_value(case):
    form = TaskForm(instance=Task(case=case), agency_id=case.agency_id)
    assert form.fields["title"].widget.input_type == "text"
    assert form.fields["title"].max_length == 200
    service_form = ServiceForm(instance=ServiceItem(case=case), sees_sensitive=True)
    assert service_form.fields["interpreter"].widget.input_type == "text"
    assert service_form.fields["outcome"].max_length == 4000

    too_long = TaskForm(
        {"title": "x" * 201, "due_date": timezone.localdate().isoformat()},
        instance=Task(case=case),
        agency_id=case.agency_id,
    )
    assert "title" in too_long.errors
    # The model keeps the CharField's rule for code that saves without a form.
    with pytest.raises(Exception, match="200"):
        Task(case=case, title="x" * 201, due_date=timezone.localdate()).clean_fields(
            exclude=["case", "created_by"]
        )


def test_an_edit_form_shows_the_clear_text(case):
    case.place_description = "Canary compound, building 4"
    case.save()
    stored = Case.objects.get(pk=case.pk)
    form = CaseForm(instance=stored)
    assert form["place_description"].value() == "Canary compound, building 4"


# --- The data migration: existing rows are encrypted once, and back ------------------


def _write_raw(model: type[models.Model], name: str, pk: int, value: str) -> None:
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(name).column)
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {key} = %s", [value, pk])  # noqa: S608


def _still_columns(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The migration's columns that today's models still have (later migrations moved some
    free text to rows of their own, e.g. a criminal matter's charges)."""
    kept = {}
    for model_name, names in fields.items():
        meta = apps.get_model("cases", model_name)._meta
        kept[model_name] = [
            name for name in names if any(f.name == name for f in meta.concrete_fields)
        ]
    return kept


def test_the_migration_encrypts_clear_rows_once_and_decrypts_them_backwards(
    case, caseworker, monkeypatch
):
    migration = importlib.import_module("cases.migrations.0009_encrypt_free_text")
    monkeypatch.setattr(migration, "FIELDS", _still_columns(migration.FIELDS))
    editor = SimpleNamespace(connection=connection)
    note = CaseNote.objects.create(case=case, author=caseworker, text="x")
    _write_raw(CaseNote, "text", note.pk, "Canary written before the change")
    case.place_description = "Canary place"
    case.save()
    ciphertext = _raw(Case, "place_description", case.pk)

    migration.encrypt_existing_rows(apps, editor)
    migration.encrypt_existing_rows(apps, editor)  # a second run changes nothing

    assert CaseNote.objects.get(pk=note.pk).text == "Canary written before the change"
    assert _raw(Case, "place_description", case.pk) == ciphertext
    migration.decrypt_existing_rows(apps, editor)
    assert _raw(CaseNote, "text", note.pk) == "Canary written before the change"
    assert _raw(Case, "place_description", case.pk) == "Canary place"


def test_an_encrypted_date_asks_for_its_value_as_every_date_field_does():
    field = Person._meta.get_field("date_of_birth").formfield()
    assert isinstance(field, widgets.DateField)
    assert field.label == "Date of birth"  # capitalised like Django's own fields
    assert not field.required
