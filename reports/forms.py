from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatisticsForm(forms.Form):
    """The year to report; bad input is a form error (400 on download), never a 500."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    # No field turns disclosure control off: reports/disclosure.py decides, not the request.

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, initial={"year": timezone.localdate().year})
