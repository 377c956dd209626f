"""The version a form was opened with, sent back hidden so a stale save is refused."""

from __future__ import annotations

from typing import Any

from django import forms

from widgets import ModelForm

# Fits the PositiveIntegerField of every database Harbor runs on.
MAX_VERSION = 2**31 - 1


class VersionField(forms.IntegerField):
    """The hidden `version` field of an edit form.

    Not required: a missing or tampered value is answered as a stale edit by the
    service (`claim_version` never matches 0), not as a form error the user cannot see.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        super().__init__(**kwargs)


class VersionedModelForm(ModelForm):
    """A ModelForm of a versioned record: carries the record's version as it was opened."""

    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("version", self.instance.version)


def expected_version(form: forms.BaseForm) -> int:
    """The version the valid `form` was opened with (0, which never matches, if none)."""
    return form.cleaned_data.get("version") or 0
