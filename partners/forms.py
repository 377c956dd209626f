from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from locking.forms import VersionedModelForm
from partners.models import (
    ActivityType,
    Agency,
    AgencyContact,
    Agreement,
    Audience,
    PreventionActivity,
    ServiceType,
)
from policy import Role
from widgets import BoundedModelMultipleChoiceField, DateInput


class AgencyForm(VersionedModelForm):
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=ServiceType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Agency
        fields = [
            "name",
            "code",
            "agency_type",
            "country",
            "services",
            "description",
            "email",
            "phone",
            "website",
            "is_coordinating",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_is_coordinating(self) -> bool:
        """At most one coordinating agency; it keeps the mark while it has coordinators."""
        coordinating = self.cleaned_data["is_coordinating"]
        if coordinating:
            other = Agency.objects.coordinating().exclude(pk=self.instance.pk).first()
            if other is not None:
                raise forms.ValidationError(
                    _("%(agency)s is already the national coordinating agency.")
                    % {"agency": other.name}
                )
        elif (
            self.instance.pk
            and self.instance.staff.filter(role=Role.COORDINATOR, is_active=True).exists()
        ):
            raise forms.ValidationError(
                _(
                    "This agency has active national coordinator accounts: change their "
                    "role or deactivate them first."
                )
            )
        return coordinating

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Agency.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another agency already has this name."))
        return name

    def clean_code(self) -> str:
        return self.cleaned_data["code"].upper()


ContactFormSet: type[
    forms.BaseInlineFormSet[AgencyContact, Agency, forms.ModelForm[AgencyContact]]
] = forms.inlineformset_factory(
    Agency,
    AgencyContact,
    fields=["name", "title", "email", "phone"],
    extra=1,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


# --- referrals -------------------------------------------------------------------------


# --- agreements, MLA, activities -------------------------------------------------------


class AgreementForm(VersionedModelForm):
    parties = BoundedModelMultipleChoiceField(
        label=_("Agencies party to it"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Agreement
        fields = [
            "title",
            "parties",
            "foreign_party",
            "foreign_country",
            "covers_forced_criminality",
            "covers_labour",
            "covers_sexual",
            "scope",
            "signed_on",
            "expires_on",
            "focal_points",
            "document_reference",
        ]
        widgets = {
            "parties": forms.CheckboxSelectMultiple,
            "signed_on": DateInput(),
            "expires_on": DateInput(),
            "scope": forms.Textarea(attrs={"rows": 3}),
            "focal_points": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["parties"]).queryset = Agency.objects.active()

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        signed, expires = data.get("signed_on"), data.get("expires_on")
        if signed and expires and expires < signed:
            self.add_error("expires_on", _("An agreement cannot expire before it is signed."))
        return data


class PreventionActivityForm(VersionedModelForm):
    audience = forms.MultipleChoiceField(
        label=_("Audience"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants = forms.IntegerField(
        label=_("Number of participants"), required=False, min_value=0, max_value=10_000_000
    )
    partner_agencies = BoundedModelMultipleChoiceField(
        label=_("Partner agencies"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PreventionActivity
        fields = [
            "activity_type",
            "title",
            "partner_agencies",
            "start_date",
            "end_date",
            "place",
            "online",
            "audience",
            "participants",
            "countries",
            "materials",
            "platform",
            "link_or_identifier",
            "sent_on",
            "takedown_outcome",
            "removed_on",
        ]
        widgets = {
            "partner_agencies": forms.CheckboxSelectMultiple,
            "start_date": DateInput(),
            "end_date": DateInput(),
            "sent_on": DateInput(),
            "removed_on": DateInput(),
            "materials": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"platform": _("Take-down requests only: the platform asked, e.g. LINE.")}

    def __init__(self, *args, organiser_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        partner_agencies = cast(forms.ModelChoiceField, self.fields["partner_agencies"])
        partner_agencies.queryset = Agency.objects.active().exclude(pk=organiser_id)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        if data.get("activity_type") == ActivityType.TAKEDOWN:
            if not data.get("platform"):
                self.add_error("platform", _("Name the platform the request was sent to."))
            if not data.get("link_or_identifier"):
                self.add_error("link_or_identifier", _("Give the link or identifier of the ad."))
        else:
            for name in TAKEDOWN_FIELDS:
                data[name] = None if name in ("sent_on", "removed_on") else ""
        return data


TAKEDOWN_FIELDS = ["platform", "link_or_identifier", "sent_on", "takedown_outcome", "removed_on"]
