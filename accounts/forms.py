from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from locking.forms import VersionField
from partners.models import Agency
from policy import AGENCY_ROLES, Role


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class StaffCreateForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), required=False
    )

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if actor.is_platform_admin:
            cast(forms.ChoiceField, self.fields["role"]).choices = Role.choices
            cast(forms.ModelChoiceField, self.fields["agency"]).queryset = Agency.objects.active()
            self.fields["agency"].help_text = _("Leave empty only for a platform admin.")
        else:
            role = cast(forms.ChoiceField, self.fields["role"])
            role.choices = [(r.value, r.label) for r in Role if r in AGENCY_ROLES]
            del self.fields["agency"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if not self.actor.is_platform_admin:
            data["agency"] = self.actor.agency
        role, agency = data.get("role"), data.get("agency")
        if role == Role.PLATFORM_ADMIN and agency is not None:
            self.add_error("agency", _("A platform admin belongs to no agency."))
        if role and role != Role.PLATFORM_ADMIN and agency is None:
            self.add_error("agency", _("Choose the agency this person works for."))
        return data


class StaffEditForm(forms.Form):
    """An account's name and role, opened at the account's version."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    version = VersionField()

    def __init__(self, *args, actor: User, target: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("full_name", "role", "version"):
            self.initial.setdefault(name, getattr(target, name))
        if target.is_platform_admin:
            role = cast(forms.ChoiceField, self.fields["role"])
            role.choices = [(Role.PLATFORM_ADMIN.value, Role.PLATFORM_ADMIN.label)]
        else:
            role = cast(forms.ChoiceField, self.fields["role"])
            role.choices = [(r.value, r.label) for r in Role if r in AGENCY_ROLES]


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=6,
        strip=True,
        validators=[RegexValidator(r"^[0-9]{6}$", _("Enter the 6 digits shown in the app."))],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )
