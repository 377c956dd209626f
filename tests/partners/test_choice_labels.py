"""`get_<field>_display()` on the listed models (listing.ChoiceLabels): the label
Django would give, in the reader's language, without rebuilding the choices per call."""

from __future__ import annotations

import pytest
from django.utils import translation

from cooperation.models import Referral
from listing import ChoiceLabels
from partners.models import Agency, AgencyType
from tests.factories import AgencyFactory, PersonFactory
from tests.models import harbor_models
from victims.models import Person, Sex

pytestmark = pytest.mark.django_db


def test_the_display_is_the_choice_label():
    agency = AgencyFactory(agency_type=AgencyType.SHELTER)
    assert agency.get_agency_type_display() == "Shelter"
    assert Person(sex=Sex.FEMALE).get_sex_display() == "Female"
    assert Referral(status=Referral.Status.SENT).get_status_display() == str(
        Referral.Status.SENT.label
    )


def test_a_value_outside_the_choices_shows_as_itself():
    assert Agency(agency_type="retired-type").get_agency_type_display() == "retired-type"
    assert Person(age_band="").get_age_band_display() == ""


def test_the_label_follows_the_readers_language():
    person = PersonFactory(sex=Sex.FEMALE)
    with translation.override("zh-hant"):
        assert person.get_sex_display() == str(Sex.FEMALE.label)
        assert person.get_sex_display() != "Female"
    assert person.get_sex_display() == "Female"


def test_every_model_with_a_choice_field_reads_its_labels_once():
    """One way of showing a choice everywhere: a Harbor model with a choice field takes
    its labels from listing.ChoiceLabels (a protective measure on My work, an audit
    row's action in the viewer, an agreement's country). simple_history's copies of a
    person are not shown through their labels."""
    missing = [
        model._meta.label
        for model in harbor_models()
        if any(field.choices for field in model._meta.concrete_fields)
        and not issubclass(model, ChoiceLabels)
        and not model.__name__.startswith("Historical")
    ]
    assert missing == []
