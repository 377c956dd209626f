import django_filters
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from victims.models import AgeBand, Person, Sex


class PersonFilter(django_filters.FilterSet):
    """Filters on non-identifying fields only: identifying ones are encrypted."""

    nationality = django_filters.ChoiceFilter(label=_("Nationality"), choices=countries)
    sex = django_filters.ChoiceFilter(label=_("Sex/gender"), choices=Sex.choices)
    age_band = django_filters.ChoiceFilter(label=_("Age band"), choices=AgeBand.choices)

    class Meta:
        model = Person
        fields = ["nationality", "sex", "age_band"]
