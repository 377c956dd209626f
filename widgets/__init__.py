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
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

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
    """A list filter on a date: the same range as every form's dates."""

    field_class = DateField


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


# --- Every form, in Bootstrap's markup, its widgets rendered in one pass -------------------


_SELECT = "django/forms/widgets/select.html"
_SELECT_OPTION = "django/forms/widgets/select_option.html"
_TEXTAREA = "django/forms/widgets/textarea.html"
_CHECKBOX = "django/forms/widgets/checkbox.html"
_HIDDEN = "django/forms/widgets/hidden.html"
_CHOICES = frozenset(
    ("django/forms/widgets/radio.html", "django/forms/widgets/checkbox_select.html")
)
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
        "file",
    )
)
# Bootstrap's class for a widget, by its template: every other input is a form-control.
_BOOTSTRAP_CLASS = {_CHECKBOX: "form-check-input", _SELECT: "form-select", _HIDDEN: ""}


def _attrs_markup(attrs: dict[str, Any]) -> str:
    """Django's attrs.html: ` name="value"`, a True value as a bare name, False left out."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _invalid(attrs: dict[str, Any]) -> bool:
    """Whether the widget's field has errors (Django marks its widget aria-invalid)."""
    return attrs.get("aria-invalid") == "true"


def bootstrap_classes(template_name: str, attrs: dict[str, Any]) -> None:
    """Give a widget Bootstrap's class, unless its form gave it one, and `is-invalid`
    when its field has errors (Bootstrap then shows the field's feedback in red)."""
    if "class" not in attrs:
        classes = _BOOTSTRAP_CLASS.get(template_name, "form-control")
        if classes:
            attrs["class"] = classes
    if _invalid(attrs):
        attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class FormRenderer(TemplatesSetting):
    """Every form's renderer (settings.FORM_RENDERER): `{{ form }}` and
    `{{ field.as_field_group }}` in Bootstrap 5's markup (`form_markup`,
    `field_group_markup`), each widget with Bootstrap's class (`bootstrap_classes`).

    Written in Python, not in templates: the form, each field's group and the plainest
    widgets (inputs, textareas, dropdowns, the latter with the markup of Django's own
    templates), and radio buttons and checkboxes as Bootstrap's form-checks. A dropdown's
    template includes a template per option (the country list made a case's edit page
    render some 1,700 templates), and a template per field group cost a case's page
    6.6 of its 57 ms for its 34 fields (issue 12). A widget of another kind (a file
    input) still renders through Django's template.
    """

    # The names Django asks for; no template of these names exists: they are written here.
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == self.field_template_name:
            return field_group_markup(context["field"])
        if template_name == self.form_template_name:
            return form_markup(context)
        widget = context.get("widget")
        if widget is not None:
            if template_name not in _CHOICES:  # their class goes on each option's input
                bootstrap_classes(template_name, widget["attrs"])
            markup = self.widget_markup(template_name, widget)
            if markup is not None:
                return markup
        return super().render(template_name, context, request)

    def widget_markup(self, template_name: str, widget: dict[str, Any]) -> SafeString | None:
        """The widget written in Python, or None for its template."""
        if template_name in _INPUT_TEMPLATES:
            return _input_markup(widget)
        if template_name == _TEXTAREA:
            value = widget["value"]
            shown = conditional_escape(value) if value else ""
            return mark_safe(  # noqa: S308 - the name, attributes and value are escaped
                f'<textarea name="{conditional_escape(widget["name"])}"'
                f"{_attrs_markup(widget['attrs'])}>\n{shown}</textarea>"
            )
        if template_name == _SELECT and all(
            option["template_name"] == _SELECT_OPTION
            for _group, options, _index in widget["optgroups"]
            for option in options
        ):
            return _select_markup(widget)
        if template_name in _CHOICES:
            return _choices_markup(widget)
        return None


def form_markup(context: dict[str, Any]) -> SafeString:
    """`{{ form }}`: the form's own errors (and its hidden fields') in one alert, then each
    visible field's group, then the hidden fields."""
    parts = []
    if context["errors"]:
        items = "".join(f"<li>{conditional_escape(error)}</li>" for error in context["errors"])
        parts.append(
            f'<div class="alert alert-danger" role="alert"><ul class="m-0">{items}</ul></div>\n'
        )
    parts.extend(f"{field.as_field_group()}\n" for field, _errors in context["fields"])
    parts.extend(conditional_escape(field) for field in context["hidden_fields"])
    # Stripped, as Django strips what a renderer's template gives.
    return mark_safe("".join(parts).strip())  # noqa: S308 - every error is escaped, the rest markup


