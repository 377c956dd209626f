"""Form widgets shared by every app: one way to ask for a date."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker. Its value is always ISO (YYYY-MM-DD), whatever the language.

    Django would otherwise render the value in the active locale's first input format
    (e.g. 2026/11/21 in Traditional Chinese), which `<input type="date">` cannot show.
    """

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
