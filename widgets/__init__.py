"""Form widgets and fields shared by every app: one way to ask for a date, or for records.

Every date a form accepts goes through `DateField` (1900-01-01 to 2100-12-31): model
forms get it from `ModelForm`, plain forms and filters name it (`DateField`,
`DateFilter`). Year 1 or 9999 is nobody's real date, and date arithmetic on it (a task
due a week before a hearing) overflows into a 500.
"""

import datetime
import functools
from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# The largest id a bigint primary key holds.
MAX_PK = 2**63 - 1


def _input(widget: forms.widgets.Input, name: str, value: Any, attrs: dict | None) -> SafeString:
    """The markup of Django's input.html and attrs.html, written in one pass."""
    final_attrs = widget.build_attrs(widget.attrs, attrs)
    formatted = widget.format_value(value)
    shown = "" if formatted is None else f' value="{conditional_escape(formatted)}"'
    return mark_safe(  # noqa: S308 - the name and value are escaped, flatatt escapes the attrs
        f'<input type="{widget.input_type}" name="{conditional_escape(name)}"{shown}'
        f"{flatatt(final_attrs)}>"
    )


class TextInput(forms.TextInput):
    """A text box rendered in one pass (lists' filter bars: no template per field)."""

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        return _input(self, name, value, attrs)


class DateInput(forms.DateInput):
    """A native date picker. Its value is always ISO (YYYY-MM-DD), whatever the language.

    Django would otherwise render the value in the active locale's first input format
    (e.g. 2026/11/21 in Traditional Chinese), which `<input type="date">` cannot show.
    Rendered in one pass, like `TextInput`.
    """

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        return _input(self, name, value, attrs)


@functools.cache
def _countries_in(language: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((code, str(name)) for code, name in countries)


def country_choices() -> tuple[tuple[str, str], ...]:
    """Every country, named and sorted in the reader's language: the choices of each
    nationality and country filter (`choices=country_choices`, a callable).

    Translated and sorted once per language, not on every page: django-countries
    translates and sorts about 250 names each time its list is walked.
    """
    return _countries_in(get_language())


class Select(forms.Select):
    """A dropdown rendered in one pass in Python, for lists' filter bars.

    Django renders every option of a `Select` through a template: the country list
    (about 250 options) and a big agency's staff cost tens of milliseconds a page. This
    one writes the same markup (`<select>` with its attributes, `<option value>` with
    `selected`, `<optgroup>`) directly; values and labels are escaped.
    """

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        formatted = self.format_value(value)
        # Select gives a list of values; NullBooleanSelect one string.
        chosen = {formatted} if isinstance(formatted, str) else {str(v) for v in formatted}
        parts = [f'<select name="{conditional_escape(name)}"{flatatt(final_attrs)}>']
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{conditional_escape(option_value)}">')
                parts.extend(self._option(value_, label_, chosen) for value_, label_ in label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, label, chosen))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped above

    @staticmethod
    def _option(value: Any, label: Any, chosen: set[str]) -> str:
        text = "" if value is None else str(value)
        selected = " selected" if text in chosen else ""
        return (
            f'<option value="{conditional_escape(text)}"{selected}>'
            f"{conditional_escape(label)}</option>"
        )


class NullBooleanSelect(Select, forms.NullBooleanSelect):
    """Unknown / Yes / No, rendered in one pass (the yes-no filters of lists)."""


EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


class DateField(forms.DateField):
    """The one date field: a native date picker, and a date from EARLIEST_DATE to
    LATEST_DATE, else an error on the field that names it."""

    widget = DateInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values or EARLIEST_DATE <= value <= LATEST_DATE:
            return
        raise ValidationError(
            _("%(field)s must be a date from %(earliest)s to %(latest)s."),
            code="date_out_of_range",
            params={
                "field": capfirst(self.label) if self.label else _("The date"),
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": LATEST_DATE.isoformat(),
            },
        )

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.DateInput):
            attrs.update(min=EARLIEST_DATE.isoformat(), max=LATEST_DATE.isoformat())
        return attrs


class DateFilter(django_filters.DateFilter):
    """A list filter on a date: the same range as every form's dates.

    `until`: the filter keeps the rows up to its date (an "…until" or "…before" bound),
    which are the older rows of a table that fills over time (see
    listing.FilterSet.counts_oldest_first)."""

    field_class = DateField

    def __init__(self, *args: Any, until: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.until = until


def model_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """The form field of a model field in every ModelForm: a model date gets DateField."""
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", DateField)
    return db_field.formfield(**kwargs)


class ModelForm(forms.ModelForm):
    """The base of every model form: its model dates are `DateField`s.

    Fills in `Meta.formfield_callback` when a subclass declares a Meta without one.
    `__init_subclass__` runs inside the class's creation, before Django's metaclass
    reads Meta to build the fields from the model.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = model_formfield


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
