"""widgets.FormRenderer: every form's inputs, textareas and dropdowns written in one pass,
with the markup Django's own templates give them."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.test.signals import template_rendered
from django_countries.fields import CountryField
from pytest_django.asserts import assertHTMLEqual

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
    side = forms.ChoiceField(choices=[("l", "Left"), ("r", "Right")], widget=forms.RadioSelect)
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
    "side": "r",
}


@pytest.mark.parametrize("data", [None, BOUND], ids=["unbound", "bound"])
def test_every_widget_renders_as_djangos_templates_render_it(data):
    fast = EveryWidget(data, renderer=FormRenderer())
    django = EveryWidget(data, renderer=TemplatesSetting())
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
        django = str(Nationality(renderer=TemplatesSetting())["nationality"])
    finally:
        template_rendered.disconnect(count)
    assert fast_templates == 0
    assert len(rendered) > 200  # Django's: one per option
    assertHTMLEqual(fast, django)
    assert fast.count("<option") > 200
