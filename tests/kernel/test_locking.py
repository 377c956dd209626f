"""locking: one hidden version field, one claim in the service, one stale answer in the view."""

from __future__ import annotations

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.test import RequestFactory

from cases.models import Case
from locking import StaleEditError, claim_version
from locking.forms import MAX_VERSION, VersionedModelForm, VersionField, expected_version
from locking.models import CreatedModel, VersionedModel
from locking.views import save_or_stale
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

# The versioned records: they subclass VersionedModel, and needed no migration to.
VERSIONED = ["cases.Case", "cases.LegalProceeding", "cases.Defendant", "cases.CriminalExposure"]
VERSIONED += ["victims.Person", "partners.Agreement", "partners.PreventionActivity"]
VERSIONED += ["cooperation.MLARequest", "cooperation.Referral", "partners.Agency", "accounts.User"]
# Fields a subclass redeclares, on purpose (see the comment on each).
REDECLARED = {
    "accounts.User": {"updated_by"},
    "partners.Agency": {"updated_by"},
    "cooperation.Referral": {"updated_by"},
    "cooperation.MLARequest": {"created_by"},
    "partners.PreventionActivity": {"created_by"},
}
CREATED = ["cases.Case", "cases.Task", "cases.ServiceItem", "victims.Person"]
CREATED += ["cooperation.MLARequest", "partners.PreventionActivity"]


class CaseRiskForm(VersionedModelForm):
    class Meta:
        model = Case
        fields = ["risk_level"]


class RenameForm(forms.Form):
    place_description = forms.CharField(max_length=100)
    version = VersionField()


@transaction.atomic
def save_case(case: Case, *, actor, expected_version: int, **fields) -> Case:
    """A service as the domain apps write them: claim the version, then save."""
    claim_version(case, expected_version)
    for name, value in fields.items():
        setattr(case, name, value)
    case.updated_by = actor
    case.save()
    return case


@pytest.fixture
def case(agency_a, caseworker) -> Case:
    """A case of agency A assigned to `caseworker`, at version 1."""
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


def _post(user, data: dict):
    request = RequestFactory().post("/", data)
    request.user = user
    request._messages = CookieStorage(request)
    return request


def _messages(request) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(request)]


# --- the model base ----------------------------------------------------------------------


@pytest.mark.parametrize("label", VERSIONED)
def test_versioned_records_subclass_the_base_and_keep_its_fields(label):
    model = apps.get_model(label)
    assert issubclass(model, VersionedModel)
    for field in VersionedModel._meta.fields:
        if field.name in REDECLARED.get(label, ()):
            continue
        theirs = model._meta.get_field(field.name)
        assert field.deconstruct()[1:] == theirs.deconstruct()[1:], f"{label}.{field.name}"


@pytest.mark.parametrize("label", CREATED)
def test_created_records_subclass_the_base_and_keep_its_fields(label):
    model = apps.get_model(label)
    assert issubclass(model, CreatedModel)
    for field in CreatedModel._meta.fields:
        if field.name in REDECLARED.get(label, ()):
            continue
        theirs = model._meta.get_field(field.name)
        assert field.deconstruct()[1:] == theirs.deconstruct()[1:], f"{label}.{field.name}"


def test_every_record_with_a_version_and_an_editor_is_a_versioned_model():
    """A new versioned model uses the base instead of writing the three fields again."""
    versioned = {
        model._meta.label
        for model in apps.get_models()
        if {"version", "updated_by"} <= {field.name for field in model._meta.fields}
        and not model._meta.label.split(".")[1].startswith("Historical")
    }
    assert versioned == set(VERSIONED)


def test_the_bases_are_abstract():
    assert VersionedModel._meta.abstract
    assert CreatedModel._meta.abstract


# --- claim_version -----------------------------------------------------------------------


def test_claim_version_bumps_the_version_of_a_fresh_edit(case):
    with transaction.atomic():
        claim_version(case, 1)
    assert case.version == 2


def test_claim_version_refuses_a_stale_edit_naming_who_saved(case, supervisor):
    save_case(Case.objects.get(pk=case.pk), actor=supervisor, expected_version=1)
    with pytest.raises(StaleEditError, match="Sam Supervisor changed this record"):
        save_case(case, actor=supervisor, expected_version=1)


# --- the form ----------------------------------------------------------------------------


def test_version_field_is_hidden_optional_and_bounded():
    field = VersionField()
    assert isinstance(field.widget, forms.HiddenInput)
    assert not field.required
    assert (field.min_value, field.max_value) == (1, MAX_VERSION)


def test_versioned_form_opens_with_the_records_version(case):
    case.version = 7
    assert CaseRiskForm(instance=case).initial["version"] == 7
    assert "version" not in CaseRiskForm().initial


def test_a_form_without_a_version_expects_one_that_never_matches(case):
    form = CaseRiskForm({"risk_level": "high"}, instance=case)
    assert form.is_valid()
    assert expected_version(form) == 0
    form = CaseRiskForm({"risk_level": "high", "version": "3"}, instance=case)
    assert form.is_valid()
    assert expected_version(form) == 3


@pytest.mark.parametrize("version", ["0", "-1", str(MAX_VERSION + 1), "x"])
def test_a_tampered_version_is_a_form_error(case, version):
    assert not CaseRiskForm({"risk_level": "high", "version": version}, instance=case).is_valid()


# --- the view helper ---------------------------------------------------------------------


def test_save_or_stale_saves_a_fresh_edit_and_says_so(case, caseworker):
    request = _post(caseworker, {"risk_level": "high", "version": "1"})
    form = CaseRiskForm(request.POST, instance=case)
    assert save_or_stale(request, form, save_case, saved="Case saved.")
    case.refresh_from_db()
    assert (case.risk_level, case.version, case.updated_by) == ("high", 2, caseworker)
    assert _messages(request) == [("success", "Case saved.")]


def test_save_or_stale_refuses_a_stale_edit_with_a_message(case, caseworker, supervisor):
    save_case(Case.objects.get(pk=case.pk), actor=supervisor, expected_version=1)
    request = _post(caseworker, {"risk_level": "high", "version": "1"})
    form = CaseRiskForm(request.POST, instance=case)
    assert not save_or_stale(request, form, save_case)
    case.refresh_from_db()
    assert (case.risk_level, case.version, case.updated_by) == ("medium", 2, supervisor)
    [(level, text)] = _messages(request)
    assert level == "error"
    assert text.startswith("Sam Supervisor changed this record")


def test_save_or_stale_leaves_an_invalid_or_unbound_form_to_the_view(case, caseworker):
    request = _post(caseworker, {"risk_level": "extreme", "version": "1"})
    assert not save_or_stale(request, CaseRiskForm(request.POST, instance=case), save_case)
    assert not save_or_stale(request, CaseRiskForm(instance=case), save_case)
    case.refresh_from_db()
    assert case.version == 1
    assert _messages(request) == []


def test_save_or_stale_passes_explicit_arguments_for_a_plain_form(case, caseworker):
    request = _post(caseworker, {"place_description": "A compound", "version": "1"})
    form = RenameForm(request.POST)
    assert save_or_stale(
        request, form, save_case, case, place_description="A compound", saved="Renamed."
    )
    case.refresh_from_db()
    assert (case.place_description, case.version) == ("A compound", 2)
    assert _messages(request) == [("success", "Renamed.")]
