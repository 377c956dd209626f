from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
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
            self.fields["role"].choices = Role.choices
            self.fields["agency"].queryset = Agency.objects.active()
            self.fields["agency"].help_text = _("Leave empty only for a platform admin.")
        else:
            self.fields["role"].choices = [(r.value, r.label) for r in Role if r in AGENCY_ROLES]
            del self.fields["agency"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email

    def clean(self) -> dict:
        data = super().clean()
        if not self.actor.is_platform_admin:
            data["agency"] = self.actor.agency
        role, agency = data.get("role"), data.get("agency")
        if role == Role.PLATFORM_ADMIN and agency is not None:
            self.add_error("agency", _("A platform admin belongs to no agency."))
        if role and role != Role.PLATFORM_ADMIN and agency is None:
            self.add_error("agency", _("Choose the agency this person works for."))
        return data


class StaffEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, actor: User, target: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if target.is_platform_admin:
            self.fields["role"].choices = [(Role.PLATFORM_ADMIN.value, Role.PLATFORM_ADMIN.label)]
        else:
            self.fields["role"].choices = [(r.value, r.label) for r in Role if r in AGENCY_ROLES]


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
