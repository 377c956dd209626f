"""Every date field of every form and list filter takes 1900-01-01 to 2100-12-31 and
refuses anything else with an error on that field, never a 500 (a hearing dated
0001-01-01 once overflowed computing its preparation task).

The forms are found, not listed: every form and FilterSet class defined in a
project package's forms.py or *filters.py, each date field of each."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import django_filters
import pytest
from django import forms
from django.test import RequestFactory
from django.urls import reverse

from cases.models import Hearing
from tests.factories import CaseFactory, LegalProceedingFactory
from victims.models import IndicatorSet
from victims.services import start_screening

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
OUT_OF_RANGE = ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]
IN_RANGE = ["1900-01-01", "2100-12-31"]


def _form_modules() -> list[Any]:
    modules = []
    for init in sorted(ROOT.glob("*/__init__.py")):
        package = init.parent.name
        if package == "tests":
            continue
        for path in sorted(init.parent.glob("*.py")):
            if path.stem == "forms" or path.stem.endswith("filters"):
                modules.append(importlib.import_module(f"{package}.{path.stem}"))
    return modules


def _defined_in(module: Any, base: type) -> list[type]:
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, base) and cls.__module__ == module.__name__
    ]


def _is_concrete(cls: type) -> bool:
    if issubclass(cls, forms.BaseModelForm):
        return cls._meta.model is not None
    if issubclass(cls, django_filters.FilterSet):
        return cls._meta.model is not None
    return True


MODULES = _form_modules()
FORMS = [c for m in MODULES for c in _defined_in(m, forms.BaseForm) if _is_concrete(c)]
FILTERSETS = [
    c for m in MODULES for c in _defined_in(m, django_filters.FilterSet) if _is_concrete(c)
]


@pytest.fixture
def build(caseworker, agency_a):
    """`build(cls, data)`: a form or filter's form bound to `data`, with the keyword
    arguments its __init__ insists on filled by a plausible value."""
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    by_name = {
        "actor": caseworker,
        "target": caseworker,
        "user": caseworker,
        "agency_id": agency_a.pk,
        "organiser_id": agency_a.pk,
        "sees_sensitive": True,
        "screening": start_screening(
            case, indicator_set=IndicatorSet.objects.first(), actor=caseworker
        ),
    }
    request = RequestFactory().get("/")
    request.user = caseworker

    def _build(cls: type, data: dict | None) -> forms.BaseForm:
        if issubclass(cls, django_filters.FilterSet):
            queryset = cls._meta.model._default_manager.none()
            return cls(data, queryset=queryset, request=request).form
        required = [
            name
            for name, parameter in inspect.signature(cls.__init__).parameters.items()
            if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty
        ]
        kwargs = {name: by_name[name] for name in required}
        model = getattr(getattr(cls, "_meta", None), "model", None)
        if model is not None and any(field.name == "case" for field in model._meta.fields):
            kwargs["instance"] = model(case=case)  # as its view builds it
        return cls(data, **kwargs)

    return _build


def _date_fields(form: forms.BaseForm) -> list[str]:
    return [name for name, field in form.fields.items() if isinstance(field, forms.DateField)]


def test_the_forms_and_filters_are_found(build):
    found = {
        f"{cls.__name__}.{name}"
        for cls in FORMS + FILTERSETS
        for name in _date_fields(build(cls, None))
    }
    assert {
        "HearingForm.date",
        "PersonForm.date_of_birth",
        "ReviewRequestForm.requested_on",
        "CaseFilter.intake_after",
        "AuditEventFilter.after",
    } <= found, sorted(found)
    assert len(found) >= 30, sorted(found)


@pytest.mark.parametrize("cls", FORMS + FILTERSETS, ids=lambda cls: cls.__name__)
def test_every_date_field_refuses_a_date_out_of_range(build, cls):
    for name in _date_fields(build(cls, None)):
        for value in OUT_OF_RANGE:
            form = build(cls, {name: value})
            assert not form.is_valid()
            assert name in form.errors, f"{cls.__name__}.{name} took {value}"
            message = " ".join(form.errors[name])
            assert "1900-01-01" in message and "2100-12-31" in message, message


@pytest.mark.parametrize("cls", FORMS + FILTERSETS, ids=lambda cls: cls.__name__)
def test_every_date_field_takes_the_first_and_last_date_of_the_range(build, cls):
    for name in _date_fields(build(cls, None)):
        for value in IN_RANGE:
            form = build(cls, {name: value})
            form.is_valid()
            # Other rules may still refuse the date (a response date in the past):
            # never the range.
            message = " ".join(form.errors.get(name, []))
            assert "2100-12-31" not in message, f"{cls.__name__}.{name} refused {value}"
            assert "Enter a valid date" not in message


def test_the_error_names_the_field(build):
    form = build(
        next(cls for cls in FORMS if cls.__name__ == "HearingForm"), {"date": "0001-01-01"}
    )
    assert form.errors["date"] == ["Date must be a date from 1900-01-01 to 2100-12-31."]


def test_the_date_picker_offers_only_the_range(build):
    form = build(next(cls for cls in FORMS if cls.__name__ == "HearingForm"), None)
    html = str(form["date"])
    assert 'min="1900-01-01"' in html and 'max="2100-12-31"' in html


def test_a_hearing_in_year_one_is_a_400_with_the_error(login, caseworker, agency_a):
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    proceeding = LegalProceedingFactory(case=case)
    url = reverse("cases:hearing_add", args=[case.pk, proceeding.pk])
    response = login(caseworker).post(url, {"date": "0001-01-01", "description": "x"})
    assert response.status_code == 400
    assert "must be a date from 1900-01-01 to 2100-12-31" in response.content.decode()
    assert not Hearing.objects.exists()
