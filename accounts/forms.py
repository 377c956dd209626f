from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import grantable_roles, roles_offered
from locking.forms import VersionField
from partners.models import Agency
from policy import Role


def _choices(roles: set[str]) -> list[tuple[str, str | Promise]]:
    return [(role.value, role.label) for role in Role if role in roles]


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

    def clean_username(self) -> str:
        # Addresses are stored lower-cased (trimmed by EmailField). The lockout counts
        # under `normalised_login` of this, which also folds what lower() leaves apart
        # (the long s and "s", both matched by the case-insensitive lookup on PostgreSQL).
        return self.cleaned_data["username"].strip().lower()


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
        cast(forms.ChoiceField, self.fields["role"]).choices = _choices(roles_offered(actor))
        if actor.is_platform_admin:
            cast(forms.ModelChoiceField, self.fields["agency"]).queryset = Agency.objects.active()
            self.fields["agency"].help_text = _(
                "Leave empty only for a platform admin. An agency's first agency admin is "
                "created here; that admin then invites the agency's other staff."
            )
        else:
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
        if role == Role.COORDINATOR and agency is not None and not agency.is_coordinating:
            self.add_error(
                "role",
                _(
                    "Only staff of the national coordinating agency can be national "
                    "coordinators: mark the agency as coordinating first."
                ),
            )
        if role and not self.errors and role not in grantable_roles(self.actor, agency):
            self.add_error(
                "role",
                _("This agency already has an active agency admin: they invite its staff."),
            )
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
        # Keeping the current role is always possible; changing it, only to a grantable one.
        roles = grantable_roles(actor, target.agency, target=target) | {target.role}
        cast(forms.ChoiceField, self.fields["role"]).choices = _choices(roles)


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