def field_group_markup(field: forms.BoundField) -> SafeString:
    """`{{ field.as_field_group }}`: the label (a required field's marked *), the widget,
    the errors and the help text, which Django names in the widget's aria-describedby
    (the fieldset's, for choices). A checkbox comes before its label; radio buttons and
    checkboxes stand in a fieldset, under a legend."""
    # A bound field's text is its widget's markup (Django marks it safe).
    widget = mark_safe(str(field))  # noqa: S308
    if field.is_hidden:
        return widget
    checkbox = field.widget_type == "checkbox"
    fieldset = field.use_fieldset
    tag = "fieldset" if fieldset else "div"
    auto_id = conditional_escape(field.auto_id)
    described = field.aria_describedby if fieldset else None
    described_by = f' aria-describedby="{conditional_escape(described)}"' if described else ""
    parts = [
        f'<{tag} id="div_{auto_id}" class="mb-3{" form-check" if checkbox else ""}"'
        f"{described_by}>\n"
    ]
    if checkbox:
        parts.append(widget)
    if field.label:
        required = '<span class="asteriskField">*</span>' if field.field.required else ""
        if fieldset:
            opening, closing = '<legend class="form-label fs-6">', "</legend>"
        else:
            label_class = "form-check-label" if checkbox else "form-label"
            label_for = conditional_escape(field.id_for_label)
            opening = f'<label for="{label_for}" class="{label_class}">'
            closing = "</label>"
        parts.append(f"{opening}{conditional_escape(field.label)}{required}{closing}")
    parts.append("\n")
    if not checkbox:
        parts.append(widget)
    errors = field.errors
    if errors:
        shown = "".join(
            f'<strong class="d-block">{conditional_escape(str(error))}</strong>' for error in errors
        )
        parts.append(f'\n<div id="{auto_id}_error" class="invalid-feedback d-block">{shown}</div>')
    if field.help_text:
        help_text = conditional_escape(field.help_text)
        parts.append(f'\n<div id="{auto_id}_helptext" class="form-text">{help_text}</div>')
    parts.append(f"\n</{tag}>")
    return mark_safe("".join(parts))  # noqa: S308 - every label, error, help text and id is escaped


def _choices_markup(widget: dict[str, Any]) -> SafeString:
    """Radio buttons or checkboxes, each a Bootstrap form-check (its input, then its
    label); a widget whose class holds `form-check-inline` sets them side by side."""
    attrs = widget["attrs"]
    inline = " form-check-inline" if "form-check-inline" in attrs.get("class", "") else ""
    box = f' id="{conditional_escape(attrs["id"])}"' if attrs.get("id") else ""
    parts = [f"<div{box}>"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<div><span class="form-label">{conditional_escape(group_name)}</span>')
        for option in options:
            # The widget's own class (form-check-inline) is the row's, not the input's.
            option_attrs = {key: value for key, value in option["attrs"].items() if key != "class"}
            bootstrap_classes(_CHECKBOX, option_attrs)
            label_for = option_attrs.get("id")
            label = f' for="{conditional_escape(label_for)}"' if label_for else ""
            parts.append(
                f'<div class="form-check{inline}">'
                f'<input type="{conditional_escape(option["type"])}"'
                f' name="{conditional_escape(option["name"])}"'
                f' value="{conditional_escape(option["value"])}"{_attrs_markup(option_attrs)}>'
                f'<label class="form-check-label"{label}>{conditional_escape(option["label"])}'
                "</label></div>"
            )
        if group_name:
            parts.append("</div>")
    parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every value, label and attribute is escaped


def _input_markup(widget: dict[str, Any]) -> SafeString:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return mark_safe(  # noqa: S308 - the type, name, value and attributes are escaped
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs_markup(widget["attrs"])}>'
    )


def _select_markup(widget: dict[str, Any]) -> SafeString:
    parts = [
        f'<select name="{conditional_escape(widget["name"])}"{_attrs_markup(widget["attrs"])}>'
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'<option value="{conditional_escape(option["value"])}"'
            f"{_attrs_markup(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value, label and attribute is escaped
