from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from cases.models import Case, LegalProceeding
from config.widgets import DateInput
from partners.models import (
    ActivityType,
    Agency,
    AgencyContact,
    Agreement,
    Audience,
    DeclineReason,
    MLAAsk,
    MLARequest,
    PreventionActivity,
    Referral,
    ReferralSection,
    ReferralUpdate,
    ServiceType,
)
from partners.selectors import sections_without_consent


class AgencyForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=ServiceType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1
    )

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
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Agency.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another agency already has this name."))
        return name

    def clean_code(self) -> str:
        return self.cleaned_data["code"].upper()


ContactFormSet = forms.inlineformset_factory(
    Agency,
    AgencyContact,
    fields=["name", "title", "email", "phone"],
    extra=1,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


MAX_PK = 2**63 - 1


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of records whose ids are checked before the database sees them:
    a huge or non-numeric id is an "invalid choice" error, never an overflow (500)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not text.isdigit() or int(text) > MAX_PK:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text},
                )
        return super()._check_values(value)


VERSION_FIELD = {
    "widget": forms.HiddenInput,
    "required": False,
    "min_value": 1,
    "max_value": 2**31 - 1,
}
DATE = DateInput()
RESPONSE_DAYS = 7


# --- referrals -------------------------------------------------------------------------


class ReferralForm(forms.ModelForm):
    """Refer a case: to an agency on Harbor (sections chosen under consent) or to an
    outside organisation (recorded only, nothing shared)."""

    sections = forms.MultipleChoiceField(
        label=_("Sections to share"),
        choices=ReferralSection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only sections the person has consented to share with that agency."),
    )
    override_reason = forms.CharField(
        label=_("Supervisor override: why send without the person's consent"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded on the referral and in the audit trail."),
    )

    class Meta:
        model = Referral
        fields = [
            "to_agency",
            "external_name",
            "external_country",
            "external_contact",
            "purpose",
            "sections",
            "respond_by",
            "message",
        ]
        widgets = {"respond_by": DATE, "message": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["to_agency"].queryset = Agency.objects.active().exclude(
            pk=self.instance.case.agency_id
        )
        if not self.instance.respond_by:
            self.initial["respond_by"] = timezone.localdate() + datetime.timedelta(
                days=RESPONSE_DAYS
            )
        if not user.is_supervisor:
            del self.fields["override_reason"]

    def clean_respond_by(self) -> datetime.date | None:
        value = self.cleaned_data["respond_by"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The response date cannot be in the past."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        agency = data.get("to_agency")
        if agency and data.get("external_name"):
            self.add_error(
                "external_name", _("Choose an agency on Harbor or name an outside one, not both.")
            )
        elif agency:
            self._clean_internal(agency, data)
        elif not data.get("external_name") and "to_agency" not in self.errors:
            self.add_error("to_agency", _("Choose the receiving agency, or name an outside one."))
        return data

    def _clean_internal(self, agency: Agency, data: dict) -> None:
        sections = data.get("sections") or []
        if not sections:
            self.add_error("sections", _("Choose at least one section to share."))
            return
        if not data.get("respond_by"):
            self.add_error("respond_by", _("Set a date by which the agency should respond."))
        missing = sections_without_consent(self.instance.case.person, agency, sections)
        if missing and not data.get("override_reason", "").strip():
            labels = dict(ReferralSection.choices)
            self.add_error(
                "sections",
                _(
                    "The person has not consented to share these sections with %(agency)s: "
                    "%(sections)s. Record their consent first"
                    "%(supervisor)s."
                )
                % {
                    "agency": agency,
                    "sections": ", ".join(str(labels[s]) for s in missing),
                    "supervisor": _(", or ask a supervisor to override")
                    if not self.user.is_supervisor
                    else _(", or give a reason to override"),
                },
            )


class AcceptReferralForm(forms.Form):
    assignees = BoundedModelMultipleChoiceField(
        label=_("Who works this referral"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignees"].queryset = (
            User.objects.active()
            .in_agency(agency_id)
            .filter(role__in=[Role.CASEWORKER, Role.SUPERVISOR])
            .order_by("full_name", "pk")
        )


class DeclineReferralForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    note = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is “Other”."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("reason") == DeclineReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", _("Explain why when the reason is “Other”."))
        return data


class ReferralUpdateForm(forms.ModelForm):
    class Meta:
        model = ReferralUpdate
        fields = ["occurred_on", "text"]
        widgets = {"occurred_on": DATE, "text": forms.Textarea(attrs={"rows": 3})}


# --- agreements, MLA, activities -------------------------------------------------------


class AgreementForm(forms.ModelForm):
    parties = BoundedModelMultipleChoiceField(
        label=_("Agencies party to it"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(**VERSION_FIELD)

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
            "signed_on": DATE,
            "expires_on": DATE,
            "scope": forms.Textarea(attrs={"rows": 3}),
            "focal_points": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = Agency.objects.active()

    def clean(self) -> dict:
        data = super().clean()
        signed, expires = data.get("signed_on"), data.get("expires_on")
        if signed and expires and expires < signed:
            self.add_error("expires_on", _("An agreement cannot expire before it is signed."))
        return data


class MLARequestForm(forms.ModelForm):
    requests = forms.MultipleChoiceField(
        label=_("What is asked"), choices=MLAAsk.choices, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(**VERSION_FIELD)

    class Meta:
        model = MLARequest
        fields = [
            "direction",
            "requesting_country",
            "requesting_authority",
            "requested_country",
            "requested_authority",
            "channel",
            "requests",
            "description",
            "sent_on",
            "reply_due",
            "replied_on",
            "status",
            "case",
            "proceeding",
        ]
        widgets = {
            "sent_on": DATE,
            "reply_due": DATE,
            "replied_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cases = Case.objects.visible_to(user)
        self.fields["case"].queryset = cases
        self.fields["proceeding"].queryset = LegalProceeding.objects.filter(case__in=cases)

    def clean(self) -> dict:
        data = super().clean()
        sent, due = data.get("sent_on"), data.get("reply_due")
        if sent and due and due < sent:
            self.add_error("reply_due", _("The reply cannot be due before the request was sent."))
        proceeding, case = data.get("proceeding"), data.get("case")
        if proceeding and case and proceeding.case_id != case.pk:
            self.add_error("proceeding", _("This proceeding belongs to another case."))
        if proceeding and not case:
            data["case"] = proceeding.case
        return data


class PreventionActivityForm(forms.ModelForm):
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
    version = forms.IntegerField(**VERSION_FIELD)

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
            "start_date": DATE,
            "end_date": DATE,
            "sent_on": DATE,
            "removed_on": DATE,
            "materials": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"platform": _("Take-down requests only: the platform asked, e.g. LINE.")}

    def __init__(self, *args, organiser_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner_agencies"].queryset = Agency.objects.active().exclude(pk=organiser_id)

    def clean(self) -> dict:
        data = super().clean()
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
