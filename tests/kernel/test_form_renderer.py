"""widgets.FormRenderer: every form in Bootstrap's markup; its inputs, textareas and
dropdowns written in one pass, with the markup Django's own templates give them."""

from __future__ import annotations

import pytest
from django import forms
from django.test.signals import template_rendered
from django_countries.fields import CountryField
from pytest_django.asserts import assertHTMLEqual, assertInHTML

from widgets import DateInput, FormRenderer

HOSTILE = 'x" onfocus="alert(1)" <b>&amp;'


class EveryWidget(forms.Form):
    name = forms.CharField(max_length=20, help_text="Help")
    age = forms.IntegerField(min_value=0, required=False)
    email = forms.EmailField(required=False)
    born = forms.DateField(widget=DateInput, required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agreed = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    kind = forms.ChoiceField(
        choices=[("", "---"), ("a", "A & B"), ("Group", [("g1", "One"), ("g2", HOSTILE)])]
    )
    kinds = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    answer = forms.NullBooleanField(required=False)
    upload = forms.FileField(required=False)


BOUND = {
    "name": HOSTILE,
    "age": "41",
    "email": "a@example.org",
    "born": "2026-12-03",
    "secret": "s",
    "hidden": HOSTILE,
    "agreed": "on",
    "note": "<script>alert(1)</script>\nline",
    "kind": "g2",
    "kinds": ["a", "b"],
    "answer": "true",
}


class TemplateWidgets(FormRenderer):
    """The same renderer with every widget left to Django's template."""

    def widget_markup(self, template_name, widget):
        return None


@pytest.mark.parametrize("data", [None, BOUND], ids=["unbound", "bound"])
def test_every_widget_renders_as_djangos_templates_render_it(data):
    fast = EveryWidget(data, renderer=FormRenderer())
    django = EveryWidget(data, renderer=TemplateWidgets())
    for name in EveryWidget.base_fields:
        assertHTMLEqual(str(fast[name]), str(django[name]))
    assertHTMLEqual(str(fast), str(django))


def test_values_and_labels_are_escaped():
    html = str(EveryWidget(BOUND, renderer=FormRenderer()))
    assert "<script>" not in html
    assert 'onfocus="alert(1)"' not in html
    assert "&lt;script&gt;" in html


def test_a_dropdown_of_every_country_renders_no_template_per_option():
    class Nationality(forms.Form):
        nationality = CountryField().formfield()

    rendered: list[str] = []

    def count(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(count)
    try:
        fast = str(Nationality(renderer=FormRenderer())["nationality"])
        fast_templates = len(rendered)
        rendered.clear()
        django = str(Nationality(renderer=TemplateWidgets())["nationality"])
    finally:
        template_rendered.disconnect(count)
    assert fast_templates == 0
    assert len(rendered) > 200  # Django's: one per option
    assertHTMLEqual(fast, django)
    assert fast.count("<option") > 200


# --- Bootstrap's markup -------------------------------------------------------------------


class Visit(forms.Form):
    place = forms.CharField(label="Place", help_text="Where it happened.")
    on = forms.DateField(widget=DateInput, required=False, label="On")
    urgent = forms.BooleanField(required=False, label="Urgent")
    side = forms.ChoiceField(
        label="Side", choices=[("l", "Left"), ("r", HOSTILE)], widget=forms.RadioSelect
    )
    needs = forms.MultipleChoiceField(
        label="Needs",
        choices=[("a", "Shelter"), ("b", "Medical")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    answer = forms.ChoiceField(
        choices=[("y", "Yes"), ("n", "No")],
        widget=forms.RadioSelect(attrs={"class": "form-check-inline"}),
        required=False,
    )
    code = forms.CharField(required=False, widget=forms.TextInput(attrs={"class": "own"}))

    def clean(self):
        raise forms.ValidationError("The visit overlaps another one.")


def test_each_field_has_its_label_widget_and_help_in_bootstraps_markup():
    html = str(Visit(renderer=FormRenderer()))
    assertInHTML(
        '<div id="div_id_place" class="mb-3"><label for="id_place" class="form-label">Place'
        '<span class="asteriskField">*</span></label>'
        '<input type="text" name="place" class="form-control" required'
        ' aria-describedby="id_place_helptext" id="id_place">'
        '<div id="id_place_helptext" class="form-text">Where it happened.</div></div>',
        html,
    )
    assertInHTML(
        '<div id="div_id_urgent" class="mb-3 form-check">'
        '<input type="checkbox" name="urgent" id="id_urgent" class="form-check-input">'
        '<label for="id_urgent" class="form-check-label">Urgent</label></div>',
        html,
    )
    assert 'type="date" name="on"' in html and 'class="form-control"' in html
    # A widget its form gave a class keeps it.
    assertInHTML('<input type="text" name="code" class="own" id="id_code">', html)


def test_radio_buttons_and_checkboxes_are_form_checks_under_a_legend():
    form = Visit({"side": "r", "needs": ["b"]}, renderer=FormRenderer())
    html = str(form)
    assertInHTML(
        '<fieldset id="div_id_side" class="mb-3"><legend class="form-label fs-6">Side'
        '<span class="asteriskField">*</span></legend><div id="id_side">'
        '<div class="form-check"><input type="radio" name="side" value="l" required'
        ' id="id_side_0" class="form-check-input">'
        '<label class="form-check-label" for="id_side_0">Left</label></div>'
        '<div class="form-check"><input type="radio" name="side" value="r" required'
        ' id="id_side_1" checked class="form-check-input">'
        '<label class="form-check-label" for="id_side_1">'
        "x&quot; onfocus=&quot;alert(1)&quot; &lt;b&gt;&amp;amp;</label></div></div></fieldset>",
        html,
    )
    assertInHTML(
        '<div class="form-check"><input type="checkbox" name="needs" value="b" id="id_needs_1"'
        ' checked class="form-check-input">'
        '<label class="form-check-label" for="id_needs_1">Medical</label></div>',
        html,
    )
    # A widget of class form-check-inline sets its choices side by side.
    assert html.count('<div class="form-check form-check-inline">') == 2
    assert 'onfocus="alert(1)"' not in html


def test_errors_name_the_field_and_mark_its_widget_invalid():
    form = Visit({"place": "", "side": "x"}, renderer=FormRenderer())
    html = str(form)
    # The form's own error, once, above the fields.
    assertInHTML(
        '<div class="alert alert-danger" role="alert"><ul class="m-0">'
        "<li>The visit overlaps another one.</li></ul></div>",
        html,
    )
    place = str(form["place"].as_field_group())
    assert 'class="form-control is-invalid"' in place and 'aria-invalid="true"' in place
    # The widget names its errors and its help text: a screen reader reads them with it.
    assert 'aria-describedby="id_place_helptext id_place_error"' in place
    assertInHTML(
        '<div id="id_place_error" class="invalid-feedback d-block">'
        '<strong class="d-block">This field is required.</strong></div>',
        place,
    )
    side = str(form["side"].as_field_group())
    assert side.count('class="form-check-input is-invalid"') == 2
    assert '<fieldset id="div_id_side" class="mb-3" aria-describedby="id_side_error">' in side
    assert "Select a valid choice. x is not one of the available choices." in side
    # A valid field names no error.
    assert "_error" not in str(form["urgent"].as_field_group())


def test_a_form_renders_without_a_template():
    rendered: list[str] = []

    def record(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        str(Visit({"place": "Port"}, renderer=FormRenderer()))
    finally:
        template_rendered.disconnect(record)
    # The form, each field's group and each widget are written in Python: a template per
    # field group cost a case's page 6.6 of its 57 ms (issue 12).
    assert rendered == []
