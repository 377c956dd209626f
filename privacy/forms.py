from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

PASSPHRASE_MIN_LENGTH = 12


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should this person's data be erased?"),
        help_text=_("E.g. the person asked on a given date, through whom. Stored encrypted."),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=2000,
    )


class ErasureDecisionForm(forms.Form):
    class Decision:
        APPROVE = "approve"
        REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.APPROVE, _("Approve: erase the person and all their cases now")),
            (Decision.REFUSE, _("Refuse")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        help_text=_("Required to refuse: why. Stored encrypted."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )
    confirm = forms.BooleanField(
        label=_("I understand an approved erasure cannot be undone."), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision == self.Decision.APPROVE and not data.get("confirm"):
            self.add_error("confirm", _("Confirm that the erasure cannot be undone."))
        if decision == self.Decision.REFUSE and not data.get("note"):
            self.add_error("note", _("Say why the erasure is refused."))
        return data


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Passphrase"),
        help_text=_("At least 12 characters. Give it to the person by another channel."),
        min_length=PASSPHRASE_MIN_LENGTH,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirmation = forms.CharField(
        label=_("Passphrase again"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("passphrase") and data.get("passphrase") != data.get("confirmation"):
            self.add_error("confirmation", _("The two passphrases differ."))
        return data
