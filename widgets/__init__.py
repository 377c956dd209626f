"""Form widgets and fields shared by every app: one way to ask for a date, or for records."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet

# The largest id a bigint primary key holds.
MAX_PK = 2**63 - 1


class DateInput(forms.DateInput):
    """A native date picker. Its value is always ISO (YYYY-MM-DD), whatever the language.

    Django would otherwise render the value in the active locale's first input format
    (e.g. 2026/11/21 in Traditional Chinese), which `<input type="date">` cannot show.
    """

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of records whose ids are checked before the database sees them:
    a huge or non-numeric id is an "invalid choice" error, never an overflow (500)."""

    def _check_values(self, value: Iterable[Any]) -> QuerySet[Any]:
        for pk in value:
            text = str(pk)
            if not text.isdigit() or int(text) > MAX_PK:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text},
                )
        # A private ModelMultipleChoiceField method (Django 1.8 on) that django-stubs omits.
        return super()._check_values(value)  # type: ignore[misc]


def form_errors(form: forms.BaseForm) -> str:
    """All of a form's errors as one sentence, for a message when no form is re-rendered
    (a status button on a detail page)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
